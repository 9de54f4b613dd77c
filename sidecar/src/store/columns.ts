/**
 * The numeric columns history keeps per poll, as rows and as blocks of columns.
 *
 * Polls are kept column-wise: one encoded blob per camera and time window ("chunk", see
 * codec/chunk.ts), whose directory lets a query decode only the columns it reads, straight into
 * Float64Arrays. NaN stands for null inside a chunk.
 */
import { storageUsedPct } from '../../../src/shared/query.ts';
import type { CameraStatus, MetricName, PollResult } from '../model.ts';
import type { PollPoint } from './types.ts';

export const COLUMNS = [
  't',
  'status',
  'latency',
  'rssi',
  'signal',
  'uptime',
  'storage',
  'temp',
  'md',
  'pd',
  'pm',
  // Battery children of a hub (schema 2); older chunks read these as null.
  'batt',
  'chg',
  'low',
  'pwr',
  // Sensors behind a hub (schema 4); older chunks read these as null.
  'hum',
  'open',
  'mot',
  'leak',
] as const;
export type Column = (typeof COLUMNS)[number];
export const NCOLS = COLUMNS.length;
/** Columns added in schemas 2 and 4: chunks written before have none (read as null). */
const LATER_COLUMNS: ReadonlySet<Column> = new Set(['batt', 'chg', 'low', 'pwr', 'hum', 'open', 'mot', 'leak']);
const COL_INDEX = Object.fromEntries(COLUMNS.map((c, i) => [c, i])) as Record<Column, number>;

export const STATUS_CODES: Record<CameraStatus, number> = {
  unknown: 0,
  online: 1,
  offline: 2,
  auth_failed: 3,
  locked_out: 4,
  error: 5,
  sleeping: 6,
};
const STATUS_BY_CODE: CameraStatus[] = [
  'unknown',
  'online',
  'offline',
  'auth_failed',
  'locked_out',
  'error',
  'sleeping',
];

export function statusFromCode(code: number): CameraStatus {
  return STATUS_BY_CODE[code] ?? 'unknown';
}

/** Which column a metric reads; 'online' derives from status; motion events come from the events table. */
export const METRIC_COLUMN: Record<Exclude<MetricName, 'motion_events_per_min'>, Column> = {
  online: 'status',
  latency_ms: 'latency',
  rssi_dbm: 'rssi',
  signal_level: 'signal',
  uptime_s: 'uptime',
  storage_used_pct: 'storage',
  temperature_c: 'temp',
  motion_detection_enabled: 'md',
  person_detection_enabled: 'pd',
  privacy_mode: 'pm',
  battery_pct: 'batt',
  battery_charging: 'chg',
  battery_low: 'low',
  power_source: 'pwr',
  humidity_pct: 'hum',
  contact_open: 'open',
  motion_detected: 'mot',
  water_leak: 'leak',
};

export function colIndex(c: Column): number {
  return COL_INDEX[c];
}

const num = (v: number | null | undefined): number => (v === null || v === undefined || !Number.isFinite(v) ? NaN : v);
const bool = (v: boolean | null | undefined): number => (v === null || v === undefined ? NaN : v ? 1 : 0);

/**
 * A percentage kept to 0.001 % (a megabyte of a 100 GB card): the quotient's full binary
 * fraction has no short decimal form, so it was stored as XOR (about 6 bytes a poll, half of a
 * chunk) where three decimals are stored as differences (a byte or two), and every query read it.
 */
function thousandths(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}

/** One poll as a row of column values (NaN = null). */
export function pollToRow(p: PollResult): number[] {
  return [
    p.time,
    STATUS_CODES[p.status] ?? 0,
    num(p.latencyMs),
    num(p.rssiDbm),
    num(p.signalLevel),
    num(p.uptimeSeconds),
    num(thousandths(storageUsedPct(p.storageUsedBytes, p.storageTotalBytes))),
    num(p.temperatureC),
    bool(p.motionDetectionEnabled),
    bool(p.personDetectionEnabled),
    bool(p.privacyMode),
    num(p.batteryPercent),
    bool(p.batteryCharging),
    bool(p.batteryLow),
    num(powerSourceCode(p.powerSource)),
    num(p.humidityPct),
    bool(p.contactOpen),
    bool(p.motionDetected),
    bool(p.waterLeak),
  ];
}

/** power_source as a number: 0 mains, 1 battery, 2 solar; null when not reported. */
export function powerSourceCode(v: string | null | undefined): number | null {
  return v === 'MAINS' ? 0 : v === 'BATTERY' ? 1 : v === 'SOLAR' ? 2 : null;
}

/** Polls of one camera as columns (by column index); a column not loaded is undefined. */
export interface Block {
  n: number;
  cols: Array<Float64Array | undefined>;
}

export function column(block: Block, c: Column): Float64Array {
  const col =
    block.cols[COL_INDEX[c]] ??
    (LATER_COLUMNS.has(c) && block.cols[0] ? new Float64Array(block.n).fill(NaN) : undefined);
  if (!col) {
    throw new Error(`column ${c} was not loaded`);
  }
  return col;
}

export function rowsToBlock(rows: number[][]): Block {
  const n = rows.length;
  const cols: Float64Array[] = [];
  for (let c = 0; c < NCOLS; c++) {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = rows[i][c] ?? NaN;
    }
    cols.push(a);
  }
  return { n, cols };
}

/** Rows of a block; columns not loaded read as NaN. */
export function blockToRows(block: Block): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < block.n; i++) {
    const r = new Array<number>(NCOLS);
    for (let c = 0; c < NCOLS; c++) {
      r[c] = block.cols[c]?.[i] ?? NaN;
    }
    rows.push(r);
  }
  return rows;
}

export function rowToPoint(r: ArrayLike<number>): Omit<PollPoint, 'error'> {
  const v = (i: number) => (Number.isNaN(r[i]) ? null : r[i]);
  const b = (i: number) => (Number.isNaN(r[i]) ? null : r[i] !== 0);
  return {
    time: r[0],
    status: statusFromCode(r[1]),
    latencyMs: v(2),
    rssiDbm: v(3),
    signalLevel: v(4),
    uptimeSeconds: v(5),
    storageUsedPct: v(6),
    temperatureC: v(7),
    motionDetectionEnabled: b(8),
    personDetectionEnabled: b(9),
    privacyMode: b(10),
  };
}
