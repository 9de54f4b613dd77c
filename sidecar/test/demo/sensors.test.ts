/**
 * The demo hub's sensors (issue 24): a T315, a T110 and a T300 behind the demo H200 become devices
 * of the fleet, listed by the `cameras` resource as sensors and answered by the sensors query with
 * their readings; the demo's home life (the back door, the cellar) shows in the next list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_SENSORS } from '../../src/demo/fleet.ts';
import { callResource } from '../../src/datasource/resources.ts';
import { sensorsQuery } from '../../src/datasource/query/sensors.ts';
import { createLogger } from '../../src/log.ts';
import type { CameraListItem } from '../../../src/shared/query.ts';
import { parseBody, resourceRequest } from '../helpers/resource-request.ts';
import { until } from '../fleet/helpers.ts';
import { startDemo, WATCHED } from '../helpers/demo-fleet.ts';

test('the demo fleet lists its hub sensors (T315, T110, T300) with readings, and they change', async (t) => {
  // The hub's list read at every poll here, so a change shows at once (once a minute in the demo).
  const { fleet, demo } = await startDemo(
    t,
    { ...WATCHED, count: 1, media: false, sensorEveryMs: 0 },
    { hubListMaxAgeMs: 0 }
  );
  const sensorIds = () => fleet.cameras().filter((c) => c.sensor);
  await until(
    fleet,
    () => sensorIds().length === DEMO_SENSORS.length && sensorIds().every((c) => c.last?.status === 'online'),
    'the demo sensors listed and online'
  );

  // As Grafana's editors see them: the cameras resource marks each as a sensor of its kind.
  const deps = { fleet, log: createLogger('silent'), metricsText: async () => '' };
  const res = await callResource(deps, resourceRequest('Viewer', 'cameras', { method: 'GET' }));
  assert.equal(res.code, 200);
  const list = parseBody(res.body) as CameraListItem[];
  assert.deepEqual(
    list
      .filter((c) => c.sensor)
      .map((c) => [c.name, c.model, c.sensor])
      .sort(),
    [
      ['Back door', 'T110', 'contact'],
      ['Cellar', 'T315', 'temp_humidity'],
      ['Under the sink', 'T300', 'water_leak'],
    ]
  );
  assert.ok(
    list.filter((c) => c.sensor).every((c) => c.id.startsWith('demo-hub.')),
    'ids made from the hub'
  );

  // The sensors panels' query: one row each, with the readings the simulated sensors have.
  const ctx = {
    fleet,
    uid: 'ds',
    from: 0,
    to: Date.now() + 1000,
    maxDataPoints: 100,
    intervalMS: 1000,
    fromAlert: false,
  };
  const [frame] = await sensorsQuery(ctx, { refId: 'A', queryType: 'sensors' });
  const field = (name: string) => frame!.fields.find((f) => f.name === name)!.values as unknown[];
  const rowOf = (name: string) => field('name').indexOf(name);
  assert.equal(field('name').length, 3);
  assert.equal(field('temperature_c')[rowOf('Cellar')], 12.4);
  assert.equal(field('humidity_pct')[rowOf('Cellar')], 71);
  assert.equal(field('contact_open')[rowOf('Back door')], false);
  assert.equal(field('water_leak')[rowOf('Under the sink')], false);

  // Home life: the door opens and the sink leaks; the hub's next list says so. (Sensors are polled
  // once a minute with the list, so the test asks now; the first ask joins polls still recorded.)
  const ids = sensorIds().map((c) => c.id);
  await fleet.pollNow(ids);
  demo.hub!.sensor('T110').setOpen(true);
  demo.hub!.sensor('T300').setLeak(true);
  const polled = await fleet.pollNow(ids);
  const byName = (name: string) => polled.find((p) => p?.cameraId === sensorIds().find((c) => c.name === name)?.id);
  assert.equal(byName('Back door')?.contactOpen, true);
  assert.equal(byName('Under the sink')?.waterLeak, true);
  assert.equal(byName('Cellar')?.temperatureC, 12.4);
});
