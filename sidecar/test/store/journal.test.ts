/** The history journal (SQLite's -wal file) stays bounded: checkpoints run, complete, and say so when they cannot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../../src/log.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import { poll } from '../helpers/memory-fleet.ts';

const BASE = 1_700_000_040_000;
const CHUNK = 60_000;
/** The bound the issue sets for the -wal file. */
const WAL_BOUND = 64 * 2 ** 20;

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'h.sqlite');
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Every cached statement has run to completion: a TRUNCATE checkpoint copies the whole WAL and empties it. */
function assertCheckpoints(store: SqliteStore, file: string, when: string) {
  const r = store.checkpoint();
  assert.deepEqual(r, { busy: 0, log: 0, checkpointed: 0, error: null }, `checkpoint ${when}`);
  assert.equal(size(`${file}-wal`), 0, `the WAL is emptied ${when}`);
}

test('2,000 polls of 40 new cameras, one commit each: the -wal stays under 64 MiB and the database holds them all', async (t) => {
  const file = tempFile(t);
  const store = await openSqliteStore({ file, chunkMs: CHUNK });
  t.after(() => store.close());
  let peak = 0;
  for (let k = 0; k < 50; k++) {
    for (let c = 0; c < 40; c++) {
      await store.writePoll(poll(`cam${c}`, BASE + k * 30_000 + c, { latencyMs: k }));
    }
    peak = Math.max(peak, size(`${file}-wal`));
  }
  // Each commit appends a few 16 KiB pages: without checkpoints 2,000 commits make ~125 MiB.
  assert.ok(peak < WAL_BOUND, `the -wal peaked at ${(peak / 2 ** 20).toFixed(1)} MiB`);
  for (let c = 0; c < 40; c++) {
    const pts = await store.points(`cam${c}`, 0, BASE + 3_600_000);
    assert.equal(pts.length, 50, `camera ${c} has all its polls`);
    assert.equal(pts.at(-1)!.latencyMs, 49);
  }
  assertCheckpoints(store, file, 'after the writes');
});

test('no query leaves a read open: after every kind of call a checkpoint completes', async (t) => {
  const file = tempFile(t);
  const store = await openSqliteStore({ file, chunkMs: CHUNK });
  t.after(() => store.close());
  for (let k = 0; k < 12; k++) {
    await store.writePolls([
      poll('a', BASE + k * 10_000),
      poll('b', BASE + k * 10_000, { error: 'x', status: 'offline' }),
    ]);
  }
  assertCheckpoints(store, file, 'after writes that created cameras');
  await store.writeEvent({ cameraId: 'a', start: BASE, end: null, kind: 'motion', source: 'last_alarm' });
  await store.writeEvent({ cameraId: 'a', start: BASE, end: BASE + 5000, kind: 'motion', source: 'last_alarm' });
  await store.writeStatusChange({ cameraId: 'b', time: BASE, from: 'online', to: 'offline', error: 'x' });
  assert.equal(await store.latestEventStart('a'), BASE);
  assert.equal(await store.latestEventStart('a', 'last_alarm'), BASE);
  assertCheckpoints(store, file, 'after event lookups');
  assert.equal(store.compactStep(BASE + 600_000), true);
  assertCheckpoints(store, file, 'after a compaction step');
  await store.history({
    cameraIds: ['a', 'b'],
    metrics: ['latency_ms', 'motion_events_per_min'],
    from: BASE,
    to: BASE + 200_000,
    maxPoints: 10,
  });
  await store.points('b', BASE, BASE + 200_000);
  await store.events(['a'], BASE, BASE + 200_000);
  await store.statusChanges(['b'], BASE, BASE + 200_000);
  await store.resume();
  await store.prune(BASE + 30_000, 5);
  await store.importPolls([poll('c', BASE)], BASE + 3_600_000);
  assertCheckpoints(store, file, 'after queries, pruning and an import');
  await store.maintain(3_600_000, BASE + 600_000);
  assert.equal(size(`${file}-wal`), 0, 'a housekeeping pass ends with a checkpoint');
});

test('a checkpoint that cannot complete is a warning with its figures; the next one that completes says so', async (t) => {
  const file = tempFile(t);
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  const warn = t.mock.method(logger, 'warn', () => {});
  const info = t.mock.method(logger, 'info', () => {});
  await store.writePoll(poll('a', BASE));
  await store.flush(); // committed: the camera's key is there to read
  // A read left open on the connection (what a stepped, never reset statement does).
  const db = (store as unknown as { db: import('../../src/store/engine.ts').SqliteDatabase }).db;
  const open = db.prepare('SELECT id FROM cameras').iterate();
  open.next();
  await store.writePoll(poll('a', BASE + 1000));
  const r = store.checkpoint()!;
  assert.equal(r.busy, 1);
  assert.match(r.error ?? '', /locked/);
  assert.equal(warn.mock.callCount(), 1);
  const [fields, message] = warn.mock.calls[0]!.arguments as unknown as [Record<string, unknown>, string];
  assert.match(message, /could not be checkpointed/);
  assert.equal(fields.busy, 1);
  assert.ok((fields.walBytes as number) > 0, 'the warning carries the WAL size');
  assert.equal(fields.failures, 1);

  open.return?.();
  assert.deepEqual(store.checkpoint(), { busy: 0, log: 0, checkpointed: 0, error: null });
  assert.equal(warn.mock.callCount(), 1, 'no new warning');
  assert.ok(info.mock.calls.some((c) => /checkpointed again/.test(String(c.arguments[1]))));
  assert.equal((await store.points('a', 0, BASE + 2000)).length, 2);
});

test('background housekeeping checkpoints on its own', async (t) => {
  const file = tempFile(t);
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  for (let k = 0; k < 20; k++) {
    await store.writePoll(poll('a', Date.now() - k * 1000));
  }
  assert.ok(size(`${file}-wal`) > 0);
  store.startMaintenance({ intervalMs: 3_600_000 }); // runs one pass at once
  await store.maintenanceIdle();
  assert.equal(size(`${file}-wal`), 0);
});
