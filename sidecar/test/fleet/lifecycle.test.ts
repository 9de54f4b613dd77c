/** Adding, changing and removing cameras live; a sidecar restart that resumes where it stopped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet } from '../../src/fleet/fleet.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { configsFor, pollsOf, simFleet, startFleet, tempStore, until } from './helpers.ts';

test('applyCameras adds, updates and removes cameras while the fleet runs', async (t) => {
  const sim = await simFleet(t, { count: 3, profiles: ['C210', 'C110'] });
  const [a, b, c] = configsFor(sim);
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, [a!, b!]);
  await until(
    fleet,
    () => pollsOf(rec, 'cam-0').length >= 2 && pollsOf(rec, 'cam-1').length >= 2,
    'both cameras polled'
  );
  assert.deepEqual(
    fleet
      .cameras()
      .map((s) => s.id)
      .sort(),
    ['cam-0', 'cam-1']
  );

  // Add c, remove a, give b a wrong password (a connection change: a new client).
  await fleet.applyCameras([{ ...b!, password: 'changed-wrong' }, c!], { source: 'test' });
  assert.deepEqual(
    fleet
      .cameras()
      .map((s) => s.id)
      .sort(),
    ['cam-1', 'cam-2']
  );
  assert.equal(fleet.camera('cam-0'), undefined);
  const mark = rec.polls.length;
  await until(
    fleet,
    () =>
      pollsOf(rec, 'cam-2').length >= 2 &&
      rec.polls.slice(mark).some((p) => p.cameraId === 'cam-1' && p.status === 'auth_failed'),
    'the new camera and the new password'
  );
  const aPollsAfter = rec.polls.slice(mark).filter((p) => p.cameraId === 'cam-0');
  assert.ok(aPollsAfter.length <= 1, 'the removed camera stops polling (at most the poll already in flight)');
  // Its history stays.
  assert.ok((await store.points('cam-0', 0, Date.now())).length >= 2);

  // A second source cannot take over an id; its own cameras join the fleet.
  const res = await fleet.applyCameras(
    [
      { ...c!, name: 'Impostor' },
      { ...a!, id: 'yaml-a' },
    ],
    { source: 'yaml' }
  );
  assert.deepEqual(res.conflicts, ['cam-2']);
  assert.equal(fleet.camera('cam-2')!.name, c!.name);
  assert.ok(fleet.camera('yaml-a'));
  // Disabled cameras and cameras waiting for a password are listed but not polled.
  await fleet.applyCameras(
    [
      { ...c!, disabled: true },
      { ...b!, password: null },
    ],
    { source: 'test' }
  );
  const mark2 = rec.polls.length;
  await until(
    fleet,
    () => rec.polls.slice(mark2).filter((p) => p.cameraId === 'yaml-a').length >= 3,
    'yaml-a keeps polling'
  );
  assert.equal(rec.polls.slice(mark2 + 2).filter((p) => p.cameraId === 'cam-1' || p.cameraId === 'cam-2').length, 0);
  assert.ok(fleet.camera('cam-1') && fleet.camera('cam-2'));
});

test("a restart resumes each camera's last state and loses no history", async (t) => {
  const sim = await simFleet(t, { count: 2, profiles: ['C210', 'C310'] });
  const cfgs = configsFor(sim);
  const { store, file } = await tempStore(t);
  const fleet1 = new Fleet({ store, motionSourceFactory: null, startSpreadMs: 0 });
  await fleet1.applyCameras(cfgs);
  await fleet1.start();
  const seen: string[] = [];
  fleet1.on('poll', (p) => seen.push(p.cameraId));
  sim.cameras[1]!.triggerMotion('motion');
  await until(
    fleet1,
    () => seen.filter((x) => x === 'cam-0').length >= 3 && seen.filter((x) => x === 'cam-1').length >= 3,
    'polls before the restart'
  );
  await fleet1.stop();
  const before = {
    snap: fleet1.camera('cam-0')!,
    points: await store.points('cam-0', 0, Date.now()),
    events: await store.events(['cam-1'], 0, Date.now()),
  };
  assert.equal(before.events.length, 1);
  await store.close();

  const store2 = await openSqliteStore({ file });
  t.after(() => store2.close());
  // A long interval: the snapshot below comes from the store, not from a new poll.
  const fleet2 = new Fleet({ store: store2, motionSourceFactory: null, startSpreadMs: 60_000 });
  t.after(() => fleet2.stop());
  await fleet2.applyCameras(cfgs.map((c) => ({ ...c, pollIntervalMs: 60_000 })));
  await fleet2.start();
  const snap = fleet2.camera('cam-0')!;
  assert.deepEqual(snap.last, before.snap.last);
  assert.equal(snap.lastSeen, before.snap.lastSeen);
  assert.equal(snap.ptz, true, 'model known from the stored poll');
  assert.equal(fleet2.camera('cam-1')!.lastMotion, before.events[0]!.start);
  assert.deepEqual(await store2.points('cam-0', 0, Date.now()), before.points);
  assert.deepEqual(await fleet2.events(['cam-1'], 0, Date.now()), before.events);
  // The same alarm seen again after the restart is not a new event.
  await fleet2.pollNow(['cam-1']);
  assert.equal((await fleet2.events(['cam-1'], 0, Date.now())).length, 1);
  assert.deepEqual(
    await fleet2.statusChanges(['cam-0', 'cam-1'], 0, Date.now()),
    [],
    'no spurious status change on resume'
  );
});
