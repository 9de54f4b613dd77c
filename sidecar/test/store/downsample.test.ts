import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketAccumulator, bucketTimes, planBuckets } from '../../src/store/downsample.ts';

test('planBuckets never exceeds maxPoints and aligns buckets to their width', () => {
  for (const [from, to, max] of [
    [0, 86_400_000, 1000],
    [1_700_000_012_345, 1_700_086_412_345, 1000],
    [1_700_000_000_000, 1_700_000_600_000, 7],
    [5, 6, 1],
    [1_700_000_000_000, 1_700_000_000_000, 3],
    [123, 987_654, 2],
  ] as const) {
    const p = planBuckets(from, to, max);
    assert.ok(p.count <= max, `${p.count} buckets for max ${max}`);
    assert.ok(p.count >= 1);
    const times = bucketTimes(p);
    assert.equal(times[0]! % p.bucketMs, 0);
    assert.ok(times[0]! <= from && times.at(-1)! + p.bucketMs > to, 'buckets cover the range');
  }
});

test('planBuckets honours a minimum interval and rounds to clock-friendly widths', () => {
  const p = planBuckets(0, 600_000, 1000, 30_000);
  assert.equal(p.bucketMs, 30_000);
  assert.equal(p.count, 21);
  const q = planBuckets(0, 86_400_000, 1000);
  assert.equal(q.bucketMs, 90_000); // 86.4 s rounded up to a nice width
  assert.throws(() => planBuckets(10, 5, 10), /bad time range/);
  assert.throws(() => planBuckets(0, 5, 0), /maxPoints/);
});

test('BucketAccumulator computes avg, min, max and last per bucket and skips NaN', () => {
  const plan = planBuckets(0, 29_999, 4, 10_000); // buckets [0,10s) [10s,20s) [20s,30s)
  assert.deepEqual([plan.bucketMs, plan.count], [10_000, 3]);
  const acc = new BucketAccumulator(plan);
  acc.addColumn([1000, 5000, 9000, 12_000, 25_000, 26_000], [4, 8, 6, NaN, 1, NaN], 0, 29_999);
  assert.deepEqual(acc.values('avg'), [6, null, 1]);
  assert.deepEqual(acc.values('min'), [4, null, 1]);
  assert.deepEqual(acc.values('max'), [8, null, 1]);
  assert.deepEqual(acc.values('last'), [6, null, 1]);
});

test('BucketAccumulator ignores points outside [from, to]', () => {
  const plan = planBuckets(10_000, 19_999, 1, 10_000);
  const acc = new BucketAccumulator(plan);
  acc.addColumn([9_999, 10_000, 19_999, 20_000], [100, 1, 3, 100], 10_000, 19_999);
  assert.deepEqual(acc.values('avg'), [2]);
});

test('addColumn finds every value its bucket, in time order or not, with every statistic kept or sums only', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const from = 1_700_000_012_345;
  const to = from + 86_400_000;
  const plan = planBuckets(from, to, 1000);
  // Polls in order with steps back, values outside [from, to], nulls, and a run in no order at all.
  let t = from - 600_000;
  const times = Array.from({ length: 4000 }, (_, i) =>
    i > 3500 ? from + Math.floor(rnd() * 86_400_000) : (t += Math.floor(rnd() * 60_000) - (rnd() < 0.05 ? 200_000 : 0))
  );
  const values = times.map(() => (rnd() < 0.1 ? NaN : Math.round(rnd() * 1000) / 10));
  const sums = new Array<number>(plan.count).fill(0);
  const counts = new Array<number>(plan.count).fill(0);
  times.forEach((t, i) => {
    const b = Math.floor(t / plan.bucketMs) - plan.firstIndex;
    if (t >= from && t <= to && !Number.isNaN(values[i]) && b >= 0 && b < plan.count) {
      sums[b]! += values[i]!;
      counts[b]!++;
    }
  });
  const want = sums.map((s, b) => (counts[b] === 0 ? null : s / counts[b]!));
  for (const keep of [undefined, { minMax: false, last: false }, { minMax: true, last: false }]) {
    const acc = BucketAccumulator.many(plan, 2, keep)[1]!;
    acc.addColumn(Float64Array.from(times), Float64Array.from(values), from, to, 0, times.length);
    assert.deepEqual(acc.values('avg'), want, `kept ${JSON.stringify(keep)}`);
  }
});
