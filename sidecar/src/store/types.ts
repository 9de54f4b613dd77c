/**
 * The storage interface of the fleet's history. One implementation today (SQLite, `sqlite.ts`);
 * written so that a PostgreSQL/TimescaleDB store for many sidecars can follow: every method is
 * async, takes plain values, and knows nothing about SQLite.
 */
import type {
  CameraStatus,
  EventKind,
  HistoryRequest,
  MotionEvent,
  PollResult,
  Series,
  SeriesColumns,
} from '../model.ts';

export interface StatusChange {
  cameraId: string;
  time: number;
  from: CameraStatus;
  to: CameraStatus;
  error: string | null;
}

/** How a bucket's many values become one. */
export type Aggregate = 'avg' | 'min' | 'max' | 'last';

export interface StoreHistoryRequest extends HistoryRequest {
  /** Buckets are never narrower than this (e.g. the cameras' poll interval), so sparse data does not become mostly nulls. */
  minIntervalMs?: number;
  /** 'auto' (default): avg for numbers, last state for on/off metrics. */
  aggregate?: Aggregate | 'auto';
  /** Also return min and max per bucket. */
  withMinMax?: boolean;
}

/** A Series with optional per-bucket min/max (present when asked for with withMinMax). */
export interface StoredSeries extends Series {
  bucketMs: number;
  aggregate: Aggregate;
  min?: Array<number | null>;
  max?: Array<number | null>;
}

/** StoredSeries as typed arrays (SeriesColumns): NaN where a bucket has no value. */
export interface StoredColumns extends SeriesColumns {
  bucketMs: number;
  aggregate: Aggregate;
}

/** One stored poll, as far as history keeps it (numbers and states, no strings). */
export interface PollPoint {
  time: number;
  status: CameraStatus;
  latencyMs: number | null;
  rssiDbm: number | null;
  signalLevel: number | null;
  uptimeSeconds: number | null;
  storageUsedPct: number | null;
  temperatureC: number | null;
  motionDetectionEnabled: boolean | null;
  personDetectionEnabled: boolean | null;
  privacyMode: boolean | null;
  /** The poll's error in words (null when it succeeded). */
  error: string | null;
}

/** What the fleet needs at start to resume where it stopped. */
export interface CameraResume {
  last: PollResult;
  lastSeen: number | null;
}

export interface PruneResult {
  deleted: number;
  /** False when the budget ran out and more old data remains. */
  done: boolean;
}

/** Where a shipper has got to: the last rowid shipped of each table. */
export interface ShipCursor {
  events: number;
  statusChanges: number;
}

/** Events and status changes written after a cursor, each with its write sequence (rowid). */
export interface ShipBatch {
  /** The cursor actually read after (0s when a table's rowids started again below the saved one). */
  after: ShipCursor;
  events: Array<{ seq: number; event: MotionEvent }>;
  statusChanges: Array<{ seq: number; change: StatusChange }>;
}

export interface Store {
  readonly kind: string;
  writePoll(poll: PollResult): Promise<void>;
  writePolls(polls: PollResult[]): Promise<void>;
  /** Inserts the event, or updates its end if the same (camera, start, kind, source) exists. Returns true when it is new. */
  writeEvent(event: MotionEvent): Promise<boolean>;
  writeStatusChange(change: StatusChange): Promise<void>;

  history(req: StoreHistoryRequest): Promise<StoredSeries[]>;
  /** The same buckets as typed arrays (no JavaScript value per point). */
  historyColumns(req: StoreHistoryRequest): Promise<StoredColumns[]>;
  /** Raw points of one camera in [from, to], oldest first, at most `limit`. */
  points(cameraId: string, from: number, to: number, limit?: number): Promise<PollPoint[]>;
  events(cameraIds: string[], from: number, to: number, kinds?: EventKind[]): Promise<MotionEvent[]>;
  statusChanges(cameraIds: string[], from: number, to: number): Promise<StatusChange[]>;
  /** The newest poll and last-seen time of every camera the store knows. */
  resume(): Promise<Map<string, CameraResume>>;
  /** Newest event start of a camera (optionally of one source), or null. */
  latestEventStart(cameraId: string, source?: MotionEvent['source']): Promise<number | null>;

  /** The saved cursor of a shipper (zeros when it has none). */
  shipCursor(name: string): Promise<ShipCursor>;
  saveShipCursor(name: string, cursor: ShipCursor): Promise<void>;
  /** At most `limit` events and `limit` status changes written after `cursor`, in write order. */
  shipLogAfter(cursor: ShipCursor, limit: number): Promise<ShipBatch>;

  /** Deletes data older than `cutoff`, at most about `maxRows` rows per call. */
  prune(cutoff: number, maxRows?: number): Promise<PruneResult>;
  /** Background housekeeping (compaction, retention) in small steps. */
  startMaintenance(opts?: { retentionMs?: number; intervalMs?: number }): void;
  stopMaintenance(): void;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** Metrics that are on/off states: their buckets carry the last state by default. */
export { STATE_METRICS } from '../../../src/shared/query.ts';
