/**
 * A Wi-Fi camera without a card that a hub records on its own disk (H200 "hub storage", recordings
 * sheet §0, §13), through the composition root: the recordings query finds the camera in the hub's
 * getGeneralDeviceList by MAC, asks the hub for its days and clips with the camera named inline,
 * and its clip plays on the playback channel from the hub's port 8800 with the `type=download`
 * request form (the simulated hub serves hub-storage clips to no other form). A camera with no card
 * that no hub records still says "no SD card".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { PLAYBACK_END, channels } from '../../../src/shared/query.ts';
import { startGardenHub, yesterdayWindow } from '../helpers/sim-hub.ts';
import {
  cameraEntry,
  cameraList,
  hubEntry,
  playToEnd,
  recordingsQuery,
  startStandaloneApp,
  waitFor,
} from '../helpers/standalone-app.ts';

test("a camera recorded on the hub's disk: found by MAC, searched on the hub, played with the download form", async (t) => {
  const hub = await startGardenHub({ garden: false, playback: true });
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Shed' });
  cam.device.card.state = 'none';
  const bare = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Attic' });
  bare.device.card.state = 'none';
  const card = hub.pairForStorage({
    deviceId: cam.device.deviceId,
    mac: cam.device.mac,
    model: cam.model,
    alias: 'Shed',
  });
  card.clear();
  const w = yesterdayWindow();
  const clip = { start: w.start + 900, end: w.start + 903, videoType: 2, events: [2, 8] };
  card.record(clip);

  const { app, stop } = await startStandaloneApp([
    hubEntry('hub', hub),
    cameraEntry('shed', cam),
    cameraEntry('attic', bare),
  ]);
  t.after(async () => {
    await stop();
    await Promise.allSettled([hub.close(), cam.close(), bare.close()]);
  });
  // The route needs the camera's MAC (its first poll) and the hub's login.
  await waitFor(async () => {
    const list = await cameraList(app);
    return ['hub', 'shed', 'attic'].every((id) => list.find((c) => c.id === id)?.status === 'online');
  }, 'hub and cameras online');

  const q = await recordingsQuery(app, ['shed', 'attic'], w.start, w.end);
  assert.deepEqual(
    q.notices.filter((n) => n.includes('Shed')),
    [],
    `the hub answered for Shed: ${JSON.stringify(q.notices)}`
  );
  assert.ok(
    q.notices.some((n) => n.includes('Attic') && /no SD card/i.test(n)),
    `a card-less camera no hub records still says so: ${JSON.stringify(q.notices)}`
  );
  assert.deepEqual(q.col('camera_id'), ['shed']);
  assert.deepEqual(q.col('event'), ['Vehicle']);
  assert.deepEqual(q.col('playback_channel'), [`ds//${channels.cameraPlayback('shed', clip.start, clip.end)}`]);

  const sessionsBefore = hub.streamServer!.stats().sessions;
  const { problems, fragments } = await playToEnd(app, channels.cameraPlayback('shed', clip.start, clip.end));
  assert.deepEqual(problems, [PLAYBACK_END], 'the clip plays to its end');
  // 4 s at 15 fps: the download stops at the clip's end.
  assert.ok(fragments >= 58 && fragments <= 61, `${fragments} pictures`);
  // Not served as a live view (hub storage has none).
  assert.equal(hub.streamServer!.stats().sessions, sessionsBefore);
});
