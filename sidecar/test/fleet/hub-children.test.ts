/**
 * A hub's cadence and what its camera children say through controlChild (issue 24), against the
 * simulated H200 (its answers and the D230's as recorded, hub sheet §2.3, §3.3, recordings sheet §13):
 * the child list is read once a minute per hub whoever polls; the hub's own link, LED, storage and
 * components; a child's Wi-Fi signal from the list, its privacy, detection and LED settings from
 * its own poll while it is awake, kept while it sleeps, never fetched by waking it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { hubConfig, startFleet, tempStore, until } from './helpers.ts';

test('the child list is read once a minute per hub, however often hub and children are polled', async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'cadence-hub', stream: false });
  t.after(() => hub.close());
  const { store } = await tempStore(t);
  // Default list interval (a minute); the hub's own poll interval is 150 ms.
  const { fleet } = await startFleet(t, store, [hubConfig(hub)]);
  const ids = hub.children.map((c) => childCameraId('hub1', c.deviceId));
  await until(fleet, () => ids.every((id) => fleet.camera(id)?.last), 'every child polled once');
  for (let i = 0; i < 5; i++) {
    await fleet.pollNow(['hub1', ...ids]);
  }
  assert.equal(hub.listCalls, 1, 'one list read (one page) for 6 hub polls and 6 polls of each child');
  assert.equal(
    hub.children.reduce((n, c) => n + c.wakeups + c.requests, 0),
    0,
    'sleeping children were never asked'
  );

  // The hub's own state, from what an H200 answers.
  const own = fleet.camera('hub1')!.last!;
  assert.equal(own.linkType, 'ethernet');
  assert.equal(own.rssiDbm, null, 'a wired hub has no Wi-Fi reading');
  assert.equal(own.led, 'on');
  assert.equal(own.sdCardStatus, 'offline', "the hub's own storage: no card");
  assert.equal(own.recordingMode, 'no_card');
  assert.equal(own.firmwareUpgradeFailed, false);
  assert.equal(fleet.camera('hub1')!.capabilities?.sdCard, true);
  assert.equal(fleet.camera('hub1')!.ptz, false);
});

test("a camera child's signal, privacy and detection settings through controlChild, only while it is awake", async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'settings-hub', stream: false });
  t.after(() => hub.close());
  const door = hub.child('D230');
  const garden = hub.child('C420');
  door.privacyMode = true;
  door.personDetection = false;
  const { store } = await tempStore(t);
  const { fleet } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 0 });
  const doorId = childCameraId('hub1', door.deviceId);
  const gardenId = childCameraId('hub1', garden.deviceId);
  await until(fleet, () => !!fleet.camera(doorId)?.last && !!fleet.camera(gardenId)?.last, 'both children polled');
  // Joins the polls still being recorded, so the next pollNow is a poll of its own.
  await fleet.pollNow([doorId, gardenId]);

  // Asleep: the signal comes from the hub's list; no setting is known, none is fetched.
  const asleep = fleet.camera(doorId)!.last!;
  assert.equal(asleep.status, 'sleeping');
  assert.equal(asleep.rssiDbm, -46, "the list's rssi");
  assert.equal(asleep.privacyMode, null);
  assert.equal(door.requests, 0);

  // The doorbell rings: it is awake, the next poll asks it for its settings too.
  door.trigger('ring');
  const [awake] = await fleet.pollNow([doorId]);
  assert.equal(awake!.status, 'online');
  assert.equal(awake!.privacyMode, true);
  assert.equal(awake!.motionDetectionEnabled, true);
  assert.equal(awake!.personDetectionEnabled, false);
  assert.equal(awake!.led, 'on');
  assert.equal(awake!.rssiDbm, -46);
  assert.equal(awake!.recordingMode, 'no_card', 'the D230 has no card of its own');
  assert.equal(fleet.camera(doorId)!.capabilities?.battery, true);
  assert.equal(fleet.camera(doorId)!.capabilities?.ptz, false);
  assert.equal(door.wakeups, 0, 'it was awake already');

  // Awake and asked within the battery cadence (600 s): no second own poll.
  const asked = door.requests;
  await fleet.pollNow([doorId]);
  assert.equal(door.requests, asked, 'one own poll per wake or per 600 s');

  // Asleep again: its settings are kept; nothing wakes it.
  door.sleep();
  const [later] = await fleet.pollNow([doorId]);
  assert.equal(later!.status, 'sleeping');
  assert.equal(later!.privacyMode, true, 'kept from its last own poll');
  assert.equal(door.wakeups, 0);
  assert.equal(garden.wakeups + garden.requests, 0, 'the sleeping C420 was never asked');
});
