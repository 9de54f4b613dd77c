/**
 * The demo's garage camera has no card: the demo hub records it on its own disk (hub storage), so
 * its recordings come from the hub (found in the hub's general device list by the camera's MAC),
 * while a camera with a card keeps reading its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GARAGE_INDEX } from '../../src/demo/fleet.ts';
import { cameraRecordings } from '../../src/app/recordings.ts';
import { until } from '../fleet/helpers.ts';
import { startDemo, WATCHED } from '../helpers/demo-fleet.ts';

test("the demo garage camera's recordings come from the demo hub's disk", async (t) => {
  const { fleet, demo } = await startDemo(t, { ...WATCHED, count: GARAGE_INDEX + 1, media: false, sensorEveryMs: 0 });
  const garage = demo.cameras[GARAGE_INDEX]!.id;
  const withCard = demo.cameras[0]!.id;
  await until(
    fleet,
    () => [garage, withCard, 'demo-hub'].every((id) => fleet.camera(id)?.last?.status === 'online'),
    'the garage, a camera with a card and the hub online'
  );
  assert.equal(fleet.camera(garage)!.last!.sdCardStatus, 'offline', 'the garage camera has no card');

  const recordings = cameraRecordings(fleet, (id) => fleet.camera(id)?.name ?? id);
  const now = Date.now();
  const fromHub = await recordings.clips(garage, now - 3 * 86_400_000, now);
  const stored = demo.hub!.storage.get(demo.simulated.cameras[GARAGE_INDEX]!.device.deviceId.toUpperCase())!;
  assert.ok(fromHub.clips.length > 0, 'the hub has the garage camera on its disk');
  assert.deepEqual(
    fromHub.clips.map((c) => c.start),
    stored.card
      .segments()
      .filter((s) => s.end * 1000 >= now - 3 * 86_400_000)
      .map((s) => s.start),
    "exactly the hub's recordings of it"
  );
  // A camera with a card of its own: its own clips, not the hub's.
  const own = await recordings.clips(withCard, now - 3 * 86_400_000, now);
  const card = demo.simulated.cameras[0]!.device.card;
  assert.deepEqual(
    own.clips.map((c) => c.start),
    card
      .segments()
      .filter((s) => s.end * 1000 >= now - 3 * 86_400_000)
      .map((s) => s.start)
  );
});
