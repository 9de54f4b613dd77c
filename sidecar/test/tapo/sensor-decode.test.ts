/**
 * Sensors behind a hub: the decoder reads the real H200's sensor entries (and the T100/T300 as
 * recorded), each kind's readings; the simulated sensors send the real key paths; bad readings are
 * "not reported", never a crash or a made-up number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSensorEntry, SENSOR_LIST_PATHS } from '../../src/tapo/hub/sensor-decode.ts';
import { SimulatedSensor, type SensorModel } from '../../src/simulator/hub/sensor.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import { shapeDiff, shapeOf } from '../helpers/shapes.ts';
import { REAL_SENSOR_ENTRIES } from './fixtures/sensor-entries.ts';

test('every real sensor entry decodes to its kind and readings', () => {
  const t310 = decodeSensorEntry(REAL_SENSOR_ENTRIES.T310)!;
  assert.equal(t310.kind, 'temp_humidity');
  assert.equal(t310.temperatureC, 21.7);
  assert.equal(t310.humidityPct, 56);
  assert.equal(t310.batteryPercent, null, 'a T310 reports no battery percentage (python-kasa #875)');
  assert.equal(t310.lowBattery, false);
  assert.equal(t310.rssiDbm, -43);
  assert.equal(t310.signalLevel, 3);
  assert.equal(t310.alias, '#MASKED_NAME#', 'the base64 nickname, decoded');
  assert.equal(t310.online, true);
  assert.equal(t310.reportIntervalS, 16);
  const t315 = decodeSensorEntry(REAL_SENSOR_ENTRIES.T315)!;
  assert.equal(t315.batteryPercent, 100);
  assert.equal(t315.humidityPct, 58);
  const t110 = decodeSensorEntry(REAL_SENSOR_ENTRIES.T110)!;
  assert.equal(t110.kind, 'contact');
  assert.equal(t110.contactOpen, false);
  assert.equal(t110.temperatureC, null);
  const t100 = decodeSensorEntry(REAL_SENSOR_ENTRIES.T100)!;
  assert.equal(t100.kind, 'motion');
  assert.equal(t100.motionDetected, false);
  assert.equal(t100.reportIntervalS, 60);
  const t300 = decodeSensorEntry(REAL_SENSOR_ENTRIES.T300)!;
  assert.equal(t300.kind, 'water_leak');
  assert.equal(t300.waterLeak, false, 'in_alarm false, status water_dry');
  const s200 = decodeSensorEntry(REAL_SENSOR_ENTRIES.S200B)!;
  assert.equal(s200.kind, 'button');
  assert.equal(s200.contactOpen, null);
});

test('every path the sensor decoder reads exists in a real entry', () => {
  const all = Object.values(REAL_SENSOR_ENTRIES).flatMap((e) => Object.keys(e));
  for (const path of SENSOR_LIST_PATHS) {
    assert.ok(all.includes(path), `${path} is not in any real sensor entry`);
  }
});

test('the simulated sensors send the real key paths and types', () => {
  const pairs: Array<[SensorModel, string]> = [
    ['T310', 'T310'],
    ['T315', 'T315'],
    ['T110', 'T110'],
    ['T100', 'T100'],
    ['T300', 'T300'],
    ['S200B', 'S200B'],
  ];
  for (const [model, key] of pairs) {
    const sim = new SimulatedSensor({ alias: 'x', model }, '0'.repeat(40));
    if (model === 'T300') {
      sim.setLeak(false); // a recorded T300 had been triggered: trigger_timestamp is present
    }
    const diff = shapeDiff(shapeOf(REAL_SENSOR_ENTRIES[key]), shapeOf(sim.listEntry()));
    assert.deepEqual(diff, [], model);
    assert.equal(decodeSensorEntry(sim.listEntry())!.model, model);
  }
});

test('Fahrenheit, a leak by its status word, and out-of-range readings', () => {
  const f = decodeSensorEntry({ ...REAL_SENSOR_ENTRIES.T310, current_temp: 71.1, temp_unit: 'fahrenheit' })!;
  assert.equal(f.temperatureC, 21.7);
  const noAlarmKey = { ...REAL_SENSOR_ENTRIES.T300, water_leak_status: 'water_leak' } as Record<string, unknown>;
  delete noAlarmKey.in_alarm;
  assert.equal(decodeSensorEntry(noAlarmKey)!.waterLeak, true);
  const bad = decodeSensorEntry({
    ...REAL_SENSOR_ENTRIES.T310,
    current_temp: 'hot',
    current_humidity: 140,
    rssi: 0,
    at_low_battery: 'yes',
  })!;
  assert.equal(bad.temperatureC, null);
  assert.equal(bad.humidityPct, null);
  assert.equal(bad.rssiDbm, null, 'rssi 0 is no reading');
  assert.equal(bad.lowBattery, null);
  assert.equal(decodeSensorEntry({ ...REAL_SENSOR_ENTRIES.T310, category: 'subg.trv' }), null, 'a KE100 is not ours');
  assert.throws(
    () => decodeSensorEntry({ category: 'subg.trigger.button' }),
    (e: unknown) => e instanceof TapoError && e.kind === 'protocol' && /getChildDeviceList/.test(e.message)
  );
});
