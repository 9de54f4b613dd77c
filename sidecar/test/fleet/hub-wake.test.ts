/**
 * How soon a battery child's wake and sleep show (issue 24), against the simulated H200: children
 * are polled once a minute from the hub's cached list, so a child that woke used to say "sleeping"
 * until the list was read again AND its own next poll came (up to two minutes). Now a list the hub
 * answers anew that says a child woke or slept (or that a sensor's readings changed) has that
 * device polled at once: it changes with the list read, not a device interval later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SENSOR_SET, SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId, CHILD_LIST_INTERVAL_MS } from '../../src/fleet/hub-probe.ts';
import { hubConfig, pollsOf, startFleet, tempStore, until } from './helpers.ts';

/** A child's own poll interval is at least the list interval, less the fleet's jitter (±10 %). */
const EARLIEST_CHILD_INTERVAL_MS = CHILD_LIST_INTERVAL_MS * 0.9;

test("a child's wake and sleep show with the hub's next list read, not its own next poll", async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'wake-hub', stream: false });
  t.after(() => hub.close());
  const garden = hub.child('C420');
  const { store } = await tempStore(t);
  // The list is read every second here (a minute in production); the children poll once a minute still.
  const { fleet, rec } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 1000 });
  const id = childCameraId('hub1', garden.deviceId);
  await until(fleet, () => fleet.camera(id)?.last?.status === 'sleeping', 'the child polled, asleep');
  const asleepPoll = fleet.camera(id)!.last!.time;

  // It wakes by itself (motion): the next list says so, and the child says online at once.
  const listsBefore = hub.listCalls;
  garden.wake();
  await until(fleet, () => fleet.camera(id)?.last?.status === 'online', 'the woken child says online');
  const awake = fleet.camera(id)!.last!;
  assert.ok(
    awake.time - asleepPoll < EARLIEST_CHILD_INTERVAL_MS,
    `online ${awake.time - asleepPoll} ms after its last poll: before its own next poll was due`
  );
  // The read that saw it awake, and the fresh one before its own poll (it is awake: asked for its settings).
  assert.ok(hub.listCalls - listsBefore <= 3, `${hub.listCalls - listsBefore} list reads`);
  assert.equal(awake.privacyMode, false, 'its own poll ran (it is awake)');
  assert.equal(garden.wakeups, 0, 'nothing woke it');
  assert.equal(pollsOf(rec, id).filter((p) => p.time > asleepPoll).length, 1, 'one poll, the one the list asked for');

  // It falls asleep: the same, the other way.
  garden.sleep();
  await until(fleet, () => fleet.camera(id)?.last?.status === 'sleeping', 'the child says sleeping again');
  assert.ok(fleet.camera(id)!.last!.time - awake.time < EARLIEST_CHILD_INTERVAL_MS, 'before its own next poll');
  assert.equal(garden.wakeups, 0, 'polling never woke it');

  // A list that says nothing new asks nothing of the children: one poll per change, not per read.
  const polls = pollsOf(rec, id).length;
  const reads = hub.listCalls;
  await until(fleet, () => hub.listCalls >= reads + 3, 'three more list reads');
  assert.equal(pollsOf(rec, id).length, polls, 'no poll of an unchanged child');
});

test("a child's stream that starts before its first poll has that poll read the list afresh", async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'early-hub', stream: false });
  t.after(() => hub.close());
  const garden = hub.child('C420');
  const { store } = await tempStore(t);
  // First polls spread over a minute: the children are known well before they are polled.
  const { fleet } = await startFleet(t, store, [hubConfig(hub)], { startSpreadMs: CHILD_LIST_INTERVAL_MS });
  await fleet.pollNow(['hub1']);
  const id = childCameraId('hub1', garden.deviceId);
  assert.ok(fleet.camera(id), 'the child is a camera once the hub was listed');
  const listsBefore = hub.listCalls;

  // Its live view woke it (the sidecar saw its stream play): the list the hub just gave is not its state.
  garden.wake();
  fleet.streamChanged(id);
  await until(fleet, () => fleet.camera(id)?.last?.status === 'online', 'the child says online');
  assert.ok(hub.listCalls - listsBefore <= 1, 'one early read of the list');
  assert.equal(garden.wakeups, 0, 'nothing woke it');
});

test("a sensor's change shows with the hub's next list read; a sensor whose readings stayed is not polled for it", async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'home-hub', stream: false, sensors: SENSOR_SET });
  t.after(() => hub.close());
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 1000 });
  const door = childCameraId('hub1', hub.sensor('Front door contact').deviceId);
  const leak = childCameraId('hub1', hub.sensor('Washing machine').deviceId);
  await until(fleet, () => fleet.camera(door)?.last?.contactOpen === false, 'the contact sensor polled, closed');
  await until(fleet, () => fleet.camera(leak)?.last?.waterLeak === false, 'the leak sensor polled, dry');
  const closedPoll = fleet.camera(door)!.last!.time;
  const leakPolls = pollsOf(rec, leak).length;

  hub.sensor('Front door contact').setOpen(true);
  await until(fleet, () => fleet.camera(door)?.last?.contactOpen === true, 'the door shows open');
  const open = fleet.camera(door)!.last!;
  assert.ok(open.time - closedPoll < EARLIEST_CHILD_INTERVAL_MS, 'before its own next poll was due');
  assert.equal(pollsOf(rec, leak).length, leakPolls, 'the dry leak sensor was not polled for it');
});
