// historyColumns stops at the first level that reaches back to `from` for every camera, and takes
// the chunks' oldest start from the chunks it read: the answers must be those of reading every
// level in full, each adding only what is older than everything the finer ones hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { decodeChunk } from '../../src/store/codec/chunk.ts';
import { METRIC_COLUMN, NCOLS, colIndex } from '../../src/store/columns.ts';
import { BucketAccumulator, planBuckets } from '../../src/store/downsample.ts';
import { STAT, STORED_NCOLS, TIERS, tierFor } from '../../src/store/rollup.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { StoredSeries } from '../../src/store/types.ts';
import { realisticPolls } from '../helpers/realistic-polls.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5);
const END = T0 + 100 * DAY;
/** Housekeeping runs half an hour before the last poll: the newest polls stay raw rows. */
const NOW = END - 30 * MINUTE;
const METRICS = ['latency_ms', 'rssi_dbm'] as const;

/** The answer of reading every level in full, straight from the database file. */
function everyLevel(
  db: DatabaseSync,
  cameraId: string,
  metric: (typeof METRICS)[number],
  from: number,
  to: number,
  maxPoints: number
) {
  const plan = planBuckets(from, to, maxPoints);
  const acc = new BucketAccumulator(plan);
  const cam = (db.prepare('SELECT id FROM cameras WHERE key = ?').get(cameraId) as { id: number } | undefined)?.id;
  if (cam === undefined) {
    return acc;
  }
  const col = METRIC_COLUMN[metric];
  let bound = Infinity;
  const addPoll = (t: number, v: number) => {
    if (t >= from && t <= Math.min(to, bound - 1)) {
      acc.add(t, v);
    }
  };
  const oldest = (sql: string, ...args: number[]) =>
    (db.prepare(sql).get(...args) as { lo: number | null }).lo ?? Infinity;
  const polls = db.prepare(`SELECT t, ${col} AS v FROM polls WHERE camera = ?`).all(cam) as Array<{
    t: number;
    v: number | null;
  }>;
  polls.forEach((r) => addPoll(r.t, r.v ?? NaN));
  bound = Math.min(bound, oldest('SELECT min(t) AS lo FROM polls WHERE camera = ?', cam));
  const tier = tierFor(plan.bucketMs);
  for (let level = tier ? TIERS.indexOf(tier) + 1 : 0; level <= TIERS.length; level++) {
    if (level === 0) {
      for (const r of db.prepare('SELECT data FROM chunks WHERE camera = ?').all(cam) as Array<{ data: Uint8Array }>) {
        const b = decodeChunk(r.data, NCOLS);
        b.cols[0]!.forEach((t, i) => addPoll(t, b.cols[colIndex(col)]![i]!));
      }
      bound = Math.min(bound, oldest('SELECT min(start) AS lo FROM chunks WHERE camera = ?', cam));
      continue;
    }
    const id = TIERS[level - 1]!.id;
    for (const r of db
      .prepare('SELECT data FROM rollups WHERE tier = ? AND camera = ? AND col = ?')
      .all(id, cam, colIndex(col)) as Array<{ data: Uint8Array }>) {
      const b = decodeChunk(r.data, STORED_NCOLS);
      const stat = (k: number) => b.cols[1 + k]!;
      acc.addRollups(
        b.cols[0]!,
        stat(STAT.n),
        stat(STAT.sum),
        stat(STAT.min),
        stat(STAT.max),
        stat(STAT.last),
        from,
        Math.min(to, bound - 1)
      );
    }
    bound = Math.min(bound, oldest('SELECT min(start) AS lo FROM rollups WHERE tier = ? AND camera = ?', id, cam));
  }
  return acc;
}

function assertClose(got: Array<number | null>, want: Array<number | null>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    const same = a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
    assert.ok(same, `${what} bucket ${i}: ${a}, reading every level ${b}`);
  }
}

test('a store with raw polls, chunks and both tiers answers as reading every level would, range by range', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-levels-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'h.sqlite');
  const store = await openSqliteStore({ file });
  const polls = [
    ...realisticPolls({ cameraId: 'a' }, T0, END, 10 * MINUTE, 1),
    ...realisticPolls({ cameraId: 'b', offline: [[END - 3 * DAY, END - 2 * DAY - 5 * HOUR]] }, T0, END, 10 * MINUTE, 2),
    // A camera added two days ago: older buckets are none of its (its bound stays after `from`).
    ...realisticPolls({ cameraId: 'c' }, END - 2 * DAY - 7 * MINUTE, END, 10 * MINUTE, 3),
  ];
  await store.importPolls(polls, NOW);
  await store.maintain(365 * DAY, NOW);
  const ranges: Array<[string, number, number, number]> = [
    ['a day of chunks', END - 3 * DAY, END - 2 * DAY, 1000],
    ['the last day: raw polls and chunks', END - DAY, END, 1000],
    ['the last half hour: raw polls only', NOW, END, 100],
    ['a day across the chunks’ week and the 5-minute tier', END - 7.5 * DAY, END - 6.5 * DAY, 1000],
    ['30 days at 10 minutes', END - 30 * DAY, END, 4321],
    ['everything at 10 minutes: both tiers', T0, END, 14401],
    ['everything at 2 hours', T0, END, 1201],
    ['an old day from the hourly tier', T0 + 2 * DAY, T0 + 3 * DAY, 25],
  ];
  const cameraIds = ['a', 'b', 'c', 'nobody'];
  const answers: StoredSeries[][] = [];
  for (const [, from, to, maxPoints] of ranges) {
    answers.push(await store.history({ cameraIds, metrics: [...METRICS], from, to, maxPoints, withMinMax: true }));
  }
  await store.close();

  const db = new DatabaseSync(file);
  t.after(() => db.close());
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  assert.ok(count('SELECT count(*) AS n FROM polls') > 0, 'raw polls');
  assert.ok(count('SELECT count(*) AS n FROM chunks') > 0, 'chunks');
  assert.ok(count('SELECT min(start) AS n FROM chunks') > T0 + 90 * DAY, 'polls older than a week thinned out');
  assert.ok(
    count('SELECT min(start) AS n FROM rollups WHERE tier = 1') > T0,
    '5-minute buckets after 90 days thinned out'
  );
  assert.ok(count('SELECT count(*) AS n FROM rollups WHERE tier = 2') > 0, 'hourly buckets');
  ranges.forEach(([what, from, to, maxPoints], r) => {
    let filled = 0;
    for (const s of answers[r]!) {
      const want = everyLevel(db, s.cameraId, s.metric as (typeof METRICS)[number], from, to, maxPoints);
      const label = `${what}: ${s.cameraId} ${s.metric}`;
      assertClose(s.values, want.values(s.aggregate), label);
      assertClose(s.min!, want.values('min'), `${label} min`);
      assertClose(s.max!, want.values('max'), `${label} max`);
      filled += s.values.filter((v) => v !== null).length;
    }
    assert.ok(filled > 0, `${what}: some buckets hold values`);
  });
});
