/**
 * Downsampled history for long ranges: per camera, polls rolled up into 5-minute and 1-hour buckets
 * holding, per column, the count, sum, min, max and last value. Aggregated by a query into buckets
 * that are whole multiples of the tier's (every nice width from 5 min up is one), they give the same
 * avg/min/max/last as the polls themselves, so a user cannot tell the difference; polls are kept
 * for a week, 5-minute buckets for 90 days, hourly ones for the whole retention (a year by default).
 *
 * A tier's rows are stored as chunks (codec/chunk.ts) of `windowMs` per camera; the status column
 * rolls up "online" (1/0), except its last value, which keeps the status code.
 */
import { decimalScale } from './codec/column.ts';
import { NCOLS, STATUS_CODES, type Block } from './columns.ts';

const DAY = 86_400_000;

export interface Tier {
  readonly id: number;
  readonly bucketMs: number;
  /** Width of one stored chunk of this tier. */
  readonly windowMs: number;
  /** How long the tier is kept (the retention caps it). */
  readonly keepMs: number;
}

/** How long polls themselves are kept (the retention caps it). */
export const RAW_KEEP_MS = 7 * DAY;
export const TIERS: readonly Tier[] = [
  { id: 1, bucketMs: 300_000, windowMs: DAY, keepMs: 90 * DAY },
  { id: 2, bucketMs: 3_600_000, windowMs: 7 * DAY, keepMs: Infinity },
];

/** Per value column: count, sum, min, max, last (column 0 is the bucket's start). */
export const STAT = { n: 0, sum: 1, min: 2, max: 3, last: 4 } as const;
export const NSTATS = 5;
/** Every column's statistics in one row (how rollUp computes them). */
export const ROLLUP_NCOLS = 1 + (NCOLS - 1) * NSTATS;
/** A stored rollup chunk holds one poll column: the bucket starts, then its statistics (STAT order). */
export const STORED_NCOLS = 1 + NSTATS;

/** The rollup column holding `stat` of poll column `col` (1..NCOLS-1). */
export function statColumn(col: number, stat: number): number {
  return 1 + (col - 1) * NSTATS + stat;
}

/** The coarsest tier whose buckets make up `bucketMs` exactly, or null (then polls are read). */
export function tierFor(bucketMs: number): Tier | null {
  let best: Tier | null = null;
  for (const t of TIERS) {
    if (bucketMs >= t.bucketMs && bucketMs % t.bucketMs === 0) {
      best = t;
    }
  }
  return best;
}

/**
 * Rolls polls (a block holding every column) up into buckets of `bucketMs`, as rows sorted by time.
 * Sums of short decimals (latency in tenths, whole dBm) are added as scaled integers, so they stay
 * short decimals: exact, and encoded as differences rather than XOR (smaller, faster to read).
 */
export function rollUp(b: Block, bucketMs: number): number[][] {
  const t = b.cols[0]!;
  const scales = b.cols.map((col, c) => {
    if (c === 0) {
      return 1;
    }
    const k = decimalScale(Array.from(col!).filter((v) => v === v));
    return k === null ? null : 10 ** k;
  });
  const order = Array.from({ length: b.n }, (_, i) => i).sort((x, y) => t[x]! - t[y]!);
  const rows: number[][] = [];
  let row: number[] | null = null;
  for (const i of order) {
    const start = Math.floor(t[i]! / bucketMs) * bucketMs;
    if (!row || row[0] !== start) {
      row = new Array<number>(ROLLUP_NCOLS).fill(NaN);
      row[0] = start;
      for (let c = 1; c < NCOLS; c++) {
        row[statColumn(c, STAT.n)] = 0;
      }
      rows.push(row);
    }
    for (let c = 1; c < NCOLS; c++) {
      const raw = b.cols[c]![i]!;
      if (raw !== raw) {
        continue;
      }
      const v = c === 1 ? (raw === STATUS_CODES.online ? 1 : 0) : raw;
      const n = row[statColumn(c, STAT.n)]!;
      const p = c === 1 ? 1 : scales[c];
      row[statColumn(c, STAT.n)] = n + 1;
      // Scaled: the running sum is kept in units of 10^-k until the bucket is done (below).
      const add = p ? Math.round(v * p) : v;
      row[statColumn(c, STAT.sum)] = n === 0 ? add : row[statColumn(c, STAT.sum)]! + add;
      row[statColumn(c, STAT.min)] = n === 0 ? v : Math.min(row[statColumn(c, STAT.min)]!, v);
      row[statColumn(c, STAT.max)] = n === 0 ? v : Math.max(row[statColumn(c, STAT.max)]!, v);
      row[statColumn(c, STAT.last)] = raw;
    }
  }
  for (let c = 2; c < NCOLS; c++) {
    const p = scales[c];
    if (p && p !== 1) {
      for (const row of rows) {
        row[statColumn(c, STAT.sum)] = row[statColumn(c, STAT.sum)]! / p;
      }
    }
  }
  return rows;
}
