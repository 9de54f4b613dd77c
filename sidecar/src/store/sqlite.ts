/**
 * The SQLite store: one file under the data directory, WAL journal, polls kept raw for the current
 * chunk window and compacted into column blobs per camera and window (see columns.ts for why).
 *
 * `SqliteStore` is the face: it opens and closes, guards against use after close, and hands each
 * call to the module of its concern: `writes.ts`, `queries.ts` (with `event-rates.ts`),
 * `maintenance.ts` (compaction, retention, checkpoints); `schema.ts` holds the tables and
 * `connection.ts` the cached statements, camera keys and the head (`head.ts`: the polls not
 * compacted yet, in memory) they share.
 *
 * SQLite (node:sqlite, engine.ts) is synchronous and runs on the main thread, so every statement
 * is short and housekeeping runs in small steps with a yield between them.
 */
import { join } from 'node:path';
import { HISTORY_DEFAULT_RETENTION_HOURS } from '../../../src/shared/query.ts';
import type { EventKind, MotionEvent, PollResult } from '../model.ts';
import { Connection } from './connection.ts';
import { PollBuffer } from './group-commit.ts';
import type { RawHead } from './head.ts';
import { logger } from '../log.ts';
import { lockDatabase, type DatabaseLock } from './lock.ts';
import {
  Checkpointer,
  Housekeeping,
  compactStep,
  maintain,
  prune,
  thin,
  type CheckpointResult,
} from './maintenance.ts';
import * as queries from './queries.ts';
import { prepareDatabase } from './schema.ts';
import * as shipLog from './ship-log.ts';
import {
  StoreError,
  type CameraResume,
  type PollPoint,
  type PruneResult,
  type ShipBatch,
  type ShipCursor,
  type StatusChange,
  type Store,
  type StoreHistoryRequest,
  type StoredColumns,
  type StoredSeries,
} from './types.ts';
import { openDatabase, removeOldEngineLeftovers, type SqliteDatabase } from './engine.ts';
import * as writes from './writes.ts';

export type { CheckpointResult } from './maintenance.ts';

export interface SqliteStoreOptions {
  /** Directory that holds the database file (created if missing). */
  dataDir?: string;
  /** Or an explicit file path. */
  file?: string;
  /** Width of a compacted chunk; default 1 h. */
  chunkMs?: number;
  /** Retention for the background pruning; default a year. */
  retentionHours?: number;
  /** How long a poll may wait for its group commit (group-commit.ts); default a minute, 0 commits each write. */
  commitDelayMs?: number;
  /** Opens the SQLite file (default node:sqlite; the benchmark passes other engines to compare). */
  openDatabase?: (file: string) => SqliteDatabase;
  /** False reads the polls not compacted yet through SQL instead of the head (head.ts); tests compare both. */
  rawHead?: boolean;
}

export const DEFAULT_RETENTION_HOURS = HISTORY_DEFAULT_RETENTION_HOURS;
const DEFAULT_CHUNK_MS = 3_600_000;
const DEFAULT_COMMIT_DELAY_MS = 60_000;
export const DB_FILE_NAME = 'tapo-history.sqlite';

export async function openSqliteStore(opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const file = opts.file ?? join(opts.dataDir ?? process.env.TAPO_DATA_DIR ?? 'data', DB_FILE_NAME);
  const lock = await lockDatabase(file);
  let db: SqliteDatabase | undefined;
  try {
    removeOldEngineLeftovers(file);
    db = (opts.openDatabase ?? openDatabase)(file);
    prepareDatabase(db, file, opts.chunkMs ?? DEFAULT_CHUNK_MS);
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
  private readonly retentionMs: number;
  private readonly conn: Connection;
  private readonly checkpoints: Checkpointer;
  private readonly housekeeping: Housekeeping;
  private readonly buffer: PollBuffer;
  private closed = false;

  constructor(
    private readonly db: SqliteDatabase,
    readonly file: string,
    private readonly lock: DatabaseLock,
    opts: SqliteStoreOptions
  ) {
    this.retentionMs = (opts.retentionHours ?? DEFAULT_RETENTION_HOURS) * 3_600_000;
    this.conn = new Connection(db, file, opts.chunkMs ?? DEFAULT_CHUNK_MS, opts.rawHead ?? true);
    try {
      // Filled now, while nothing else runs: on a first read it would hold up polls and streams
      // (an hour of a thousand cameras takes most of a second). Should it fail, the next read tries again.
      this.conn.head();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'the raw polls could not be read at open');
    }
    this.checkpoints = new Checkpointer(this.conn);
    this.buffer = new PollBuffer(
      (polls) => writes.writePolls(this.conn, polls),
      opts.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS,
      (err, waiting) => logger.warn({ err: (err as Error).message, waiting }, 'history polls wait for their commit')
    );
    this.housekeeping = new Housekeeping(
      (retentionMs) => this.maintain(retentionMs),
      this.retentionMs,
      () => this.closed
    );
  }

  private assertOpen() {
    if (this.closed) {
      throw new StoreError('the history store is closed');
    }
  }

  async writePoll(poll: PollResult): Promise<void> {
    return this.writePolls([poll]);
  }

  /** Accepts polls for the next group commit (see PollBuffer); refused when the commit they needed failed. */
  async writePolls(polls: PollResult[]): Promise<void> {
    this.assertOpen();
    this.buffer.add(polls);
  }

  /** Commits the polls that wait for their group commit. */
  async flush(): Promise<void> {
    this.assertOpen();
    this.buffer.flush();
  }

  /** Bytes of the pages in use, WAL included (what the data takes, whatever the file's size): for benchmarks and sizing. */
  usedBytes(): number {
    this.assertOpen();
    const one = (pragma: string) => Number(Object.values(this.db.get(`PRAGMA ${pragma}`) ?? {})[0]);
    return (one('page_count') - one('freelist_count')) * one('page_size');
  }

  /** The polls not compacted yet in memory (filled now if no read has yet), null when off: for checks and benchmarks. */
  rawHead(): RawHead | null {
    this.settle();
    return this.conn.head();
  }

  /** Before a read or housekeeping: commits what waits, or reads without it when that fails (disk full). */
  private settle(): void {
    this.assertOpen();
    try {
      this.buffer.flush();
    } catch (err) {
      logger.warn({ err: (err as Error).message, waiting: this.buffer.size }, 'history polls wait for their commit');
    }
  }

  /**
   * Bulk import (backfill, migration, benchmarks): polls of finished windows go straight into
   * chunks (merged with what is there), the rest as raw rows. Far faster than writePolls for history.
   */
  async importPolls(polls: PollResult[], now = Date.now()): Promise<void> {
    this.assertOpen();
    const recent = writes.importIntoChunks(this.conn, polls, now);
    await this.writePolls(recent);
  }

  async writeEvent(e: MotionEvent): Promise<boolean> {
    this.assertOpen();
    return writes.writeEvent(this.conn, e);
  }

  async writeStatusChange(c: StatusChange): Promise<void> {
    this.assertOpen();
    writes.writeStatusChange(this.conn, c);
  }

  async history(req: StoreHistoryRequest): Promise<StoredSeries[]> {
    this.settle();
    return queries.history(this.conn, req);
  }

  async historyColumns(req: StoreHistoryRequest): Promise<StoredColumns[]> {
    this.settle();
    return queries.historyColumns(this.conn, req);
  }

  async points(cameraId: string, from: number, to: number, limit = 10_000): Promise<PollPoint[]> {
    this.settle();
    return queries.points(this.conn, cameraId, from, to, limit);
  }

  async events(cameraIds: string[], from: number, to: number, kinds?: EventKind[]): Promise<MotionEvent[]> {
    this.assertOpen();
    return queries.events(this.conn, cameraIds, from, to, kinds);
  }

  async statusChanges(cameraIds: string[], from: number, to: number): Promise<StatusChange[]> {
    this.assertOpen();
    return queries.statusChanges(this.conn, cameraIds, from, to);
  }

  async resume(): Promise<Map<string, CameraResume>> {
    this.settle();
    return queries.resume(this.conn);
  }

  async latestEventStart(cameraId: string, source?: MotionEvent['source']): Promise<number | null> {
    this.assertOpen();
    return queries.latestEventStart(this.conn, cameraId, source);
  }

  async shipCursor(name: string): Promise<ShipCursor> {
    this.assertOpen();
    return shipLog.shipCursor(this.conn, name);
  }

  async saveShipCursor(name: string, cursor: ShipCursor): Promise<void> {
    this.assertOpen();
    shipLog.saveShipCursor(this.conn, name, cursor);
  }

  async shipLogAfter(cursor: ShipCursor, limit: number): Promise<ShipBatch> {
    this.assertOpen();
    return shipLog.shipLogAfter(this.conn, cursor, limit);
  }

  /**
   * Moves raw polls of finished windows into chunk blobs: one (camera, window) per call, in one
   * transaction. Returns false when nothing was left to compact.
   */
  compactStep(now = Date.now()): boolean {
    this.settle();
    return compactStep(this.conn, now);
  }

  async prune(cutoff: number, maxRows = 500): Promise<PruneResult> {
    this.settle();
    return prune(this.conn, cutoff, maxRows);
  }

  /** One housekeeping pass: compaction, retention (each step followed by a yield to the event loop), then a checkpoint. */
  async maintain(retentionMs = this.retentionMs, now = Date.now()): Promise<void> {
    const steps = {
      isClosed: () => this.closed,
      compactStep: (t: number) => this.compactStep(t),
      prune: (cutoff: number) => this.prune(cutoff),
      thin: (t: number) => thin(this.conn, t, 50),
      checkpoint: () => this.checkpoint(),
    };
    return maintain(steps, retentionMs, now);
  }

  /** A TRUNCATE checkpoint of the WAL (see Checkpointer.run); null inside a transaction. */
  checkpoint(): CheckpointResult | null {
    this.assertOpen();
    return this.checkpoints.run();
  }

  /** Starts background housekeeping; called again, it applies the new retention/interval (e.g. from the datasource settings). */
  startMaintenance(opts: { retentionMs?: number; intervalMs?: number } = {}): void {
    this.housekeeping.start(opts);
  }

  /** Resolves when the housekeeping pass in progress (if any) has finished. */
  async maintenanceIdle(): Promise<void> {
    await this.housekeeping.running;
  }

  stopMaintenance(): void {
    this.housekeeping.stop();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    const running = this.housekeeping.running;
    this.stopMaintenance();
    this.buffer.stop();
    try {
      this.buffer.flush();
    } catch (err) {
      logger.error({ err: (err as Error).message, lost: this.buffer.size }, 'history polls lost at close');
    }
    this.closed = true;
    await running;
    this.conn.finalize();
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
