/**
 * Housekeeping of the history database: compaction of finished windows into chunks, retention,
 * WAL checkpoints, and the background timer that runs them in small steps with a yield between
 * them (SQLite runs synchronously on the main thread: a poll never waits behind more than one step).
 */
import { statSync } from 'node:fs';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { logger } from '../log.ts';
import { decodeChunk } from './codec/chunk.ts';
import { COLUMNS, NCOLS, blockToRows } from './columns.ts';
import { marks, type Connection } from './connection.ts';
import { pruneRollups, rollUpRange, thinOut } from './rollup-writes.ts';
import { StoreError, type PruneResult } from './types.ts';

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
  /** SQLite's error when the checkpoint could not even start. */
  error: string | null;
}

/** Cameras compacted (and rolled up) per step: about 5 ms of CPU each, so a step stays short. */
const CAMERAS_PER_STEP = 10;

/**
 * Moves raw polls of finished windows into chunks: one window, up to CAMERAS_PER_STEP cameras per
 * call, in one transaction. Returns false when nothing was left to compact.
 */
export function compactStep(c: Connection, now: number): boolean {
  const next = c.first<{ t: number }>('SELECT t FROM polls WHERE t < ? ORDER BY t LIMIT 1', [c.windowOf(now)]);
  if (!next) {
    return false;
  }
  const start = c.windowOf(next.t);
  const end = start + c.chunkMs;
  let cams: number[];
  c.db.exec('BEGIN');
  try {
    cams = (
      c
        .stmt('SELECT DISTINCT camera FROM polls WHERE t >= ? AND t < ? ORDER BY camera LIMIT ?')
        .all([start, end, CAMERAS_PER_STEP]) as Array<{ camera: number }>
    ).map((r) => r.camera);
    const raw = c.db.all(
      `SELECT camera, ${COLUMNS.join(', ')} FROM polls WHERE t >= ? AND t < ? AND camera IN (${marks(cams.length)})`,
      [start, end, ...cams]
    ) as Array<Record<string, number | null>>;
    const byCam = new Map<number, number[][]>(cams.map((cam) => [cam, []]));
    for (const r of raw) {
      byCam.get(r.camera!)!.push(COLUMNS.map((col) => (r[col] === null ? NaN : Number(r[col]))));
    }
    for (const [cam, rows] of byCam) {
      const existing = c.readChunk(cam, start);
      if (existing) {
        rows.push(...blockToRows(existing));
      }
      rows.sort((a, b) => a[0]! - b[0]!);
      c.writeChunk(cam, start, rows);
      rollUpRange(c, cam, start, end);
    }
    c.db
      .prepare(`DELETE FROM polls WHERE t >= ? AND t < ? AND camera IN (${marks(cams.length)})`)
      .run([start, end, ...cams]);
    c.db.exec('COMMIT');
  } catch (err) {
    c.db.exec('ROLLBACK');
    throw new StoreError(`compaction failed: ${(err as Error).message}`, { cause: err });
  }
  // Committed: the rows are in their chunks now, and no longer in the head either.
  const head = c.filledHead();
  for (const cam of cams) {
    head?.removeRange(cam, start, end);
  }
  return true;
}

/** Deletes data older than `cutoff`, at most about `maxRows` rows per call, in one transaction. */
export function prune(c: Connection, cutoff: number, maxRows: number): PruneResult {
  let deleted = 0;
  let done = true;
  let pollsDeleted = 0;
  c.db.exec('BEGIN');
  try {
    // Whole windows before the cutoff go, oldest first, a few per call...
    const limit = Math.max(1, Math.floor(maxRows / 50));
    const whole = c
      .stmt('SELECT camera, start FROM chunks WHERE start <= ? ORDER BY start LIMIT ?')
      .all([cutoff - c.chunkMs, limit]) as Array<{ camera: number; start: number }>;
    for (const w of whole) {
      deleted +=
        c.stmt('DELETE FROM chunks WHERE camera = ? AND start = ?').run([w.camera, w.start]).changes > 0 ? 1 : 0;
    }
    if (whole.length === limit) {
      done = false;
    } else {
      // ...then the window straddling the cutoff is trimmed, when its first poll is older.
      const straddling = c
        .stmt('SELECT camera, start, data FROM chunks WHERE start > ? AND start < ?')
        .all([cutoff - c.chunkMs, cutoff]) as Array<{ camera: number; start: number; data: Uint8Array }>;
      for (const w of straddling) {
        if (!(decodeChunk(w.data, NCOLS, [0]).cols[0]![0]! < cutoff)) {
          continue;
        }
        const rows = blockToRows(c.readChunk(w.camera, w.start)!);
        const kept = rows.filter((r) => r[0] >= cutoff);
        deleted += rows.length - kept.length;
        c.writeChunk(w.camera, w.start, kept);
      }
    }
    const rollups = pruneRollups(c, cutoff, Math.max(1, Math.floor(maxRows / 50)));
    deleted += rollups.deleted;
    done &&= rollups.done;
    for (const [table, col] of [
      ['polls', 't'],
      ['poll_errors', 't'],
      ['events', 'start'],
      ['status_changes', 't'],
    ] as const) {
      const r = c
        .stmt(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${col} < ? LIMIT ?)`)
        .run([cutoff, maxRows]);
      deleted += r.changes;
      if (r.changes >= maxRows) {
        done = false;
      }
      if (table === 'polls') {
        pollsDeleted = r.changes;
      }
    }
    c.db.exec('COMMIT');
  } catch (err) {
    c.db.exec('ROLLBACK');
    throw new StoreError(`retention failed: ${(err as Error).message}`, { cause: err });
  }
  if (pollsDeleted > 0) {
    // Fewer than the limit: every poll before the cutoff went. At the limit, SQLite chose which
    // (rarely: compaction moves polls out within the hour), and the head is filled again.
    if (pollsDeleted < maxRows) {
      c.filledHead()?.removeBefore(cutoff);
    } else {
      c.dropHead();
    }
  }
  return { deleted, done };
}

/** TRUNCATE checkpoints that remember how many in a row could not complete. */
export class Checkpointer {
  private failures = 0;

  constructor(private readonly c: Connection) {}

  /**
   * Copies the WAL into the database and empties it (TRUNCATE). Returns SQLite's figures: `busy`
   * 1 when it could not finish, `log` frames in the WAL, `checkpointed` frames copied. One that
   * cannot complete is logged as a warning with those figures (or SQLite's error), since a WAL
   * that is never checkpointed grows without bound. Skipped (null) inside a transaction.
   */
  run(): CheckpointResult | null {
    if (this.c.db.inTransaction) {
      return null;
    }
    let r: CheckpointResult;
    try {
      const row = this.c.db.get('PRAGMA wal_checkpoint(TRUNCATE)') as Record<keyof CheckpointResult, number>;
      r = { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed), error: null };
    } catch (err) {
      r = { busy: 1, log: -1, checkpointed: -1, error: (err as Error).message };
    }
    if (r.busy !== 0 || r.checkpointed < r.log || r.error) {
      this.failures++;
      logger.warn(
        { ...r, walBytes: fileSize(`${this.c.file}-wal`), failures: this.failures },
        'the history journal (WAL) could not be checkpointed: it grows until a checkpoint completes'
      );
    } else if (this.failures > 0) {
      logger.info({ after: this.failures }, 'the history journal (WAL) is checkpointed again');
      this.failures = 0;
    }
    return r;
  }
}

/** The steps one housekeeping pass takes, and whether the store has closed meanwhile. */
export interface MaintenanceSteps {
  isClosed(): boolean;
  compactStep(now: number): boolean;
  prune(cutoff: number): Promise<PruneResult>;
  /** Thins aged history out into coarser tiers, a batch per call (thinOut). */
  thin(now: number): PruneResult;
  checkpoint(): unknown;
}

/** One housekeeping pass: compaction, retention (each step followed by a yield to the event loop), then a checkpoint. */
export async function maintain(steps: MaintenanceSteps, retentionMs: number, now: number): Promise<void> {
  while (!steps.isClosed() && steps.compactStep(now)) {
    await yieldNow();
  }
  while (!steps.isClosed() && !steps.thin(now).done) {
    await yieldNow();
  }
  while (!steps.isClosed()) {
    const r = await steps.prune(now - retentionMs);
    if (r.done) {
      break;
    }
    await yieldNow();
  }
  if (!steps.isClosed()) {
    steps.checkpoint();
  }
}

/** The background timer of housekeeping passes: at most one pass runs at a time. */
export class Housekeeping {
  private maintenance: { timer: NodeJS.Timeout; running: Promise<void> | null } | null = null;
  private retentionMs: number | null = null;

  constructor(
    private readonly pass: (retentionMs: number) => Promise<void>,
    private readonly defaultRetentionMs: number,
    private readonly isClosed: () => boolean
  ) {}

  /** Starts the timer (and a pass at once, unless one runs); called again, it applies the new retention/interval. */
  start(opts: { retentionMs?: number; intervalMs?: number } = {}): void {
    const running = this.maintenance?.running ?? null;
    if (this.maintenance) {
      clearInterval(this.maintenance.timer);
    }
    const retentionMs = opts.retentionMs ?? this.retentionMs ?? this.defaultRetentionMs;
    this.retentionMs = retentionMs;
    const run = () => {
      if (!this.maintenance || this.maintenance.running || this.isClosed()) {
        return;
      }
      this.maintenance.running = this.pass(retentionMs)
        .catch((err) => logger.error({ err: (err as Error).message }, 'history housekeeping failed'))
        .finally(() => {
          if (this.maintenance) {
            this.maintenance.running = null;
          }
        });
    };
    const timer = setInterval(run, opts.intervalMs ?? 60_000);
    timer.unref();
    this.maintenance = { timer, running };
    if (!running) {
      run();
    }
  }

  /** The pass in progress, if any. */
  get running(): Promise<void> | null {
    return this.maintenance?.running ?? null;
  }

  stop(): void {
    if (!this.maintenance) {
      return;
    }
    clearInterval(this.maintenance.timer);
    this.maintenance = null;
  }
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/** One batch of thinning out aged history (thinOut), in one transaction. */
export function thin(c: Connection, now: number, maxRows: number): PruneResult {
  c.db.exec('BEGIN');
  try {
    const r = thinOut(c, now, maxRows);
    c.db.exec('COMMIT');
    return r;
  } catch (err) {
    c.db.exec('ROLLBACK');
    throw new StoreError(`thinning history out failed: ${(err as Error).message}`, { cause: err });
  }
}
