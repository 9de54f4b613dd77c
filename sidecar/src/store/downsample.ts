/**
 * Downsampling: aligned time buckets and per-bucket min/max/avg/last, on typed arrays.
 * Pure functions; the store feeds them decoded columns.
 */
import type { Aggregate } from './types.ts';

export interface BucketPlan {
  /** Bucket width in ms. */
  bucketMs: number;
  /** Index of the first bucket (bucket i starts at i * bucketMs: aligned, so refreshes give stable buckets). */
  firstIndex: number;
  count: number;
}

const NICE_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 20000, 30000, 45000, 60000, 90000, 120000, 180000,
  300000, 600000, 900000, 1200000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
];

/**
 * Buckets covering [from, to] with at most maxPoints buckets, each at least minIntervalMs wide,
 * rounded up to a "nice" width (whole seconds, minutes...) so buckets line up with the clock.
 */
export function planBuckets(from: number, to: number, maxPoints: number, minIntervalMs = 1): BucketPlan {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
    throw new RangeError(`bad time range: from ${from} to ${to}`);
  }
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
  }
  const span = Math.max(1, to - from);
  // maxPoints - 1 intervals: aligned buckets may straddle both ends, adding one bucket.
  let width = Math.max(Math.ceil(span / Math.max(1, maxPoints - 1)), Math.ceil(minIntervalMs), 1);
  const nice = NICE_MS.find((n) => n >= width);
  width = nice ?? Math.ceil(width / 86400000) * 86400000;
  // floor(to/w) - floor(from/w) <= ceil(span/w) <= maxPoints - 1, so count <= maxPoints, except
  // for maxPoints 1, where the one bucket must be widened until both ends fall into it.
  while (Math.floor(to / width) - Math.floor(from / width) + 1 > maxPoints) {
    width *= 2;
  }
  const firstIndex = Math.floor(from / width);
  const count = Math.floor(to / width) - firstIndex + 1;
  return { bucketMs: width, firstIndex, count };
}

export function bucketTimes(plan: BucketPlan): number[] {
  const out = new Array<number>(plan.count);
  for (let i = 0; i < plan.count; i++) {
    out[i] = (plan.firstIndex + i) * plan.bucketMs;
  }
  return out;
}

/** Which statistics an accumulator keeps beyond count and sum (what its aggregates need). */
export interface KeptStats {
  minMax: boolean;
  last: boolean;
}
const ALL_STATS: KeptStats = { minMax: true, last: true };

/**
 * addColumn for an accumulator that keeps sums and counts only (averages): a loop of its own,
 * without the tests for statistics not kept (a thousand cameras' day is 2.9 M values). Buckets as
 * addColumn finds them.
 */
function addSums(
  plan: BucketPlan,
  sum: Float64Array,
  n: Uint32Array,
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  from: number,
  to: number,
  start: number,
  end: number
): void {
  const { bucketMs, firstIndex, count } = plan;
  let b = 0;
  let lo = 0;
  let hi = 0;
  for (let i = start; i < end; i++) {
    const t = times[i]!;
    const v = values[i]!;
    if (t < from || t > to || v !== v) {
      continue;
    }
    if (!(t >= lo && t < hi)) {
      b = Math.floor(t / bucketMs) - firstIndex;
      lo = (b + firstIndex) * bucketMs;
      hi = lo + bucketMs;
    }
    if (b >= 0 && b < count) {
      sum[b] += v;
      n[b]++;
    }
  }
}

/** Accumulates (time, value) pairs into buckets; NaN values are missing data and skipped. */
export class BucketAccumulator {
  readonly sum: Float64Array;
  readonly n: Uint32Array;
  /** Null when not kept (KeptStats). */
  readonly min: Float64Array | null;
  readonly max: Float64Array | null;
  readonly lastT: Float64Array | null;
  readonly last: Float64Array | null;

  /**
   * `count` accumulators over one plan, their arrays views of one allocation per statistic: a
   * query over a thousand cameras would otherwise make thousands of small buffers.
   */
  static many(plan: BucketPlan, count: number, keep: KeptStats = ALL_STATS): BucketAccumulator[] {
    const size = plan.count;
    const f64 = (fill: number) => new Float64Array(size * count).fill(fill);
    const sum = new Float64Array(size * count);
    const n = new Uint32Array(size * count);
    const min = keep.minMax ? f64(Infinity) : null;
    const max = keep.minMax ? f64(-Infinity) : null;
    const lastT = keep.last ? f64(-Infinity) : null;
    const last = keep.last ? f64(NaN) : null;
    const view = <T extends Float64Array | Uint32Array>(a: T | null, i: number) =>
      a ? (a.subarray(i * size, (i + 1) * size) as T) : null;
    return Array.from(
      { length: count },
      (_, i) =>
        new BucketAccumulator(plan, keep, {
          sum: view(sum, i)!,
          n: view(n, i)!,
          min: view(min, i),
          max: view(max, i),
          lastT: view(lastT, i),
          last: view(last, i),
        })
    );
  }

  constructor(
    readonly plan: BucketPlan,
    keep: KeptStats = ALL_STATS,
    arrays?: Pick<BucketAccumulator, 'sum' | 'n' | 'min' | 'max' | 'lastT' | 'last'>
  ) {
    if (arrays) {
      ({ sum: this.sum, n: this.n, min: this.min, max: this.max, lastT: this.lastT, last: this.last } = arrays);
      return;
    }
    const c = plan.count;
    this.sum = new Float64Array(c);
    this.n = new Uint32Array(c);
    this.min = keep.minMax ? new Float64Array(c).fill(Infinity) : null;
    this.max = keep.minMax ? new Float64Array(c).fill(-Infinity) : null;
    this.lastT = keep.last ? new Float64Array(c).fill(-Infinity) : null;
    this.last = keep.last ? new Float64Array(c).fill(NaN) : null;
  }

  /** Adds values[i] at times[i] for i in [start, end) where from <= t <= to. */
  addColumn(
    times: ArrayLike<number>,
    values: ArrayLike<number>,
    from: number,
    to: number,
    start = 0,
    end = times.length
  ): void {
    const { bucketMs, firstIndex, count } = this.plan;
    const { sum, n, min, max, lastT, last } = this;
    if (min === null && lastT === null) {
      addSums(this.plan, sum, n, times, values, from, to, start, end);
      return;
    }
    // The bucket of the previous value and its time range: polls come mostly in time order, several
    // to a bucket, so most skip the division (for whole-ms times the range gives the same bucket).
    let b = 0;
    let lo = 0;
    let hi = 0;
    for (let i = start; i < end; i++) {
      const t = times[i]!;
      const v = values[i]!;
      if (t < from || t > to || v !== v) {
        continue;
      } // v !== v: NaN, i.e. null
      if (!(t >= lo && t < hi)) {
        b = Math.floor(t / bucketMs) - firstIndex;
        lo = (b + firstIndex) * bucketMs;
        hi = lo + bucketMs;
      }
      if (b < 0 || b >= count) {
        continue;
      }
      sum[b] += v;
      n[b]++;
      if (min !== null && max !== null) {
        if (v < min[b]!) {
          min[b] = v;
        }
        if (v > max[b]!) {
          max[b] = v;
        }
      }
      if (lastT !== null && last !== null && t >= lastT[b]!) {
        lastT[b] = t;
        last[b] = v;
      }
    }
  }

  /**
   * Adds buckets of a rollup tier (rollup.ts) starting at times[i] in [from, to]: each with its
   * count, sum, min, max and last value. Count 0 is a bucket without values.
   */
  addRollups(
    times: ArrayLike<number>,
    counts: ArrayLike<number>,
    sums: ArrayLike<number>,
    mins: ArrayLike<number>,
    maxs: ArrayLike<number>,
    lasts: ArrayLike<number>,
    from: number,
    to: number,
    end = times.length
  ): void {
    const { bucketMs, firstIndex, count } = this.plan;
    const { sum, n, min, max, lastT, last } = this;
    for (let i = 0; i < end; i++) {
      const t = times[i]!;
      const k = counts[i]!;
      if (t < from || t > to || !(k > 0)) {
        continue;
      }
      const b = Math.floor(t / bucketMs) - firstIndex;
      if (b < 0 || b >= count) {
        continue;
      }
      sum[b] += sums[i]!;
      n[b] += k;
      if (min !== null && max !== null) {
        if (mins[i]! < min[b]!) {
          min[b] = mins[i]!;
        }
        if (maxs[i]! > max[b]!) {
          max[b] = maxs[i]!;
        }
      }
      if (lastT !== null && last !== null && t >= lastT[b]!) {
        lastT[b] = t;
        last[b] = lasts[i]!;
      }
    }
  }

  add(t: number, v: number): void {
    this.addColumn([t], [v], -Infinity, Infinity);
  }

  values(agg: Aggregate): Array<number | null> {
    return Array.from(this.column(agg), (v) => (v === v ? v : null));
  }

  /** The buckets' `agg` as one typed array, NaN where a bucket has no value (what Arrow frames take). */
  column(agg: Aggregate): Float64Array {
    if ((agg === 'min' || agg === 'max') && !this.min) {
      throw new Error(`bucket ${agg} was not kept`);
    }
    if (agg === 'last' && !this.last) {
      throw new Error('bucket last values were not kept');
    }
    const { sum, n } = this;
    const from = agg === 'min' ? this.min! : agg === 'max' ? this.max! : agg === 'last' ? this.last! : null;
    const out = new Float64Array(this.plan.count);
    for (let b = 0; b < out.length; b++) {
      out[b] = n[b] === 0 ? NaN : from ? from[b]! : sum[b]! / n[b]!;
    }
    return out;
  }
}
