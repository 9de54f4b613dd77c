/**
 * Schema 3 (issue 24: sensors' humidity, contact, motion and leak columns): a schema-2 history file
 * is migrated in place, its rows read the new columns as null, and new polls keep them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { loadSqlite } from '../../src/store/wasm.ts';
import type { PollResult } from '../../src/model.ts';

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
  temperatureC: 20,
  ...over,
});

test('a schema-2 history file gains the sensor columns; old rows read null, new ones keep humidity', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-schema3-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'h.sqlite');
  const now = Date.now();

  // A file as schema 2 left it: written by this store, then the sensor columns taken away.
  let store = await openSqliteStore({ file });
  await store.writePoll(poll(now - 2000));
  await store.close();
  const Database = await loadSqlite();
  const raw = new Database(file);
  raw.exec('PRAGMA locking_mode=EXCLUSIVE');
  for (const col of ['hum', 'open', 'mot', 'leak']) {
    raw.exec(`ALTER TABLE polls DROP COLUMN ${col}`);
  }
  raw.exec('PRAGMA user_version=2');
  raw.close();

  store = await openSqliteStore({ file });
  t.after(() => store.close());
  await store.writePoll(poll(now - 1000, { humidityPct: 61, contactOpen: true }));
  const series = await store.history({
    cameraIds: ['sensor-1'],
    metrics: ['humidity_pct', 'contact_open', 'temperature_c'],
    from: now - 10_000,
    to: now + 1000,
    maxPoints: 1000,
    aggregate: 'last',
  });
  const values = (metric: string) => series.find((s) => s.metric === metric)!.values.filter((v) => v !== null);
  assert.deepEqual(values('humidity_pct'), [61], 'the old row has none, the new one 61');
  assert.deepEqual(values('contact_open'), [1]);
  assert.deepEqual(values('temperature_c'), [20, 20]);
});
