/**
 * The motion_events_per_min metric: motion event starts turned into a rate per bucket of a
 * history query's plan.
 */
import type { BucketAccumulator, BucketPlan } from './downsample.ts';

/** Per bucket of a minute or more, the mean rate (min/max over its whole minutes); shorter buckets, the events of the minute ending with the bucket. */
export function addEventRates(
  acc: BucketAccumulator,
  starts: number[],
  plan: BucketPlan,
  from: number,
  to: number
): void {
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
    if (acc.min && acc.max) {
      acc.min[b] = mn;
      acc.max[b] = mx;
    }
    if (acc.last && acc.lastT) {
      acc.last[b] = rate;
      acc.lastT[b] = bStart;
    }
  }
}
