import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import { StoreError } from '../../src/store/types.ts';
import { poll } from '../helpers/memory-fleet.ts';

const BASE = 1_700_000_040_000; // a multiple of 60 s
const CHUNK = 60_000;

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'h.sqlite');
}

/** Camera a: 12 polls, 10 s apart, latency k, offline at k = 4 (no latency then). */
async function seed(store: SqliteStore) {
  for (let k = 0; k < 12; k++) {
    const offline = k === 4;
    await store.writePoll(
      poll(
        'a',
        BASE + k * 10_000,
        offline
          ? { status: 'offline', error: 'unreachable: refused', latencyMs: null }
          : { latencyMs: k, rssiDbm: -40 - k }
      )
    );
  }
}

const latencyReq = {
  cameraIds: ['a'],
  metrics: ['latency_ms' as const, 'online' as const],
  from: BASE,
  to: BASE + 119_999,
  maxPoints: 100,
  minIntervalMs: 30_000,
  withMinMax: true,
};

function expectLatency(series: Awaited<ReturnType<SqliteStore['history']>>) {
  const lat = series.find((s) => s.metric === 'latency_ms')!;
  assert.equal(lat.bucketMs, 30_000);
  assert.deepEqual(lat.times, [BASE, BASE + 30_000, BASE + 60_000, BASE + 90_000]);
  // buckets: k 0-2, 3-5 (4 offline: no value), 6-8, 9-11
  assert.deepEqual(lat.values, [1, 4, 7, 10]);
  assert.deepEqual(lat.min, [0, 3, 6, 9]);
  assert.deepEqual(lat.max, [2, 5, 8, 11]);
  assert.equal(lat.aggregate, 'avg');
  const online = series.find((s) => s.metric === 'online')!;
  assert.equal(online.aggregate, 'last', 'on/off metrics carry the last state');
  assert.deepEqual(online.values, [1, 1, 1, 1]);
  assert.deepEqual(online.min, [1, 0, 1, 1], 'the offline poll shows in the bucket minimum');
}

test('history downsamples known data the same before and after compaction', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  t.after(() => store.close());
  await seed(store);
  expectLatency(await store.history(latencyReq));
  let steps = 0;
  while (store.compactStep(BASE + 600_000)) {
    steps++;
  }
  assert.equal(steps, 2, 'two one-minute windows compacted');
  expectLatency(await store.history(latencyReq));
  // Half compacted, half raw: a late poll in the current window merges into the same answer.
  await store.writePoll(poll('a', BASE + 119_000, { latencyMs: 100 }));
  const lat = (await store.history(latencyReq)).find((s) => s.metric === 'latency_ms')!;
  assert.deepEqual(lat.values, [1, 4, 7, (9 + 10 + 11 + 100) / 4]);
  assert.deepEqual(lat.max, [2, 5, 8, 100]);
});

test('historyColumns answers the same buckets as typed arrays: NaN for no value, one array of times for all', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  t.after(() => store.close());
  await seed(store);
  while (store.compactStep(BASE + 600_000)) {
    // compact both windows: the answer comes from chunks
  }
  const req = {
    ...latencyReq,
    cameraIds: ['a', 'unknown'],
    metrics: ['latency_ms' as const, 'temperature_c' as const],
  };
  const columns = await store.historyColumns(req);
  const series = await store.history(req);
  assert.equal(columns.length, 4);
  for (const [i, c] of columns.entries()) {
    assert.ok(c.values instanceof Float64Array && c.times === columns[0]!.times, 'typed, times shared');
    const s = series[i]!;
    assert.deepEqual([c.cameraId, c.metric], [s.cameraId, s.metric]);
    assert.deepEqual(Array.from(c.times), s.times);
    for (const [k, v] of [
      [c.values, s.values],
      [c.min!, s.min!],
      [c.max!, s.max!],
    ] as const) {
      assert.deepEqual(
        Array.from(k, (x) => (Number.isNaN(x) ? null : x)),
        v
      );
    }
  }
  assert.deepEqual(Array.from(columns[0]!.values), [1, 4, 7, 10]);
  assert.ok(columns[1]!.values.every(Number.isNaN), 'no temperature: every bucket NaN');
  assert.ok(columns[2]!.values.every(Number.isNaN), 'an unknown camera: no values');
});

test('explicit aggregates, unknown cameras and null-only metrics', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  t.after(() => store.close());
  await seed(store);
  const [maxLat, temp, ghost] = await store
    .history({
      cameraIds: ['a', 'ghost'],
      metrics: ['latency_ms', 'temperature_c'],
      from: BASE,
      to: BASE + 119_999,
      maxPoints: 5,
      aggregate: 'max',
    })
    .then((s) => [s[0]!, s[1]!, s[2]!]);
  assert.deepEqual(maxLat.values, [2, 5, 8, 11]);
  assert.deepEqual(
    temp.values,
    [null, null, null, null],
    'a camera that reports no temperature has none, never a guess'
  );
  assert.equal(ghost.cameraId, 'ghost');
  assert.deepEqual(ghost.values, [null, null, null, null]);
});

test('events: upsert of the end, kinds filter, per-minute rates', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t) });
  t.after(() => store.close());
  assert.equal(
    await store.writeEvent({ cameraId: 'a', start: BASE + 1000, end: null, kind: 'motion', source: 'onvif' }),
    true
  );
  assert.equal(
    await store.writeEvent({ cameraId: 'a', start: BASE + 1000, end: BASE + 4000, kind: 'motion', source: 'onvif' }),
    false,
    'same event: its end is updated'
  );
  for (let i = 0; i < 5; i++) {
    await store.writeEvent({
      cameraId: 'a',
      start: BASE + 61_000 + i * 1000,
      end: null,
      kind: i % 2 ? 'person' : 'motion',
      source: 'last_alarm',
    });
  }
  const all = await store.events(['a'], BASE, BASE + 120_000);
  assert.equal(all.length, 6);
  assert.deepEqual(all[0], { cameraId: 'a', start: BASE + 1000, end: BASE + 4000, kind: 'motion', source: 'onvif' });
  assert.equal((await store.events(['a'], BASE, BASE + 120_000, ['person'])).length, 2);
  assert.equal(await store.latestEventStart('a'), BASE + 65_000);
  assert.equal(await store.latestEventStart('a', 'onvif'), BASE + 1000);
  const [rate] = await store.history({
    cameraIds: ['a'],
    metrics: ['motion_events_per_min'],
    from: BASE,
    to: BASE + 119_999,
    maxPoints: 3,
    withMinMax: true,
  });
  assert.equal(rate!.bucketMs, 60_000);
  assert.deepEqual(rate!.values, [1, 5]);
  const [wide] = await store.history({
    cameraIds: ['a'],
    metrics: ['motion_events_per_min'],
    from: BASE,
    to: BASE + 119_999,
    maxPoints: 1,
    withMinMax: true,
  });
  assert.deepEqual(
    [wide!.values[0], wide!.min![0], wide!.max![0]],
    [3, 1, 5],
    'a 2-minute bucket: mean 3/min, quietest minute 1, busiest 5'
  );
});

test('motion_events_per_min over buckets shorter than a minute counts the minute ending with each bucket', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t) });
  t.after(() => store.close());
  // One event at +1 s, five between +61 s and +65 s.
  await store.writeEvent({ cameraId: 'a', start: BASE + 1000, end: null, kind: 'motion', source: 'onvif' });
  for (let i = 0; i < 5; i++) {
    await store.writeEvent({
      cameraId: 'a',
      start: BASE + 61_000 + i * 1000,
      end: null,
      kind: 'motion',
      source: 'last_alarm',
    });
  }
  const [s] = await store.history({
    cameraIds: ['a'],
    metrics: ['motion_events_per_min'],
    from: BASE,
    to: BASE + 119_999,
    maxPoints: 5,
    minIntervalMs: 30_000,
  });
  assert.equal(s!.bucketMs, 30_000);
  // Buckets end at +30 s, +60 s, +90 s, +120 s; each counts the events of the 60 s before its end.
  assert.deepEqual(
    s!.values,
    [1, 1, 5, 5],
    'one event is one per minute, never "2 per minute" from a half-minute bucket'
  );
});

test('a restart (close, reopen the file) loses no history', async (t) => {
  const file = tempFile(t);
  let store = await openSqliteStore({ file, chunkMs: CHUNK });
  await seed(store);
  store.compactStep(BASE + 600_000); // first window compacted, second still raw
  await store.writeStatusChange({
    cameraId: 'a',
    time: BASE + 40_000,
    from: 'online',
    to: 'offline',
    error: 'unreachable: refused',
  });
  await store.writeEvent({ cameraId: 'a', start: BASE + 5000, end: null, kind: 'motion', source: 'last_alarm' });
  const before = await store.history(latencyReq);
  const pointsBefore = await store.points('a', BASE, BASE + 200_000);
  await store.close();
  assert.ok(!existsSync(`${file}.lock`), 'closing releases the lock');

  store = await openSqliteStore({ file, chunkMs: CHUNK });
  t.after(() => store.close());
  assert.deepEqual(await store.history(latencyReq), before);
  const points = await store.points('a', BASE, BASE + 200_000);
  assert.equal(points.length, 12);
  assert.deepEqual(points, pointsBefore);
  assert.equal(points[4]!.status, 'offline');
  assert.equal(points[4]!.error, 'unreachable: refused', 'the error is kept with its poll');
  assert.equal(points[3]!.error, null);
  const resume = await store.resume();
  assert.equal(resume.get('a')!.last.time, BASE + 110_000);
  assert.equal(resume.get('a')!.lastSeen, BASE + 110_000);
  assert.equal(resume.get('a')!.last.firmware, '1.4.3 Build 241010 Rel.33858n', 'the full last poll, strings included');
  assert.deepEqual(await store.statusChanges(['a'], BASE, BASE + 120_000), [
    { cameraId: 'a', time: BASE + 40_000, from: 'online', to: 'offline', error: 'unreachable: refused' },
  ]);
  assert.equal((await store.events(['a'], BASE, BASE + 120_000)).length, 1);
});

test('retention removes data older than the cutoff, in small batches, and keeps the rest', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  t.after(() => store.close());
  // 10 cameras x 30 minutes at 10 s, compacted except the last window.
  for (let k = 0; k < 180; k++) {
    await store.writePolls(Array.from({ length: 10 }, (_, c) => poll(`c${c}`, BASE + k * 10_000, { latencyMs: k })));
  }
  for (let k = 0; k < 30; k++) {
    await store.writeEvent({
      cameraId: 'c0',
      start: BASE + k * 60_000,
      end: null,
      kind: 'motion',
      source: 'last_alarm',
    });
  }
  for (let k = 0; k < 30; k++) {
    await store.writeStatusChange({
      cameraId: 'c1',
      time: BASE + k * 60_000 + 1,
      from: 'online',
      to: 'offline',
      error: null,
    });
  }
  while (store.compactStep(BASE + 29 * 60_000)) {}
  const cutoff = BASE + 15 * 60_000 + 30_000; // inside a chunk: it must be trimmed, not kept whole
  let calls = 0;
  for (;;) {
    calls++;
    const r = await store.prune(cutoff, 50);
    if (r.done) {
      break;
    }
    assert.ok(calls < 1000);
  }
  assert.ok(calls > 1, 'work was split into several small batches');
  for (let c = 0; c < 10; c++) {
    const pts = await store.points(`c${c}`, 0, BASE + 10 * 3_600_000);
    assert.equal(pts[0]!.time, cutoff, `camera c${c}: the oldest kept point is the first at/after the cutoff`);
    assert.equal(pts.length, 180 - 93);
  }
  const ev = await store.events(['c0'], 0, BASE + 3_600_000);
  assert.equal(ev[0]!.start, BASE + 16 * 60_000);
  assert.equal(ev.length, 14);
  const sc = await store.statusChanges(['c1'], 0, BASE + 3_600_000);
  assert.equal(sc[0]!.time, BASE + 16 * 60_000 + 1);
  const [lat] = await store.history({
    cameraIds: ['c3'],
    metrics: ['latency_ms'],
    from: BASE,
    to: BASE + 30 * 60_000 - 1,
    maxPoints: 31,
    minIntervalMs: 60_000,
  });
  assert.equal(lat!.bucketMs, 60_000);
  assert.equal(
    lat!.values.slice(0, 15).every((v) => v === null),
    true,
    'nothing before the cutoff minute'
  );
  assert.equal(lat!.values[15], (93 + 94 + 95) / 3, 'the trimmed minute keeps its later half');
});

test('background maintenance compacts and prunes without being awaited by writers', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  t.after(() => store.close());
  const now = Date.now();
  await store.writePoll(poll('m', now - 3 * 3_600_000)); // older than retention
  await store.writePoll(poll('m', now - 10 * 60_000)); // kept, compacted
  await store.writePoll(poll('m', now)); // kept
  await store.maintain(2 * 3_600_000, now);
  const pts = await store.points('m', 0, now + 1);
  assert.deepEqual(
    pts.map((p) => p.time),
    [now - 10 * 60_000, now]
  );
});

test('a lock left by a killed process is cleared; a live owner is refused by pid', async (t) => {
  const file = tempFile(t);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'hold-store.ts'), file, String(BASE)],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  t.after(() => child.kill('SIGKILL'));
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.match(chunk.toString(), /ready/);
  await assert.rejects(
    openSqliteStore({ file }),
    (e: unknown) =>
      e instanceof StoreError && new RegExp(`in use by another sidecar \\(pid ${child.pid} on host `).test(e.message)
  );
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.ok(existsSync(`${file}-wal`), 'the killed process left its journal behind, to be recovered on open');
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.equal(
    (await store.points('crash-cam', 0, BASE + 1)).length,
    1,
    "the killed process's committed poll is there"
  );
  await assert.rejects(openSqliteStore({ file }), /already open in this process/);
});

test('a closed store refuses calls with a typed error', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t) });
  await store.close();
  await assert.rejects(store.writePoll(poll('a', BASE)), StoreError);
});

test('importPolls (backfill) gives the same history as polls written one by one and compacted', async (t) => {
  const a = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  const b = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK });
  t.after(() => Promise.all([a.close(), b.close()]));
  const polls = Array.from({ length: 40 }, (_, k) =>
    poll('x', BASE + k * 7_000, { latencyMs: k * 3, status: k % 9 === 0 ? 'offline' : 'online' })
  );
  const now = BASE + 240_000; // the last window is current: it stays raw in both stores
  for (const p of polls) {
    await a.writePoll(p);
  }
  while (a.compactStep(now)) {}
  await b.importPolls(polls.slice(0, 20), now);
  await b.importPolls(polls.slice(20), now); // merges into a window imported before
  const req = {
    cameraIds: ['x'],
    metrics: ['latency_ms' as const, 'online' as const],
    from: BASE,
    to: now,
    maxPoints: 50,
    minIntervalMs: 10_000,
    withMinMax: true,
  };
  assert.deepEqual(await b.history(req), await a.history(req));
  assert.deepEqual(await b.points('x', 0, now), await a.points('x', 0, now));
});

test('startMaintenance again applies a new retention', async (t) => {
  const store = await openSqliteStore({ file: tempFile(t) });
  t.after(() => store.close());
  const now = Date.now();
  await store.writePoll(poll('r', now - 3 * 3_600_000));
  await store.writePoll(poll('r', now));
  store.startMaintenance({ retentionMs: 24 * 3_600_000 });
  await store.maintenanceIdle();
  assert.equal((await store.points('r', 0, now + 1)).length, 2);
  store.startMaintenance({ retentionMs: 3_600_000 });
  await store.maintenanceIdle();
  assert.deepEqual(
    (await store.points('r', 0, now + 1)).map((p) => p.time),
    [now]
  );
  store.stopMaintenance();
});
