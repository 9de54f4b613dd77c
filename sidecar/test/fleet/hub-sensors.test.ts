/**
 * Sensors behind a hub, end to end against the simulated H200 with one sensor of each kind: each
 * becomes a device of the fleet with its own readings (temperature, humidity, contact, motion,
 * leak, battery, signal), in history and in Prometheus; a change on the sensor shows with the
 * hub's next list; nothing is ever sent to a sensor; a removed sensor leaves; no picture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SENSOR_SET, SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { fleetMetricsText } from '../../src/http/prometheus.ts';
import { hubConfig, startFleet, tempStore, until } from './helpers.ts';

test('each sensor of the hub is a device with its own readings, history and gauges', async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'sensor-hub', stream: false, sensors: SENSOR_SET });
  t.after(() => hub.close());
  const { store } = await tempStore(t);
  // The list read at every poll here, so a change shows at once (a minute in production).
  const { fleet } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 0 });
  const idOf = (alias: string) => childCameraId('hub1', hub.sensor(alias).deviceId);
  const ids = hub.sensors.map((s) => idOf(s.alias));
  await until(fleet, () => ids.every((id) => fleet.camera(id)?.last?.status === 'online'), 'every sensor online');

  const living = fleet.camera(idOf('Living room'))!;
  assert.equal(living.sensor, 'temp_humidity');
  assert.equal(living.name, 'Living room', 'named as in the Tapo app');
  assert.equal(living.last!.model, 'T310');
  assert.equal(living.last!.temperatureC, 21.5);
  assert.equal(living.last!.humidityPct, 48);
  assert.equal(living.last!.batteryPercent, null, 'a T310 reports no percentage');
  assert.equal(living.last!.batteryLow, false);
  assert.equal(living.last!.rssiDbm, -52);
  assert.equal(living.ptz, false);
  const cellar = fleet.camera(idOf('Cellar'))!.last!;
  assert.equal(cellar.batteryPercent, 80);
  assert.equal(cellar.humidityPct, 71);
  assert.equal(fleet.camera(idOf('Front door contact'))!.last!.contactOpen, false);
  assert.equal(fleet.camera(idOf('Hallway motion'))!.last!.motionDetected, false);
  assert.equal(fleet.camera(idOf('Washing machine'))!.last!.waterLeak, false);
  assert.equal(fleet.camera(idOf('Bedside button'))!.sensor, 'button');

  // Things happen at home: the next list says so. (The first pollNow joins polls still being recorded.)
  await fleet.pollNow(ids);
  hub.sensor('Front door contact').setOpen(true);
  hub.sensor('Washing machine').setLeak(true);
  hub.sensor('Hallway motion').setDetected(true);
  hub.sensor('Living room').temperatureC = 24.1;
  hub.sensor('Cellar').lowBattery = true;
  const polled = await fleet.pollNow(ids);
  const by = new Map(polled.map((p) => [p.cameraId, p]));
  assert.equal(by.get(idOf('Front door contact'))!.contactOpen, true);
  assert.equal(by.get(idOf('Washing machine'))!.waterLeak, true);
  assert.equal(by.get(idOf('Hallway motion'))!.motionDetected, true);
  assert.equal(by.get(idOf('Living room'))!.temperatureC, 24.1);
  assert.equal(by.get(idOf('Cellar'))!.batteryLow, true);

  // History: temperature and humidity series, contact and leak states.
  const series = await fleet.history({
    cameraIds: [idOf('Living room'), idOf('Front door contact'), idOf('Washing machine')],
    metrics: ['temperature_c', 'humidity_pct', 'contact_open', 'water_leak'],
    from: Date.now() - 60_000,
    to: Date.now() + 1000,
    maxPoints: 100,
    aggregate: 'max',
  });
  const lastOf = (id: string, metric: string) =>
    series
      .find((s) => s.cameraId === id && s.metric === metric)!
      .values.filter((v) => v !== null)
      .at(-1);
  assert.equal(lastOf(idOf('Living room'), 'temperature_c'), 24.1);
  assert.equal(lastOf(idOf('Living room'), 'humidity_pct'), 48);
  assert.equal(lastOf(idOf('Front door contact'), 'contact_open'), 1);
  assert.equal(lastOf(idOf('Washing machine'), 'water_leak'), 1);

  // Prometheus.
  const text = await fleetMetricsText(fleet);
  const line = (name: string, id: string) => text.split('\n').find((l) => l.startsWith(name) && l.includes(`"${id}"`));
  assert.match(line('tapo_camera_humidity_percent', idOf('Cellar')) ?? '', / 71$/);
  assert.match(line('tapo_camera_contact_open', idOf('Front door contact')) ?? '', / 1$/);
  assert.match(line('tapo_camera_water_leak', idOf('Washing machine')) ?? '', / 1$/);

  // A sensor removed from the hub leaves the fleet; an unreachable one is offline.
  hub.sensors.find((s) => s.alias === 'Hallway motion')!.online = false;
  const [lost] = await fleet.pollNow([idOf('Hallway motion')]);
  assert.equal(lost!.status, 'offline');
  assert.match(lost!.error ?? '', /lost this sensor/);
  const buttonId = idOf('Bedside button');
  hub.sensors.splice(
    hub.sensors.findIndex((s) => s.alias === 'Bedside button'),
    1
  );
  await fleet.pollNow(['hub1']);
  await until(fleet, () => fleet.camera(buttonId) === undefined, 'the removed sensor leaves the fleet');
  assert.ok(fleet.camera(idOf('Living room')), 'the others stay');
});

test("button presses (and a motion sensor's motion) from the hub's trigger log are events, each once", async (t) => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'button-hub', stream: false, sensors: SENSOR_SET });
  t.after(() => hub.close());
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, [hubConfig(hub)], { hubListMaxAgeMs: 0 });
  const button = childCameraId('hub1', hub.sensor('Bedside button').deviceId);
  const motion = childCameraId('hub1', hub.sensor('Hallway motion').deviceId);
  await until(fleet, () => !!fleet.camera(button)?.last && !!fleet.camera(motion)?.last, 'both sensors polled');
  await fleet.pollNow([button, motion]);
  assert.equal(rec.events.filter((e) => e.cameraId === button).length, 0, 'no press yet');

  hub.sensor('Bedside button').press();
  hub.sensor('Bedside button').press('doubleClick');
  hub.sensor('Hallway motion').setDetected(true);
  await fleet.pollNow([button, motion]);
  await fleet.pollNow([button, motion]);
  const presses = rec.events.filter((e) => e.cameraId === button);
  assert.deepEqual(
    presses.map((e) => [e.kind, e.source]),
    [
      ['button', 'trigger_log'],
      ['button', 'trigger_log'],
    ],
    'two presses, each once'
  );
  assert.ok(
    presses.every((e) => Math.abs(e.start - Date.now()) < 60_000),
    'at the time the hub logged them'
  );
  assert.deepEqual(
    rec.events.filter((e) => e.cameraId === motion).map((e) => e.kind),
    ['motion']
  );
  const stored = await fleet.events([button], Date.now() - 120_000, Date.now() + 1000, ['button']);
  assert.equal(stored.length, 2);
  assert.equal(fleet.counters(button)!.events.button, 2);
});
