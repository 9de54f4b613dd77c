/**
 * Every detection kind (issue 21): raised by the simulator, learnt by the fleet over ONVIF (the kinds
 * with a topic) or from the last alarm (sound detections, packages, rings, and every kind of a
 * camera without ONVIF or behind a hub), and answered by the events query, the annotation query
 * and the alert frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_KIND_LABELS, type TapoQuery } from '../../../src/shared/query.ts';
import { CAMERA_DETECTION_KINDS, type CameraDetectionKind } from '../../src/simulator/detections.ts';
import { eventsQuery } from '../../src/datasource/query/events.ts';
import type { Frame } from '../../src/grafana/frame.ts';
import { onvifMotionSourceFactory } from '../../src/fleet/onvif-source.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { eventKind } from '../../src/fleet/map.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { mediaExtras } from '../../src/simulator/media-extras.ts';
import { ONVIF_EVENT_KINDS } from '../../src/tapo/onvif-notifications.ts';
import { configsFor, hubConfig, simFleet, startFleet, tempStore, until } from './helpers.ts';
import type { Fleet } from '../../src/fleet/fleet.ts';

/** The events query as the datasource answers it (panel, annotation or alert rule) over the last 10 minutes. */
function query(fleet: Fleet, json: Partial<TapoQuery>, fromAlert = false): Promise<Frame[]> {
  const ctx = {
    fleet,
    uid: 'u',
    from: Date.now() - 600_000,
    to: Date.now() + 1000,
    maxDataPoints: 100,
    intervalMS: 1000,
  };
  return eventsQuery({ ...ctx, fromAlert }, { refId: 'A', queryType: 'events', ...json });
}

/**
 * Cameras report their last alarm in whole seconds: a second alarm within the same second is the
 * same alarm to any client. Resolves when the clock has reached the next second.
 */
function nextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

const column = (f: Frame, name: string) => f.fields.find((x) => x.name === name)!.values as unknown[];

test('a last alarm names its kind by words or by the app code; anything else is motion', () => {
  assert.equal(eventKind('motion'), 'motion');
  assert.equal(eventKind('linecrossing'), 'line_crossing');
  assert.equal(eventKind('babycry'), 'baby_cry');
  assert.equal(eventKind('glass'), 'glass_break');
  assert.equal(eventKind('17'), 'ring', 'doorbell ring missed');
  assert.equal(eventKind('9'), 'pet');
  assert.equal(eventKind('31'), 'motion', 'panoramic video is no detection');
  assert.equal(eventKind('something new'), 'motion');
});

test('every detection kind a wired camera raises reaches the events query, annotations and an alert frame', async (t) => {
  // The C310 pushes every ONVIF kind; the C210 only motion, people and tampering (its others come as last alarms).
  const sim = await simFleet(t, {
    count: 2,
    profiles: ['C310', 'C210'],
    extras: mediaExtras({ rtsp: false }),
    cameraOptions: () => ({ motionDurationMs: 200 }),
  });
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim), { motionSourceFactory: onvifMotionSourceFactory });
  await until(
    fleet,
    () => fleet.motionBySubscription('cam-0') && fleet.motionBySubscription('cam-1'),
    'the ONVIF subscriptions'
  );
  const pushedBy = [new Set<string>(ONVIF_EVENT_KINDS), new Set<string>(['motion', 'person', 'tamper'])];

  for (const kind of CAMERA_DETECTION_KINDS) {
    const before = rec.events.length;
    await nextSecond();
    sim.cameras[0]!.triggerMotion(kind);
    sim.cameras[1]!.triggerMotion(kind);
    const done = (id: string) =>
      rec.events.slice(before).some((e) => e.cameraId === id && (e.source === 'last_alarm' || e.end !== null));
    await until(fleet, () => done('cam-0') && done('cam-1'), `a ${kind} event from each camera`);
    for (const [i, id] of ['cam-0', 'cam-1'].entries()) {
      const got = rec.events.slice(before).filter((e) => e.cameraId === id);
      assert.ok(
        got.every((e) => e.kind === kind),
        `${id} ${kind}: no other kind was made of it (${got.map((e) => e.kind)})`
      );
      assert.deepEqual(
        [...new Set(got.map((e) => e.source))],
        [pushedBy[i]!.has(kind) ? 'onvif' : 'last_alarm'],
        `${id} ${kind} arrives by one path only`
      );
    }
  }

  const [all] = await query(fleet, {});
  assert.ok(all);
  for (const id of ['cam-0', 'cam-1']) {
    const kinds = column(all, 'kind').filter((_k, i) => column(all, 'camera_id')[i] === id);
    assert.deepEqual(new Set(kinds), new Set(CAMERA_DETECTION_KINDS), `every kind of ${id} in the events query`);
    assert.equal(kinds.length, CAMERA_DETECTION_KINDS.length, `${id}: each event once`);
  }
  for (const kind of CAMERA_DETECTION_KINDS) {
    const [one] = await query(fleet, { cameras: ['cam-0'], eventKinds: [kind] });
    assert.deepEqual(column(one!, 'kind'), [kind], `only ${kind} when asked for ${kind}`);
    const text = String(column(one!, 'text')[0]);
    assert.ok(text.endsWith(` on ${sim.describe()[0]!.name}`), text);
    if (kind !== 'motion') {
      assert.ok(text.startsWith(EVENT_KIND_LABELS[kind]), `the text reads as the editors do: ${text}`);
    }
    const [alert] = await query(fleet, { eventKinds: [kind] }, true);
    assert.deepEqual(column(alert!, 'events'), [1, 1], `one ${kind} event per camera for the alert rule`);
  }
  // The annotation query: every kind and the status changes.
  const [anno] = await query(fleet, { eventKinds: [...CAMERA_DETECTION_KINDS], statusChanges: true });
  assert.equal(column(anno!, 'kind').length, 2 * CAMERA_DETECTION_KINDS.length);
  assert.equal(fleet.counters('cam-1')!.events.glass_break, 1);
});

test("a hub's children raise every kind through their last alarm", async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'detections-hub' });
  t.after(() => hub.close());
  const { store } = await tempStore(t);
  // The hub's list read afresh each poll (not once a minute), so a poll right after a wake sees it.
  const { fleet, rec } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 0 });
  const door = hub.child('D230');
  const id = childCameraId('hub1', door.deviceId);
  await until(fleet, () => fleet.camera(id) !== undefined, 'the doorbell in the fleet');
  const kinds: CameraDetectionKind[] = [...CAMERA_DETECTION_KINDS];
  for (const kind of kinds) {
    const before = rec.events.length;
    // Each detection wakes the doorbell afresh (as a real one wakes for it): the fleet asks a
    // child that woke since its last look for its last alarm, and leaves a sleeping one alone.
    // It stays asleep past a whole second after the last ask: cam_uptime counts whole seconds, so
    // a wake within a second of the ask is not told apart from the one asked about (a real
    // doorbell sleeps far longer between wakes).
    door.sleep();
    await nextSecond();
    await nextSecond();
    door.trigger(kind);
    await fleet.pollNow([id]);
    await until(fleet, () => rec.events.slice(before).some((e) => e.cameraId === id), `a ${kind} from the doorbell`);
    assert.equal(rec.events.at(-1)!.kind, kind);
    assert.equal(rec.events.at(-1)!.source, 'last_alarm');
  }
  const [all] = await query(fleet, { cameras: [id] });
  assert.deepEqual(new Set(column(all!, 'kind')), new Set(CAMERA_DETECTION_KINDS));
});
