import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/engine.ts';
import { METRIC_COLUMN, STATUS_CODES, colIndex, pollToRow } from '../../src/store/columns.ts';
import { storageUsedPct } from '../../../src/shared/query.ts';
import { SCHEMA_VERSION } from '../../src/store/schema.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { StoreError } from '../../src/store/types.ts';
import type { MetricName, PollResult } from '../../src/model.ts';
import { V2_CHANGES, V2_EVENTS, V2_FROM, V2_NOW, V2_TO, v2Polls } from '../fixtures/store/v2-history.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'store', 'v2-history.sqlite');

function copyOfFixture(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'h.sqlite');
  copyFileSync(FIXTURE, file);
  return file;
}

function userVersion(file: string): number {
  const db = openDatabase(file);
  try {
    return Number((db.get('PRAGMA user_version') as { user_version: number }).user_version);
  } finally {
    db.close();
  }
}

/** A poll's row as schema 2 stored it: the storage percentage exact (new polls keep thousandths). */
function v2Row(p: PollResult): number[] {
  const row = pollToRow(p);
  row[colIndex('storage')] = storageUsedPct(p.storageUsedBytes, p.storageTotalBytes) ?? NaN;
  return row;
}

test('a schema-2 store is migrated on first start with every value of every poll intact', async (t) => {
  const file = copyOfFixture(t);
  assert.equal(userVersion(file), 2);
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  const polls = v2Polls();
  const cameras = [...new Set(polls.map((p) => p.cameraId))];
  const metrics = Object.keys(METRIC_COLUMN) as Array<Exclude<MetricName, 'motion_events_per_min'>>;
  // 1 s buckets: at most one poll in each, so every bucket's value is the poll's own.
  const series = await store.history({
    cameraIds: cameras,
    metrics,
    from: V2_FROM,
    to: V2_TO,
    maxPoints: 11_000,
    aggregate: 'last',
  });
  let checked = 0;
  for (const s of series) {
    assert.equal(s.bucketMs, 1000);
    const byBucket = new Map(s.times.map((time, i) => [time, s.values[i]]));
    const own = polls.filter((p) => p.cameraId === s.cameraId);
    for (const p of own) {
      const row = v2Row(p);
      const raw = row[colIndex(METRIC_COLUMN[s.metric as keyof typeof METRIC_COLUMN])]!;
      const want = s.metric === 'online' ? (row[1] === STATUS_CODES.online ? 1 : 0) : Number.isNaN(raw) ? null : raw;
      assert.equal(byBucket.get(Math.floor(p.time / 1000) * 1000), want, `${s.cameraId} ${s.metric} at ${p.time}`);
      checked++;
    }
    assert.equal(
      s.values.filter((v) => v !== null).length,
      own.filter(
        (p) =>
          !Number.isNaN(v2Row(p)[colIndex(METRIC_COLUMN[s.metric as keyof typeof METRIC_COLUMN])]!) ||
          s.metric === 'online'
      ).length,
      `${s.cameraId} ${s.metric}: no value more`
    );
  }
  assert.equal(checked, polls.length * metrics.length);
  for (const id of cameras) {
    const pts = await store.points(id, V2_FROM, V2_TO, 1e6);
    const own = polls.filter((p) => p.cameraId === id).sort((a, b) => a.time - b.time);
    assert.deepEqual(
      pts.map((p) => [p.time, p.status]),
      own.map((p) => [p.time, p.status]),
      `${id}: every poll, in time order (the clock step included)`
    );
    // Polls the old store kept raw (the window of its "now") keep their errors.
    for (const p of own.filter((q) => q.time >= V2_NOW && q.error)) {
      assert.equal(pts.find((q) => q.time === p.time)?.error, p.error);
    }
  }
  // 10-minute buckets come from the 5-minute tier the migration built (and the polls not yet compacted).
  const tenMinutes = await store.history({
    cameraIds: cameras,
    metrics: ['latency_ms'],
    from: V2_FROM,
    to: V2_TO - 1,
    maxPoints: 19,
    withMinMax: true,
  });
  for (const s of tenMinutes) {
    assert.equal(s.bucketMs, 600_000);
    const own = polls.filter((p) => p.cameraId === s.cameraId && p.latencyMs !== null);
    s.times.forEach((start, i) => {
      const inBucket = own.filter((p) => p.time >= start && p.time < start + 600_000).map((p) => p.latencyMs!);
      assert.equal(s.min![i], inBucket.length ? Math.min(...inBucket) : null, `${s.cameraId} min at ${start}`);
      assert.equal(s.max![i], inBucket.length ? Math.max(...inBucket) : null, `${s.cameraId} max at ${start}`);
    });
  }
  assert.deepEqual(await store.events(cameras, V2_FROM, V2_TO), V2_EVENTS);
  assert.deepEqual(await store.statusChanges(cameras, V2_FROM, V2_TO), V2_CHANGES);
  const resume = await store.resume();
  assert.equal(
    resume.get('porch')?.last.time,
    Math.max(...polls.filter((p) => p.cameraId === 'porch').map((p) => p.time))
  );
  await store.close();
  assert.equal(userVersion(file), SCHEMA_VERSION);
  const db = openDatabase(file);
  t.after(() => db.close());
  assert.equal(db.all("SELECT name FROM sqlite_master WHERE name = 'chunks_v2'").length, 0, 'the old table is gone');
  assert.equal((db.get('PRAGMA integrity_check') as { integrity_check: string }).integrity_check, 'ok');
});

test('a migration that meets a damaged chunk is refused by name and leaves the old store as it was', async (t) => {
  const file = copyOfFixture(t);
  const db = openDatabase(file);
  db.exec(
    "UPDATE chunks SET data = x'0102030405' WHERE (camera, col, start) IN (SELECT camera, col, start FROM chunks LIMIT 1)"
  );
  db.close();
  await assert.rejects(
    openSqliteStore({ file }),
    (e: unknown) =>
      e instanceof StoreError &&
      /cannot migrate .*h\.sqlite from schema 2: corrupt chunk column: 5 bytes/.test(e.message)
  );
  assert.equal(userVersion(file), 2, 'still schema 2');
  const check = openDatabase(file);
  t.after(() => check.close());
  assert.equal((check.get('SELECT count(*) AS n FROM chunks') as { n: number }).n, 75, 'the old chunks are all there');
});
