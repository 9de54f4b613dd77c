import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricName, PollResult } from '../../src/model.ts';
import { METRIC_COLUMN, STATUS_CODES, colIndex, pollToRow } from '../../src/store/columns.ts';
import { BucketAccumulator, planBuckets } from '../../src/store/downsample.ts';
import { TIERS, tierFor } from '../../src/store/rollup.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import type { StoredSeries } from '../../src/store/types.ts';
import { realisticPolls } from '../helpers/realistic-polls.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5); // a Monday, midnight: aligned to every tier
const METRICS: Array<Exclude<MetricName, 'motion_events_per_min'>> = [
  'latency_ms',
  'online',
  'rssi_dbm',
  'battery_pct',
  'privacy_mode',
  'humidity_pct',
  'contact_open',
  'motion_detected',
];

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-rollup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'h.sqlite');
}

/** What the buckets hold when computed from the polls themselves. */
function expected(polls: PollResult[], metric: (typeof METRICS)[number], from: number, to: number, maxPoints: number) {
  const acc = new BucketAccumulator(planBuckets(from, to, maxPoints));
  for (const p of polls) {
    const row = pollToRow(p);
    const v = metric === 'online' ? (row[1] === STATUS_CODES.online ? 1 : 0) : row[colIndex(METRIC_COLUMN[metric])]!;
    if (p.time >= from && p.time <= to && !Number.isNaN(v)) {
      acc.add(p.time, v);
    }
  }
  return acc;
}

function assertSame(s: StoredSeries, polls: PollResult[], from: number, to: number, maxPoints: number) {
  const want = expected(
    polls.filter((p) => p.cameraId === s.cameraId),
    s.metric as (typeof METRICS)[number],
    from,
    to,
    maxPoints
  );
  const close = (a: Array<number | null>, b: Array<number | null>, what: string) => {
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      const ok =
        a[i] === b[i] ||
        (a[i] !== null && b[i] !== null && Math.abs(a[i]! - b[i]!) <= 1e-9 * Math.max(1, Math.abs(b[i]!)));
      assert.ok(ok, `${s.cameraId} ${s.metric} ${what} bucket ${i}: ${a[i]} against ${b[i]} from the polls`);
    }
  };
  close(s.values, want.values(s.aggregate), s.aggregate);
  close(s.min!, want.values('min'), 'min');
  close(s.max!, want.values('max'), 'max');
}

async function seed(store: SqliteStore, days: number, intervalMs: number): Promise<PollResult[]> {
  const polls = [
    ...realisticPolls(
      { cameraId: 'a', offline: [[T0 + 2 * DAY + 5 * HOUR, T0 + 2 * DAY + 11 * HOUR]] },
      T0,
      T0 + days * DAY,
      intervalMs,
      1
    ),
    ...realisticPolls({ cameraId: 'b', battery: true }, T0, T0 + days * DAY, intervalMs, 2),
    ...realisticPolls({ cameraId: 'c', sensor: true }, T0, T0 + days * DAY, intervalMs, 3),
  ];
  await store.importPolls(polls, T0 + days * DAY + HOUR);
  return polls;
}

test('tiers: every nice bucket width from 5 minutes up is made of whole tier buckets', () => {
  assert.equal(tierFor(90_000), null, 'a 90 s bucket reads polls');
  assert.equal(tierFor(600_000)?.bucketMs, 300_000);
  assert.equal(tierFor(5_400_000)?.bucketMs, 300_000, '90 minutes: 5-minute buckets');
  assert.equal(tierFor(10_800_000)?.bucketMs, 3_600_000);
  assert.equal(tierFor(DAY)?.bucketMs, 3_600_000);
  assert.deepEqual(
    TIERS.map((t) => t.windowMs % t.bucketMs),
    TIERS.map(() => 0)
  );
});

test('10-minute and 3-hour buckets read from the tiers give what the polls give, and so after the polls are thinned out', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t) });
  t.after(() => store.close());
  const polls = await seed(store, 10, 60_000);
  const from = T0;
  const to = T0 + 10 * DAY - 1;
  for (const maxPoints of [1441, 81]) {
    const series = await store.history({
      cameraIds: ['a', 'b', 'c'],
      metrics: METRICS,
      from,
      to,
      maxPoints,
      withMinMax: true,
    });
    assert.equal(series[0]!.bucketMs, maxPoints === 1441 ? 600_000 : 10_800_000);
    series.forEach((s) => assertSame(s, polls, from, to, maxPoints));
  }
  // A housekeeping pass 10 days on: polls older than a week go, their tiers stay.
  await store.maintain(365 * DAY, T0 + 10 * DAY + 2 * HOUR);
  assert.equal((await store.points('a', T0, T0 + 2 * DAY)).length, 0, 'the polls of the first days are gone');
  const series = await store.history({
    cameraIds: ['a', 'b', 'c'],
    metrics: METRICS,
    from,
    to,
    maxPoints: 1441,
    withMinMax: true,
  });
  series.forEach((s) => assertSame(s, polls, from, to, 1441));
  // Zoomed into an old hour: 5-minute buckets stand in for the polls.
  const [zoom] = await store.history({
    cameraIds: ['a'],
    metrics: ['latency_ms'],
    from: T0 + DAY,
    to: T0 + DAY + HOUR - 1,
    maxPoints: 61,
  });
  assert.equal(zoom!.bucketMs, 60_000);
  assert.equal(zoom!.values.filter((v) => v !== null).length, 12, 'one value each 5 minutes');
  // ...and the newest hours still come from the polls, minute by minute.
  const [recent] = await store.history({
    cameraIds: ['a'],
    metrics: ['latency_ms'],
    from: T0 + 9 * DAY,
    to: T0 + 9 * DAY + HOUR - 1,
    maxPoints: 61,
  });
  assert.equal(recent!.values.filter((v) => v !== null).length, 60);
});

test('after 90 days hourly buckets stand in for 5-minute ones, and retention removes every tier', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t) });
  t.after(() => store.close());
  const polls = await seed(store, 100, 20 * 60_000);
  const end = T0 + 100 * DAY;
  await store.maintain(365 * DAY, end + 2 * HOUR);
  const from = T0;
  const to = end - 1;
  // 2-hour buckets (tier 2) over everything, 10-minute ones (tier 1) over the first days: from the hourly tier now.
  const [wide] = await store.history({
    cameraIds: ['a'],
    metrics: ['latency_ms'],
    from,
    to,
    maxPoints: 1201,
    withMinMax: true,
  });
  assert.equal(wide!.bucketMs, 2 * HOUR);
  assertSame(wide!, polls, from, to, 1201);
  const [old] = await store.history({
    cameraIds: ['a'],
    metrics: ['latency_ms'],
    from: T0,
    to: T0 + DAY - 1,
    maxPoints: 145,
  });
  assert.equal(old!.bucketMs, 600_000);
  assert.equal(old!.values.filter((v) => v !== null).length, 24, 'one value an hour, from the hourly tier');
  const [newer] = await store.history({
    cameraIds: ['a'],
    metrics: ['latency_ms'],
    from: end - DAY * 20,
    to: end - DAY * 19 - 1,
    maxPoints: 145,
  });
  assert.equal(newer!.values.filter((v) => v !== null).length, 72, 'every 20-minute poll, from the 5-minute tier');
  // Retention of 30 days: nothing older, in any tier.
  await store.maintain(30 * DAY, end + 2 * HOUR);
  const [kept] = await store.history({ cameraIds: ['a', 'b'], metrics: ['latency_ms'], from, to, maxPoints: 1201 });
  const cutoff = end + 2 * HOUR - 30 * DAY;
  kept!.values.forEach((v, i) => {
    if (kept!.times[i]! + kept!.bucketMs <= cutoff) {
      assert.equal(v, null, `bucket at ${new Date(kept!.times[i]!).toISOString()} is before the retention`);
    }
  });
  assert.ok(kept!.values.some((v) => v !== null));
});
