/**
 * The sensors query (issue 24): one row per sensor behind a hub with its readings, cameras left
 * out, filtered by kind; an unknown kind is the query's error in words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sensorsQuery } from '../../src/datasource/query/sensors.ts';
import { parseQuery, QueryError } from '../../src/datasource/query/parse.ts';
import type { QueryContext } from '../../src/datasource/query/context.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';

function fleetWithSensors(): MemoryFleet {
  const fleet = new MemoryFleet();
  fleet.addCamera('cam', 'Porch camera', poll('cam', 1000));
  fleet.addCamera('hub.1', 'Living room', poll('hub.1', 1000, { model: 'T310', temperatureC: 21.5, humidityPct: 48 }));
  fleet.addCamera('hub.2', 'Front door', poll('hub.2', 1000, { model: 'T110', contactOpen: true, batteryLow: false }));
  fleet.addCamera('hub.3', 'Washer', poll('hub.3', 1000, { model: 'T300', waterLeak: false, batteryPercent: 90 }));
  const snap = (id: string) => (fleet as unknown as { snapshots: Map<string, { sensor?: string }> }).snapshots.get(id)!;
  snap('hub.1').sensor = 'temp_humidity';
  snap('hub.2').sensor = 'contact';
  snap('hub.3').sensor = 'water_leak';
  return fleet;
}

const ctx = (fleet: MemoryFleet): QueryContext => ({
  fleet,
  uid: 'ds',
  from: 0,
  to: 2000,
  maxDataPoints: 100,
  intervalMS: 1000,
  fromAlert: false,
});

test('one row per sensor with its readings; cameras are not sensors', async () => {
  const [frame] = await sensorsQuery(ctx(fleetWithSensors()), { refId: 'A', queryType: 'sensors' });
  const field = (name: string) => frame!.fields.find((f) => f.name === name)!.values;
  assert.deepEqual(field('sensor_id'), ['hub.1', 'hub.2', 'hub.3']);
  assert.deepEqual(field('kind'), ['Temperature and humidity', 'Door/window contact', 'Water leak sensor']);
  assert.deepEqual(field('temperature_c'), [21.5, null, null]);
  assert.deepEqual(field('humidity_pct'), [48, null, null]);
  assert.deepEqual(field('contact_open'), [null, true, null]);
  assert.deepEqual(field('water_leak'), [null, null, false]);
  assert.deepEqual(field('battery_pct'), [null, null, 90]);
});

test('sensor kinds filter the rows; an unknown kind is refused in words', async () => {
  const q = parseQuery({
    refId: 'B',
    queryType: 'sensors',
    json: Buffer.from(JSON.stringify({ sensorKinds: ['contact', 'water_leak'] })),
  } as never);
  const [frame] = await sensorsQuery(ctx(fleetWithSensors()), q);
  assert.deepEqual(frame!.fields.find((f) => f.name === 'name')!.values, ['Front door', 'Washer']);
  assert.throws(
    () =>
      parseQuery({
        refId: 'C',
        queryType: 'sensors',
        json: Buffer.from(JSON.stringify({ sensorKinds: ['smoke'] })),
      } as never),
    (e: unknown) => e instanceof QueryError && /sensorKinds/.test(e.message)
  );
});

test('in an alert rule, the sensors query answers each temperature sensor as one instance', async () => {
  const [frame] = await sensorsQuery(
    { ...ctx(fleetWithSensors()), fromAlert: true },
    { refId: 'A', queryType: 'sensors' }
  );
  assert.deepEqual(
    frame!.fields.map((f) => [f.name, f.type]),
    [
      ['camera_id', 'string'],
      ['camera_name', 'string'],
      ['model', 'string'],
      ['temperature_c', 'number'],
    ]
  );
  assert.deepEqual(frame!.fields.at(-1)!.values, [21.5], 'the contact and leak sensors measure no temperature');
});
