/**
 * A hub in the fleet, against the simulated H200: its battery children become cameras with stable
 * ids, names and models; a sleeping child is `sleeping` and is never woken by polling; a child that
 * wakes (a ring) is polled for its last alarm (a doorbell event); battery readings reach history;
 * a child removed from the hub leaves the fleet; removing the hub removes its children.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { hubConfig, startFleet, tempStore, until } from './helpers.ts';
import { fleetMetricsText } from '../../src/http/prometheus.ts';

test('a hub brings its battery children into the fleet; sleeping is a status, and polling never wakes them', async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'fleet-hub' });
  t.after(() => hub.close());
  const cam = hub.child('C420');
  cam.faults.overheat = true;
  cam.setBattery(12);
  const { store } = await tempStore(t);
  // The list read at every poll (a minute in production: hub-children.test.ts), so a ring and a removal show at once.
  const { fleet, rec } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 0 });
  const ids = hub.children.map((c) => childCameraId('hub1', c.deviceId));
  await until(fleet, () => ids.every((id) => fleet.camera(id)?.last), 'every child polled once');

  assert.equal(fleet.camera('hub1')?.last?.model, 'H200');
  assert.deepEqual(
    ids.map((id) => [fleet.camera(id)!.name, fleet.camera(id)!.last!.model, fleet.camera(id)!.last!.status]),
    [
      ['Garden', 'C420', 'sleeping'],
      ['Driveway', 'C425', 'sleeping'],
      ['Front door', 'D230', 'sleeping'],
    ]
  );
  assert.match(ids[0]!, /^hub1\.[0-9a-f]{8}$/);
  assert.equal(fleet.cameraConfig(ids[0]!)?.hubChild?.deviceId, cam.deviceId);
  const garden = fleet.camera(ids[0]!)!.last!;
  assert.equal(garden.temperatureC, 62, 'battery temperature of the overheating child');
  assert.equal(garden.batteryPercent, 12);
  assert.equal(garden.batteryLow, true);
  assert.equal(garden.batteryCharging, false);
  assert.equal(garden.powerSource, 'BATTERY');
  assert.ok(garden.uptimeSeconds! > 0);
  assert.equal(fleet.camera(ids[1]!)!.last!.powerSource, 'SOLAR');
  await fleet.pollNow(ids);
  assert.equal(
    hub.children.reduce((n, c) => n + c.wakeups + c.requests, 0),
    0,
    'no request ever reached a sleeping child'
  );

  // The Prometheus exposition carries the battery readings of a sleeping child.
  const text = await fleetMetricsText(fleet);
  const line = (name: string) => text.split('\n').find((l) => l.startsWith(name) && l.includes(`"${ids[0]}"`));
  assert.match(line('tapo_camera_battery_percent') ?? '', / 12$/);
  assert.match(line('tapo_camera_temperature_celsius') ?? '', / 62$/);
  assert.match(line('tapo_camera_battery_low') ?? '', / 1$/);
  assert.match(line('tapo_camera_power_source') ?? '', / 1$/);

  // The doorbell rings: it wakes by itself, the next poll asks it for its last alarm.
  const door = hub.child('D230');
  door.trigger('ring');
  const [doorPoll] = await fleet.pollNow([ids[2]!]);
  assert.equal(doorPoll!.status, 'online');
  await until(fleet, () => rec.events.some((e) => e.cameraId === ids[2] && e.kind === 'ring'), 'a ring event');
  assert.equal(door.wakeups, 0, 'it was awake already');

  // Battery readings in history, like other metrics.
  const series = await fleet.history({
    cameraIds: [ids[0]!],
    metrics: ['battery_pct', 'temperature_c', 'battery_low', 'power_source', 'battery_charging', 'uptime_s'],
    from: Date.now() - 60_000,
    to: Date.now() + 1000,
    maxPoints: 100,
  });
  const last = (metric: string) => {
    const s = series.find((x) => x.metric === metric)!;
    return s.values.filter((v) => v !== null).at(-1);
  };
  assert.equal(last('battery_pct'), 12);
  assert.equal(last('temperature_c'), 62);
  assert.equal(last('battery_low'), 1);
  assert.equal(last('power_source'), 1);
  assert.equal(last('battery_charging'), 0);
  assert.ok((last('uptime_s') ?? 0) > 0, 'link uptime in history');

  // A child removed from the hub leaves the fleet with the hub's next list (its history stays).
  hub.removeChild(hub.child('C425').deviceId);
  await until(fleet, () => fleet.camera(ids[1]!) === undefined, 'the removed child leaves the fleet');
  assert.ok(fleet.camera(ids[0]!), 'the others stay');

  // Removing the hub removes its children.
  await fleet.applyCameras([], { source: 'test' });
  assert.deepEqual(fleet.cameras(), []);
});
