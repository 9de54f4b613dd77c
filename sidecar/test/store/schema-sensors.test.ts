/**
 * Schema 4 (issue 24: the sensors' humidity, contact, motion and leak columns) on top of schema 3's
 * encoded chunks. A store as schema 3 wrote it (chunks of 15 columns, polls without the sensor
 * columns) opens with every value intact and the new columns null; new polls keep all four, in
 * raw rows and through the codec in chunks. (Schema 2 → 4 with every value: migrate.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeChunk, encodeChunk } from '../../src/store/codec/chunk.ts';
import { NCOLS, colIndex } from '../../src/store/columns.ts';
import { openDatabase } from '../../src/store/engine.ts';
import { SCHEMA_VERSION } from '../../src/store/schema.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import type { PollResult } from '../../src/model.ts';

const BASE = Date.UTC(2026, 2, 1, 10); // a whole hour: chunk windows start here
const MIN = 60_000;
const SENSOR_COLUMNS = ['hum', 'open', 'mot', 'leak'] as const;
const SENSOR_METRICS = ['humidity_pct', 'contact_open', 'motion_detected', 'water_leak'] as const;

const poll = (time: number, over: Partial<PollResult> = {}): PollResult => ({
  cameraId: 'sensor-1',
  time,
  status: 'online',
  error: null,
  latencyMs: 1,
  uptimeSeconds: null,
  firmware: null,
  hardwareVersion: null,
  model: 'T310',
  mac: null,
  rssiDbm: -50,
  signalLevel: 3,
  motionDetectionEnabled: null,
  personDetectionEnabled: null,
  privacyMode: null,
  recordingMode: null,
  storageUsedBytes: null,
  storageTotalBytes: null,
  sdCardStatus: null,
  temperatureC: 20 + (time - BASE) / MIN / 10,
  ...over,
});

/** Turns a current file into what schema 3 left: chunks of the 15 columns it had, polls without the four. */
function asSchema3(file: string): void {
  const db = openDatabase(file);
  try {
    db.exec('BEGIN');
    const update = db.prepare('UPDATE chunks SET data = ? WHERE id = ?');
    for (const r of db.all('SELECT id, data FROM chunks') as Array<{ id: number; data: Uint8Array }>) {
      const b = decodeChunk(r.data, NCOLS);
      update.run([encodeChunk(b.cols.slice(0, colIndex('hum')) as Float64Array[]), r.id]);
    }
    for (const col of SENSOR_COLUMNS) {
      db.exec(`ALTER TABLE polls DROP COLUMN ${col}`);
    }
    db.exec('PRAGMA user_version=3');
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

function userVersion(file: string): number {
  const db = openDatabase(file);
  try {
    return Number((db.get('PRAGMA user_version') as { user_version: number }).user_version);
  } finally {
    db.close();
  }
}

/** One value per poll (1 s buckets over four hours), by metric; nulls left out. */
async function values(store: SqliteStore, metrics: readonly string[]): Promise<Map<string, number[]>> {
  const series = await store.history({
    cameraIds: ['sensor-1'],
    metrics: metrics as never,
    from: BASE,
    to: BASE + 4 * 3_600_000 - 1,
    maxPoints: 15_000,
    aggregate: 'last',
  });
  return new Map(series.map((s) => [s.metric, s.values.filter((v): v is number => v !== null)]));
}

test('a schema-3 store opens as schema 4: old values intact, sensor columns null, new polls keep all four', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-schema4-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'h.sqlite');

  // Two compacted hours and half an hour of raw rows, written as schema 3 would have.
  let store = await openSqliteStore({ file });
  const old = Array.from({ length: 150 }, (_, i) => poll(BASE + i * MIN));
  await store.importPolls(old, BASE + 150 * MIN);
  while (store.compactStep(BASE + 150 * MIN)) {
    // one window per step
  }
  await store.close();
  asSchema3(file);
  assert.equal(userVersion(file), 3);

  store = await openSqliteStore({ file });
  const before = await values(store, ['temperature_c', ...SENSOR_METRICS]);
  assert.deepEqual(
    before.get('temperature_c'),
    old.map((p) => p.temperatureC),
    'every old value, from chunks and raw rows'
  );
  for (const m of SENSOR_METRICS) {
    assert.deepEqual(before.get(m), [], `${m}: nothing before the sensors' columns existed`);
  }

  // New polls with the sensors' readings: half an hour finishes the third window (compacted), then raw ones.
  const fresh = Array.from({ length: 45 }, (_, i) =>
    poll(BASE + (150 + i) * MIN, {
      humidityPct: 40 + (i % 7),
      contactOpen: i % 3 === 0,
      motionDetected: i % 5 === 0,
      waterLeak: i === 44,
    })
  );
  for (const p of fresh) {
    await store.writePoll(p);
  }
  while (store.compactStep(BASE + 195 * MIN)) {
    // the third window
  }
  const after = await values(store, ['temperature_c', ...SENSOR_METRICS]);
  const bit = (b: boolean | null | undefined) => (b ? 1 : 0);
  assert.deepEqual(
    after.get('temperature_c'),
    [...old, ...fresh].map((p) => p.temperatureC)
  );
  assert.deepEqual(
    after.get('humidity_pct'),
    fresh.map((p) => p.humidityPct)
  );
  assert.deepEqual(
    after.get('contact_open'),
    fresh.map((p) => bit(p.contactOpen))
  );
  assert.deepEqual(
    after.get('motion_detected'),
    fresh.map((p) => bit(p.motionDetected))
  );
  assert.deepEqual(
    after.get('water_leak'),
    fresh.map((p) => bit(p.waterLeak))
  );
  await store.close();
  assert.equal(userVersion(file), SCHEMA_VERSION);

  // Opening again migrates nothing and loses nothing.
  store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.deepEqual(await values(store, ['humidity_pct']), new Map([['humidity_pct', fresh.map((p) => p.humidityPct)]]));
});
