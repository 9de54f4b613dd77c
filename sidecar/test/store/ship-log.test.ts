import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const T = 1_700_000_000_000;

async function tempStore(t: { after: (fn: () => Promise<void> | void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-shiplog-'));
  const store = await openSqliteStore({ dataDir: dir });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

test('the shipping log returns events and status changes after a cursor, in write order, a limit at a time', async (t) => {
  const { store } = await tempStore(t);
  // Written out of time order: the log follows writes, not start times.
  await store.writeEvent({ cameraId: 'a', start: T + 5000, end: null, kind: 'motion', source: 'onvif' });
  await store.writeEvent({ cameraId: 'b', start: T + 1000, end: T + 2000, kind: 'person', source: 'last_alarm' });
  await store.writeEvent({ cameraId: 'a', start: T + 3000, end: null, kind: 'ring', source: 'simulator' });
  await store.writeStatusChange({ cameraId: 'b', time: T + 4000, from: 'online', to: 'offline', error: 'refused' });

  const first = await store.shipLogAfter({ events: 0, statusChanges: 0 }, 2);
  assert.deepEqual(
    first.events.map((e) => [e.event.cameraId, e.event.start, e.event.kind]),
    [
      ['a', T + 5000, 'motion'],
      ['b', T + 1000, 'person'],
    ]
  );
  assert.equal(first.statusChanges.length, 1);
  assert.deepEqual(first.statusChanges[0]!.change, {
    cameraId: 'b',
    time: T + 4000,
    from: 'online',
    to: 'offline',
    error: 'refused',
  });
  const cursor = { events: first.events.at(-1)!.seq, statusChanges: first.statusChanges[0]!.seq };
  const rest = await store.shipLogAfter(cursor, 2);
  assert.deepEqual(
    rest.events.map((e) => e.event.start),
    [T + 3000]
  );
  assert.equal(rest.statusChanges.length, 0);

  // An event's end written later updates its row in place: it is not a new line.
  await store.writeEvent({ cameraId: 'a', start: T + 5000, end: T + 6000, kind: 'motion', source: 'onvif' });
  const after = await store.shipLogAfter({ events: rest.events[0]!.seq, statusChanges: cursor.statusChanges }, 10);
  assert.equal(after.events.length + after.statusChanges.length, 0);
});

test('a shipping cursor is saved by name and survives reopening the store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-shiplog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let store = await openSqliteStore({ dataDir: dir });
  assert.deepEqual(await store.shipCursor('loki'), { events: 0, statusChanges: 0 });
  await store.saveShipCursor('loki', { events: 7, statusChanges: 3 });
  await store.saveShipCursor('other', { events: 1, statusChanges: 1 });
  await store.saveShipCursor('loki', { events: 9, statusChanges: 4 });
  await store.close();
  store = await openSqliteStore({ dataDir: dir });
  try {
    assert.deepEqual(await store.shipCursor('loki'), { events: 9, statusChanges: 4 });
    assert.deepEqual(await store.shipCursor('other'), { events: 1, statusChanges: 1 });
  } finally {
    await store.close();
  }
});

test('a cursor beyond a table emptied by retention starts that table again from its first row', async (t) => {
  const { store } = await tempStore(t);
  for (let i = 0; i < 5; i++) {
    await store.writeEvent({ cameraId: 'a', start: T + i, end: null, kind: 'motion', source: 'onvif' });
  }
  const all = await store.shipLogAfter({ events: 0, statusChanges: 0 }, 10);
  const cursor = { events: all.events.at(-1)!.seq, statusChanges: 0 };
  await store.prune(T + 1_000_000, 1000);
  assert.equal((await store.shipLogAfter(cursor, 10)).events.length, 0);
  // SQLite may number new rows from 1 again once the table is empty.
  await store.writeEvent({ cameraId: 'a', start: T + 2_000_000, end: null, kind: 'motion', source: 'onvif' });
  const next = await store.shipLogAfter(cursor, 10);
  assert.deepEqual(
    next.events.map((e) => e.event.start),
    [T + 2_000_000]
  );
  assert.ok(next.events[0]!.seq <= cursor.events, 'the rowids started again below the cursor');
  assert.equal(next.after.events, 0);
});
