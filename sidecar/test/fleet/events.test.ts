/** Motion events: from last-alarm polling, and from ONVIF PullPoint where the camera offers it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaExtras } from '../../src/simulator/media-extras.ts';
import { onvifMotionSourceFactory } from '../../src/fleet/onvif-source.ts';
import { configsFor, simFleet, startFleet, tempStore, until } from './helpers.ts';

test('a new last-alarm time becomes one event, stored, emitted and counted per minute', async (t) => {
  const sim = await simFleet(t, { count: 2, profiles: ['C420', 'C210'] });
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim, { cameraAccount: null, cameraPassword: null }));
  await until(fleet, () => rec.polls.filter((p) => p.cameraId === 'cam-0').length >= 1, 'a first poll');
  assert.equal(rec.events.length, 0, 'a camera that never alarmed has no events');

  const ev = sim.cameras[0]!.triggerMotion('person');
  await until(fleet, () => rec.events.length >= 1, 'the event');
  assert.equal(rec.events[0]!.cameraId, 'cam-0');
  assert.equal(rec.events[0]!.kind, 'person');
  assert.equal(rec.events[0]!.source, 'last_alarm');
  assert.equal(rec.events[0]!.start, Math.floor(ev.start / 1000) * 1000, 'the camera reports whole seconds');
  // Further polls with the same last alarm add nothing.
  const n = rec.polls.length;
  await until(fleet, () => rec.polls.length >= n + 4, 'more polls');
  assert.equal(rec.events.length, 1);
  assert.equal(fleet.camera('cam-0')!.motionEventsLastMinute, 1);
  assert.equal(fleet.camera('cam-0')!.lastMotion, rec.events[0]!.start);
  assert.equal(fleet.counters('cam-0')!.events.person, 1);
  const stored = await fleet.events(['cam-0', 'cam-1'], 0, Date.now() + 1000);
  assert.deepEqual(stored, [{ ...rec.events[0]!, end: null }]);
  assert.equal((await fleet.events(['cam-0'], 0, Date.now() + 1000, ['motion'])).length, 0);
});

test('ONVIF PullPoint events (start, then end) where the camera offers them; no double count from last-alarm', async (t) => {
  const sim = await simFleet(t, {
    count: 2,
    profiles: ['C210', 'C400'],
    extras: mediaExtras({ rtsp: false }),
    cameraOptions: () => ({ motionDurationMs: 300 }),
  });
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim), { motionSourceFactory: onvifMotionSourceFactory });
  assert.ok(sim.describe()[0]!.onvifPort, 'the C210 has ONVIF');
  assert.equal(sim.describe()[1]!.onvifPort, null, 'the battery C400 has none');
  await until(
    fleet,
    () => fleet.motionBySubscription('cam-0') && rec.polls.some((p) => p.cameraId === 'cam-1'),
    'the ONVIF subscription'
  );

  const started = sim.cameras[0]!.triggerMotion('motion');
  await until(fleet, () => rec.events.some((e) => e.cameraId === 'cam-0' && e.end !== null), "the event's end");
  const mine = rec.events.filter((e) => e.cameraId === 'cam-0');
  assert.equal(mine[0]!.source, 'onvif');
  assert.equal(mine[0]!.end, null, 'first the start...');
  assert.ok(mine.at(-1)!.end! >= mine.at(-1)!.start, '...then the end');
  assert.ok(Math.abs(mine[0]!.start - started.start) < 2000);
  // Let a few polls pass: the last-alarm time changed too, but it must not add a second event.
  const n = rec.polls.filter((p) => p.cameraId === 'cam-0').length;
  await until(fleet, () => rec.polls.filter((p) => p.cameraId === 'cam-0').length >= n + 3, 'more polls');
  const stored = await fleet.events(['cam-0'], 0, Date.now() + 1000);
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.source, 'onvif');
  assert.ok(stored[0]!.end !== null, 'the stored event has its end');
  assert.equal(fleet.counters('cam-0')!.events.motion, 1);

  // The camera without ONVIF still gets its events by polling.
  sim.cameras[1]!.triggerMotion('motion');
  await until(fleet, () => rec.events.some((e) => e.cameraId === 'cam-1'), "the battery camera's event");
  assert.equal(rec.events.find((e) => e.cameraId === 'cam-1')!.source, 'last_alarm');
});
