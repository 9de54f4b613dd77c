/**
 * The SQLite store: one file under the data directory, WAL journal, polls kept raw for the current
 * chunk window and compacted into column blobs per camera and window (see columns.ts for why).
 *
 * node-sqlite3-wasm is synchronous and runs on the main thread, so every statement here is short
 * and housekeeping (compaction, retention) runs in small steps with a yield between them: a poll
 * never waits behind more than one small step.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setImmediate as yieldNow } from 'node:timers/promises';
import type { EventKind, MetricName, MotionEvent, PollResult } from '../model.ts';
import { logger } from '../log.ts';
import { BucketAccumulator, bucketTimes, planBuckets, type BucketPlan } from './downsample.ts';
import {
  COLUMNS,
  METRIC_COLUMN,
  NCOLS,
  STATUS_CODES,
  blockToRows,
  colIndex,
  column,
  decodeColumn,
  encodeColumn,
  pollToRow,
  rowToPoint,
  rowsToBlock,
  type Block,
  type Column,
} from './columns.ts';
import { lockDatabase, type DatabaseLock } from './lock.ts';
import { clearStaleVfsLock, loadSqlite, type SqliteDatabase } from './wasm.ts';
import {
  STATE_METRICS,
  StoreError,
  type Aggregate,
  type CameraResume,
  type PollPoint,
  type PruneResult,
  type StatusChange,
  type Store,
  type StoreHistoryRequest,
  type StoredSeries,
} from './types.ts';

export interface SqliteStoreOptions {
  /** Directory that holds the database file (created if missing). */
  dataDir?: string;
  /** Or an explicit file path. */
  file?: string;
  /** Width of a compacted chunk; default 1 h. */
  chunkMs?: number;
  /** Retention for the background pruning; default 24 h. */
  retentionHours?: number;
}

export const DEFAULT_RETENTION_HOURS = 24;
const DEFAULT_CHUNK_MS = 3_600_000;
export const DB_FILE_NAME = 'tapo-history.sqlite';
const SCHEMA_VERSION = 2;
/**
 * The journal's bounds. SQLite checkpoints by itself once the WAL holds this many pages (16 MiB at
 * 16 KiB pages), and after a checkpoint that emptied it, cuts the file back to JOURNAL_LIMIT_BYTES.
 * Housekeeping also runs a TRUNCATE checkpoint each pass and warns when one cannot complete.
 */
const WAL_AUTOCHECKPOINT_PAGES = 1000;
const JOURNAL_LIMIT_BYTES = 16 * 2 ** 20;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cameras (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
-- Polls of the current chunk window (and any not yet compacted).
CREATE TABLE IF NOT EXISTS polls (camera INTEGER NOT NULL, t INTEGER NOT NULL, status INTEGER NOT NULL,
  latency REAL, rssi REAL, signal REAL, uptime REAL, storage REAL, temp REAL, md INTEGER, pd INTEGER, pm INTEGER,
  batt REAL, chg INTEGER, low INTEGER, pwr INTEGER);
CREATE INDEX IF NOT EXISTS polls_camera_t ON polls(camera, t);
CREATE INDEX IF NOT EXISTS polls_t ON polls(t);
-- Compacted polls: one blob of Float64s per camera, column and window. 16 KiB pages keep a
-- window's column (120 polls at 30 s: 960 bytes) inside its b-tree cell, without overflow pages.
CREATE TABLE IF NOT EXISTS chunks (camera INTEGER NOT NULL, col INTEGER NOT NULL, start INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (camera, col, start)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_start ON chunks(start);
-- The newest full poll per camera (strings included), to resume snapshots after a restart.
CREATE TABLE IF NOT EXISTS latest (camera INTEGER PRIMARY KEY, poll TEXT NOT NULL, last_seen INTEGER);
CREATE TABLE IF NOT EXISTS events (camera INTEGER NOT NULL, start INTEGER NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL, finish INTEGER,
  UNIQUE (camera, start, kind, source));
CREATE INDEX IF NOT EXISTS events_start ON events(start);
-- The words of failed polls (only those: most polls have none), kept with the poll's time.
CREATE TABLE IF NOT EXISTS poll_errors (camera INTEGER NOT NULL, t INTEGER NOT NULL, error TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS poll_errors_camera_t ON poll_errors(camera, t);
CREATE INDEX IF NOT EXISTS poll_errors_t ON poll_errors(t);
CREATE TABLE IF NOT EXISTS status_changes (camera INTEGER NOT NULL, t INTEGER NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL, error TEXT);
CREATE INDEX IF NOT EXISTS status_changes_camera_t ON status_changes(camera, t);
CREATE INDEX IF NOT EXISTS status_changes_t ON status_changes(t);
`;

const nn = (v: number) => (Number.isNaN(v) ? null : v);

export async function openSqliteStore(opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const file = opts.file ?? join(opts.dataDir ?? process.env.TAPO_DATA_DIR ?? 'data', DB_FILE_NAME);
  const Database = await loadSqlite();
  const lock = await lockDatabase(file);
  let db: SqliteDatabase | undefined;
  try {
    clearStaleVfsLock(file);
    db = new Database(file);
    // The WASM VFS has no shared-memory primitives (xShmMap), and WAL needs them for the wal-index
    // unless the connection holds an exclusive lock: then SQLite keeps the index in heap memory.
    // One sidecar owns the file anyway, so EXCLUSIVE costs nothing and WAL keeps writes cheap.
    db.exec('PRAGMA page_size=16384'); // takes effect only when the file is created
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    const mode = db.get('PRAGMA journal_mode=WAL') as { journal_mode?: string } | null;
    if (mode?.journal_mode !== 'wal') {
      throw new StoreError(`could not switch ${file} to WAL (got ${mode?.journal_mode})`);
    }
    db.exec('PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384; PRAGMA busy_timeout=0;');
    db.exec(`PRAGMA wal_autocheckpoint=${WAL_AUTOCHECKPOINT_PAGES}; PRAGMA journal_size_limit=${JOURNAL_LIMIT_BYTES};`);
    const version = Number((db.get('PRAGMA user_version') as { user_version: number }).user_version);
    if (version > SCHEMA_VERSION) {
      throw new StoreError(`${file} has schema version ${version}, newer than this sidecar's ${SCHEMA_VERSION}`);
    }
    db.exec('BEGIN');
    db.exec(SCHEMA);
    if (version === 1) {
      // Schema 2 adds the battery columns of hub children; old rows read them as null.
      db.exec('ALTER TABLE polls ADD COLUMN batt REAL; ALTER TABLE polls ADD COLUMN chg INTEGER;');
      db.exec('ALTER TABLE polls ADD COLUMN low INTEGER; ALTER TABLE polls ADD COLUMN pwr INTEGER;');
    }
    db.exec(`PRAGMA user_version=${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    try {
      db?.close();
    } catch {
      /* the open error is the one to report */
    }
    await lock.release();
    if (err instanceof StoreError) {
      throw err;
    }
    throw new StoreError(`cannot open history database ${file}: ${(err as Error).message}`, { cause: err });
  }
  return new SqliteStore(db, file, lock, opts);
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly chunkMs: number;
  private readonly retentionMs: number;
  private readonly ids = new Map<string, number>();
  private readonly keys = new Map<number, string>();
  private closed = false;
  private maintenance: { timer: NodeJS.Timeout; running: Promise<void> | null } | null = null;
  private maintenanceRetentionMs: number | null = null;
  private readonly stmts: Record<string, import('node-sqlite3-wasm').Statement> = {};
  private checkpointFailures = 0;

  constructor(
    private readonly db: SqliteDatabase,
    readonly file: string,
    private readonly lock: DatabaseLock,
    opts: SqliteStoreOptions
  ) {
    this.chunkMs = opts.chunkMs ?? DEFAULT_CHUNK_MS;
    this.retentionMs = (opts.retentionHours ?? DEFAULT_RETENTION_HOURS) * 3_600_000;
    for (const row of db.all('SELECT id, key FROM cameras') as Array<{ id: number; key: string }>) {
      this.ids.set(row.key, row.id);
      this.keys.set(row.id, row.key);
    }
  }

  /**
   * A cached statement, offering only the calls that run it to completion. `get()` (and an
   * unfinished `iterate()`) would leave it stepped but not reset: an open read that keeps every
   * checkpoint from finishing, so the WAL would grow until the process exits.
   */
  private stmt(sql: string): CachedStatement {
    let s = this.stmts[sql];
    if (!s) {
      s = this.stmts[sql] = this.db.prepare(sql);
    }
    return s;
  }

  /** The first row of a cached query (run to completion, see stmt), or null. */
  private first<T>(sql: string, params: unknown[]): T | null {
    return (this.stmt(sql).all(params as never)[0] as T | undefined) ?? null;
  }

  private assertOpen() {
    if (this.closed) {
      throw new StoreError('the history store is closed');
    }
  }

  /** The integer key of a camera id, created on first write. */
  private cameraKey(id: string, create: true): number;
  private cameraKey(id: string, create: false): number | undefined;
  private cameraKey(id: string, create: boolean): number | undefined {
    let k = this.ids.get(id);
    if (k === undefined && create) {
      this.stmt('INSERT OR IGNORE INTO cameras(key) VALUES (?)').run([id]);
      k = Number(this.first<{ id: number }>('SELECT id FROM cameras WHERE key = ?', [id])!.id);
      this.ids.set(id, k);
      this.keys.set(k, id);
    }
    return k;
  }

  private knownKeys(ids: string[]): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const k = this.cameraKey(id, false);
      if (k !== undefined) {
        out.push(k);
      }
    }
    return out;
  }

  async writePoll(poll: PollResult): Promise<void> {
    return this.writePolls([poll]);
  }

  /** Several polls in one transaction (the fleet batches polls that finish together). */
  async writePolls(polls: PollResult[]): Promise<void> {
    this.assertOpen();
    if (polls.length === 0) {
      return;
    }
    // A savepoint nests inside a caller's transaction, and is a transaction of its own otherwise.
    this.db.exec('SAVEPOINT write_polls');
    try {
      const insert = this.stmt(`INSERT INTO polls (camera, ${COLUMNS.join(', ')}) VALUES (?${',?'.repeat(NCOLS)})`);
      const latest = this.stmt(
        `INSERT INTO latest (camera, poll, last_seen) VALUES (?, ?, ?)
         ON CONFLICT(camera) DO UPDATE SET poll = excluded.poll, last_seen = COALESCE(excluded.last_seen, latest.last_seen)`
      );
      const errors = this.stmt('INSERT INTO poll_errors (camera, t, error) VALUES (?,?,?)');
      for (const poll of polls) {
        const cam = this.cameraKey(poll.cameraId, true);
        insert.run([cam, ...pollToRow(poll).map(nn)]);
        if (poll.error) {
          errors.run([cam, poll.time, poll.error]);
        }
        latest.run([cam, JSON.stringify(poll), poll.status === 'online' ? poll.time : null]);
      }
      this.db.exec('RELEASE write_polls');
    } catch (err) {
      this.db.exec('ROLLBACK TO write_polls; RELEASE write_polls');
      throw new StoreError(`cannot store polls: ${(err as Error).message}${diskHint(this.file)}`, { cause: err });
    }
  }

  /**
   * Bulk import (backfill, migration, benchmarks): polls of finished windows go straight into
   * chunks (merged with what is there), the rest as raw rows. Far faster than writePolls for history.
   */
  async importPolls(polls: PollResult[], now = Date.now()): Promise<void> {
    this.assertOpen();
    const currentWindow = Math.floor(now / this.chunkMs) * this.chunkMs;
    const groups = new Map<string, { cam: number; start: number; rows: number[][] }>();
    const recent: PollResult[] = [];
    for (const p of polls) {
      if (p.time >= currentWindow) {
        recent.push(p);
        continue;
      }
      const cam = this.cameraKey(p.cameraId, true);
      const start = Math.floor(p.time / this.chunkMs) * this.chunkMs;
      const key = `${cam}:${start}`;
      let g = groups.get(key);
      if (!g) {
        groups.set(key, (g = { cam, start, rows: [] }));
      }
      g.rows.push(pollToRow(p));
    }
    this.db.exec('BEGIN');
    try {
      for (const g of groups.values()) {
        const existing = this.readChunk(g.cam, g.start);
        const rows = existing ? [...blockToRows(existing), ...g.rows] : g.rows;
        rows.sort((a, b) => a[0] - b[0]);
        this.writeChunk(g.cam, g.start, rows);
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw new StoreError(`import failed: ${(err as Error).message}`, { cause: err });
    }
    await this.writePolls(recent);
  }

  async writeEvent(e: MotionEvent): Promise<boolean> {
    this.assertOpen();
    const cam = this.cameraKey(e.cameraId, true);
    const r = this.stmt('INSERT OR IGNORE INTO events (camera, start, kind, source, finish) VALUES (?,?,?,?,?)').run([
      cam,
      e.start,
      e.kind,
      e.source,
      e.end,
    ]);
    if (r.changes > 0) {
      return true;
    }
    if (e.end !== null) {
      this.stmt('UPDATE events SET finish = ? WHERE camera = ? AND start = ? AND kind = ? AND source = ?').run([
        e.end,
        cam,
        e.start,
        e.kind,
        e.source,
      ]);
    }
    return false;
  }

  async writeStatusChange(c: StatusChange): Promise<void> {
    this.assertOpen();
    const cam = this.cameraKey(c.cameraId, true);
    this.stmt('INSERT INTO status_changes (camera, t, from_status, to_status, error) VALUES (?,?,?,?,?)').run([
      cam,
      c.time,
      c.from,
      c.to,
      c.error,
    ]);
  }

  /** Chunks and raw rows of the given cameras overlapping [from, to], per camera key, as blocks holding `cols`. */
  private blocks(cams: number[], from: number, to: number, cols: readonly Column[]): Map<number, Block[]> {
    const out = new Map<number, Block[]>();
    if (cams.length === 0) {
      return out;
    }
    for (const c of cams) {
      out.set(c, []);
    }
    const marks = cams.map(() => '?').join(',');
    const colIdx = cols.map(colIndex);
    const chunkRows = this.db.all(
      `SELECT camera, col, start, data FROM chunks WHERE camera IN (${marks}) AND col IN (${colIdx.join(',')}) AND start > ? AND start <= ?`,
      [...cams, from - this.chunkMs, to]
    ) as Array<{ camera: number; col: number; start: number; data: Uint8Array }>;
    const pending = new Map<string, Block>();
    for (const r of chunkRows) {
      const key = `${r.camera}:${r.start}`;
      let b = pending.get(key);
      const values = decodeColumn(r.data);
      if (!b) {
        b = { n: values.length, cols: new Array(NCOLS) };
        pending.set(key, b);
        out.get(r.camera)!.push(b);
      }
      b.cols[r.col] = values;
    }
    const raw = this.db.all(
      `SELECT camera, ${cols.join(', ')} FROM polls WHERE camera IN (${marks}) AND t >= ? AND t <= ? ORDER BY camera, t`,
      [...cams, from, to]
    ) as Array<Record<string, number | null>>;
    const byCam = new Map<number, Array<Record<string, number | null>>>();
    for (const r of raw) {
      const cam = r.camera as number;
      let rows = byCam.get(cam);
      if (!rows) {
        byCam.set(cam, (rows = []));
      }
      rows.push(r);
    }
    for (const [cam, rows] of byCam) {
      const b: Block = { n: rows.length, cols: new Array(NCOLS) };
      for (const c of cols) {
        b.cols[colIndex(c)] = Float64Array.from(rows, (r) => (r[c] === null ? NaN : Number(r[c])));
      }
      out.get(cam)!.push(b);
    }
    return out;
  }

  /** All columns of one stored chunk, or null. */
  private readChunk(cam: number, start: number): Block | null {
    const rows = this.stmt('SELECT col, data FROM chunks WHERE camera = ? AND start = ?').all([cam, start]) as Array<{
      col: number;
      data: Uint8Array;
    }>;
    if (rows.length === 0) {
      return null;
    }
    const b: Block = { n: 0, cols: new Array(NCOLS) };
    for (const r of rows) {
      b.cols[r.col] = decodeColumn(r.data);
      b.n = b.cols[r.col]!.length;
    }
    return b;
  }

  private writeChunk(cam: number, start: number, rows: number[][]): void {
    this.stmt('DELETE FROM chunks WHERE camera = ? AND start = ?').run([cam, start]);
    if (rows.length === 0) {
      return;
    }
    const block = rowsToBlock(rows);
    const ins = this.stmt('INSERT INTO chunks (camera, col, start, data) VALUES (?,?,?,?)');
    for (let c = 0; c < NCOLS; c++) {
      ins.run([cam, c, start, encodeColumn(block.cols[c]!)]);
    }
  }

  async history(req: StoreHistoryRequest): Promise<StoredSeries[]> {
    this.assertOpen();
    const plan = planBuckets(req.from, req.to, req.maxPoints, req.minIntervalMs);
    const times = bucketTimes(plan);
    const cams = this.knownKeys(req.cameraIds);
    const pollMetrics = req.metrics.filter(
      (m): m is Exclude<MetricName, 'motion_events_per_min'> => m !== 'motion_events_per_min'
    );
    const cols = ['t', ...new Set(pollMetrics.map((m) => METRIC_COLUMN[m]))] as Column[];
    const blocks = pollMetrics.length > 0 ? this.blocks(cams, req.from, req.to, cols) : new Map<number, Block[]>();
    const eventTimes = req.metrics.includes('motion_events_per_min')
      ? this.eventStarts(cams, req.from, req.to)
      : new Map<number, number[]>();

    const out: StoredSeries[] = [];
    for (const cameraId of req.cameraIds) {
      const cam = this.cameraKey(cameraId, false);
      for (const metric of req.metrics) {
        const agg: Aggregate =
          !req.aggregate || req.aggregate === 'auto' ? (STATE_METRICS.has(metric) ? 'last' : 'avg') : req.aggregate;
        const acc = new BucketAccumulator(plan);
        if (cam !== undefined) {
          if (metric === 'motion_events_per_min') {
            addEventRates(acc, eventTimes.get(cam) ?? [], plan, req.from, req.to);
          } else {
            for (const b of blocks.get(cam) ?? []) {
              const t = column(b, 't');
              let v = column(b, METRIC_COLUMN[metric]);
              if (metric === 'online') {
                v = v.map((s) => (s === STATUS_CODES.online ? 1 : 0));
              }
              acc.addColumn(t, v, req.from, req.to);
            }
          }
        }
        const s: StoredSeries = {
          cameraId,
          metric,
          times,
          values: acc.values(agg),
          bucketMs: plan.bucketMs,
          aggregate: agg,
        };
        if (req.withMinMax) {
          s.min = acc.values('min');
          s.max = acc.values('max');
        }
        out.push(s);
      }
    }
    return out;
  }

  private eventStarts(cams: number[], from: number, to: number): Map<number, number[]> {
    const out = new Map<number, number[]>();
    if (cams.length === 0) {
      return out;
    }
    const marks = cams.map(() => '?').join(',');
    const rows = this.db.all(
      `SELECT camera, start FROM events WHERE camera IN (${marks}) AND start >= ? AND start <= ?`,
      [...cams, from, to]
    ) as Array<{ camera: number; start: number }>;
    for (const r of rows) {
      let a = out.get(r.camera);
      if (!a) {
        out.set(r.camera, (a = []));
      }
      a.push(r.start);
    }
    return out;
  }

  async points(cameraId: string, from: number, to: number, limit = 10_000): Promise<PollPoint[]> {
    this.assertOpen();
    const cam = this.cameraKey(cameraId, false);
    if (cam === undefined) {
      return [];
    }
    const rows: number[][] = [];
    for (const b of this.blocks([cam], from, to, COLUMNS).get(cam) ?? []) {
      for (const r of blockToRows(b)) {
        if (r[0] >= from && r[0] <= to) {
          rows.push(r);
        }
      }
    }
    rows.sort((a, b) => a[0] - b[0]);
    const kept = rows.slice(Math.max(0, rows.length - limit));
    const errors = new Map<number, string>();
    if (kept.length > 0) {
      for (const e of this.stmt('SELECT t, error FROM poll_errors WHERE camera = ? AND t >= ? AND t <= ?').all([
        cam,
        kept[0]![0],
        kept.at(-1)![0],
      ]) as Array<{ t: number; error: string }>) {
        errors.set(e.t, e.error);
      }
    }
    return kept.map((r) => ({ ...rowToPoint(r), error: errors.get(r[0]!) ?? null }));
  }

  async events(cameraIds: string[], from: number, to: number, kinds?: EventKind[]): Promise<MotionEvent[]> {
    this.assertOpen();
    const cams = this.knownKeys(cameraIds);
    if (cams.length === 0) {
      return [];
    }
    const marks = cams.map(() => '?').join(',');
    const kindSql = kinds && kinds.length > 0 ? ` AND kind IN (${kinds.map(() => '?').join(',')})` : '';
    // An event counts when it overlaps the range (started before `to`, not ended before `from`).
    const rows = this.db.all(
      `SELECT camera, start, finish, kind, source FROM events WHERE camera IN (${marks}) AND start <= ? AND (start >= ? OR finish >= ?)${kindSql} ORDER BY start, camera`,
      [...cams, to, from, from, ...(kinds && kinds.length > 0 ? kinds : [])]
    ) as Array<{ camera: number; start: number; finish: number | null; kind: string; source: string }>;
    return rows.map((r) => ({
      cameraId: this.keys.get(r.camera)!,
      start: r.start,
      end: r.finish,
      kind: r.kind as EventKind,
      source: r.source as MotionEvent['source'],
    }));
  }

  async statusChanges(cameraIds: string[], from: number, to: number): Promise<StatusChange[]> {
    this.assertOpen();
    const cams = this.knownKeys(cameraIds);
    if (cams.length === 0) {
      return [];
    }
    const marks = cams.map(() => '?').join(',');
    const rows = this.db.all(
      `SELECT camera, t, from_status, to_status, error FROM status_changes WHERE camera IN (${marks}) AND t >= ? AND t <= ? ORDER BY t, camera`,
      [...cams, from, to]
    ) as Array<{ camera: number; t: number; from_status: string; to_status: string; error: string | null }>;
    return rows.map((r) => ({
      cameraId: this.keys.get(r.camera)!,
      time: r.t,
      from: asStatus(r.from_status),
      to: asStatus(r.to_status),
      error: r.error,
    }));
  }

  async resume(): Promise<Map<string, CameraResume>> {
    this.assertOpen();
    const out = new Map<string, CameraResume>();
    for (const r of this.db.all('SELECT camera, poll, last_seen FROM latest') as Array<{
      camera: number;
      poll: string;
      last_seen: number | null;
    }>) {
      const id = this.keys.get(r.camera);
      if (!id) {
        continue;
      }
      try {
        out.set(id, { last: JSON.parse(r.poll) as PollResult, lastSeen: r.last_seen });
      } catch {
        logger.warn({ camera: id }, 'ignoring an unreadable stored poll');
      }
    }
    return out;
  }

  async latestEventStart(cameraId: string, source?: MotionEvent['source']): Promise<number | null> {
    this.assertOpen();
    const cam = this.cameraKey(cameraId, false);
    if (cam === undefined) {
      return null;
    }
    const r = source
      ? this.first<{ s: number | null }>('SELECT max(start) AS s FROM events WHERE camera = ? AND source = ?', [
          cam,
          source,
        ])
      : this.first<{ s: number | null }>('SELECT max(start) AS s FROM events WHERE camera = ?', [cam]);
    return r?.s ?? null;
  }

  /**
   * Moves raw polls of finished windows into chunk blobs: one (camera, window) per call, in one
   * transaction. Returns false when nothing was left to compact.
   */
  compactStep(now = Date.now()): boolean {
    this.assertOpen();
    const currentWindow = Math.floor(now / this.chunkMs) * this.chunkMs;
    const next = this.first<{ camera: number; t: number }>(
      'SELECT camera, t FROM polls WHERE t < ? ORDER BY t LIMIT 1',
      [currentWindow]
    );
    if (!next) {
      return false;
    }
    const start = Math.floor(next.t / this.chunkMs) * this.chunkMs;
    const end = start + this.chunkMs;
    const cols = COLUMNS.join(', ');
    this.db.exec('BEGIN');
    try {
      const raw = this.stmt(`SELECT ${cols} FROM polls WHERE camera = ? AND t >= ? AND t < ?`).all([
        next.camera,
        start,
        end,
      ]) as Array<Record<string, number | null>>;
      const rows = raw.map((r) => COLUMNS.map((c) => (r[c] === null ? NaN : Number(r[c]))));
      const existing = this.readChunk(next.camera, start);
      if (existing) {
        rows.push(...blockToRows(existing));
      }
      rows.sort((a, b) => a[0] - b[0]);
      this.writeChunk(next.camera, start, rows);
      this.stmt('DELETE FROM polls WHERE camera = ? AND t >= ? AND t < ?').run([next.camera, start, end]);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw new StoreError(`compaction failed: ${(err as Error).message}`, { cause: err });
    }
    return true;
  }

  async prune(cutoff: number, maxRows = 500): Promise<PruneResult> {
    this.assertOpen();
    let deleted = 0;
    let done = true;
    this.db.exec('BEGIN');
    try {
      // Whole windows before the cutoff go, oldest first, a few per call...
      const limit = Math.max(1, Math.floor(maxRows / 50));
      const whole = this.stmt('SELECT DISTINCT camera, start FROM chunks WHERE start <= ? ORDER BY start LIMIT ?').all([
        cutoff - this.chunkMs,
        limit,
      ]) as Array<{ camera: number; start: number }>;
      for (const c of whole) {
        deleted +=
          this.stmt('DELETE FROM chunks WHERE camera = ? AND start = ?').run([c.camera, c.start]).changes > 0 ? 1 : 0;
      }
      if (whole.length === limit) {
        done = false;
      } else {
        // ...then the window straddling the cutoff is trimmed, when its first poll is older.
        const straddling = this.stmt(
          'SELECT camera, start, data FROM chunks WHERE col = 0 AND start > ? AND start < ?'
        ).all([cutoff - this.chunkMs, cutoff]) as Array<{ camera: number; start: number; data: Uint8Array }>;
        for (const c of straddling) {
          if (!(decodeColumn(c.data)[0]! < cutoff)) {
            continue;
          }
          const rows = blockToRows(this.readChunk(c.camera, c.start)!);
          const kept = rows.filter((r) => r[0] >= cutoff);
          deleted += rows.length - kept.length;
          this.writeChunk(c.camera, c.start, kept);
        }
      }
      for (const [table, col] of [
        ['polls', 't'],
        ['poll_errors', 't'],
        ['events', 'start'],
        ['status_changes', 't'],
      ] as const) {
        const r = this.stmt(
          `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${col} < ? LIMIT ?)`
        ).run([cutoff, maxRows]);
        deleted += r.changes;
        if (r.changes >= maxRows) {
          done = false;
        }
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw new StoreError(`retention failed: ${(err as Error).message}`, { cause: err });
    }
    return { deleted, done };
  }

  /** One housekeeping pass: compaction, retention (each step followed by a yield to the event loop), then a checkpoint. */
  async maintain(retentionMs = this.retentionMs, now = Date.now()): Promise<void> {
    while (!this.closed && this.compactStep(now)) {
      await yieldNow();
    }
    while (!this.closed) {
      const r = await this.prune(now - retentionMs);
      if (r.done) {
        break;
      }
      await yieldNow();
    }
    if (!this.closed) {
      this.checkpoint();
    }
  }

  /**
   * Copies the WAL into the database and empties it (TRUNCATE). Returns SQLite's figures: `busy`
   * 1 when it could not finish, `log` frames in the WAL, `checkpointed` frames copied. One that
   * cannot complete is logged as a warning with those figures (or SQLite's error), since a WAL
   * that is never checkpointed grows without bound. Skipped (null) inside a transaction.
   */
  checkpoint(): CheckpointResult | null {
    this.assertOpen();
    if (this.db.inTransaction) {
      return null;
    }
    let r: CheckpointResult;
    try {
      const row = this.db.get('PRAGMA wal_checkpoint(TRUNCATE)') as Record<keyof CheckpointResult, number>;
      r = { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed), error: null };
    } catch (err) {
      r = { busy: 1, log: -1, checkpointed: -1, error: (err as Error).message };
    }
    if (r.busy !== 0 || r.checkpointed < r.log || r.error) {
      this.checkpointFailures++;
      logger.warn(
        { ...r, walBytes: fileSize(`${this.file}-wal`), failures: this.checkpointFailures },
        'the history journal (WAL) could not be checkpointed: it grows until a checkpoint completes'
      );
    } else if (this.checkpointFailures > 0) {
      logger.info({ after: this.checkpointFailures }, 'the history journal (WAL) is checkpointed again');
      this.checkpointFailures = 0;
    }
    return r;
  }

  /** Starts background housekeeping; called again, it applies the new retention/interval (e.g. from the datasource settings). */
  startMaintenance(opts: { retentionMs?: number; intervalMs?: number } = {}): void {
    const running = this.maintenance?.running ?? null;
    if (this.maintenance) {
      clearInterval(this.maintenance.timer);
    }
    const retentionMs = opts.retentionMs ?? this.maintenanceRetentionMs ?? this.retentionMs;
    this.maintenanceRetentionMs = retentionMs;
    const run = () => {
      if (!this.maintenance || this.maintenance.running || this.closed) {
        return;
      }
      this.maintenance.running = this.maintain(retentionMs)
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

  /** Resolves when the housekeeping pass in progress (if any) has finished. */
  async maintenanceIdle(): Promise<void> {
    await this.maintenance?.running;
  }

  stopMaintenance(): void {
    if (!this.maintenance) {
      return;
    }
    clearInterval(this.maintenance.timer);
    this.maintenance = null;
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    const running = this.maintenance?.running;
    this.stopMaintenance();
    this.closed = true;
    await running;
    for (const s of Object.values(this.stmts)) {
      if (!s.isFinalized) {
        s.finalize();
      }
    }
    try {
      this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      try {
        this.db.close();
      } finally {
        await this.lock.release();
      }
    }
  }
}

/** What the store may do with a cached statement (see SqliteStore.stmt). */
type CachedStatement = Pick<import('node-sqlite3-wasm').Statement, 'run' | 'all'>;

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
  /** SQLite's error when the checkpoint could not even start. */
  error: string | null;
}

/**
 * The VFS reports a failed write as a plain "disk I/O error": when the disk under the database is
 * (nearly) full, say so.
 */
function diskHint(file: string): string {
  try {
    const fs = statfsSync(dirname(file));
    return fs.bavail * fs.bsize < 1024 * 1024 ? ` (no space left on the disk holding ${dirname(file)})` : '';
  } catch {
    return '';
  }
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function asStatus(s: string): StatusChange['to'] {
  return s in STATUS_CODES ? (s as StatusChange['to']) : 'unknown';
}

/** motion_events_per_min: per bucket of a minute or more, the mean rate (min/max over its whole minutes); shorter buckets, the events of the minute ending with the bucket. */
function addEventRates(acc: BucketAccumulator, starts: number[], plan: BucketPlan, from: number, to: number): void {
  const perMinute = new Map<number, number>();
  for (const s of starts) {
    if (s < from || s > to) {
      continue;
    }
    const m = Math.floor(s / 60_000);
    perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
  }
  const minutesPerBucket = plan.bucketMs / 60_000;
  const perBucket = new Float64Array(plan.count);
  for (const s of starts) {
    const b = Math.floor(s / plan.bucketMs) - plan.firstIndex;
    if (s >= from && s <= to && b >= 0 && b < plan.count) {
      perBucket[b]++;
    }
  }
  // Buckets shorter than a minute count the minute that ends with the bucket (a sliding window):
  // dividing a 5 s bucket's count by 1/12 would report one event as "12 per minute".
  const sorted = starts.filter((s) => s >= from && s <= to).sort((a, b) => a - b);
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < plan.count; b++) {
    const bStart = (plan.firstIndex + b) * plan.bucketMs;
    let rate: number;
    if (minutesPerBucket < 1) {
      const bEnd = bStart + plan.bucketMs;
      while (hi < sorted.length && sorted[hi]! < bEnd) {
        hi++;
      }
      while (lo < hi && sorted[lo]! < bEnd - 60_000) {
        lo++;
      }
      rate = hi - lo;
    } else {
      rate = perBucket[b] / minutesPerBucket;
    }
    let mn = rate;
    let mx = rate;
    if (minutesPerBucket >= 1) {
      mn = Infinity;
      mx = -Infinity;
      for (let m = Math.floor(bStart / 60_000); m * 60_000 < bStart + plan.bucketMs; m++) {
        const c = perMinute.get(m) ?? 0;
        if (c < mn) {
          mn = c;
        }
        if (c > mx) {
          mx = c;
        }
      }
    }
    acc.sum[b] = rate;
    acc.n[b] = 1;
    acc.min[b] = mn;
    acc.max[b] = mx;
    acc.last[b] = rate;
    acc.lastT[b] = bStart;
  }
}
