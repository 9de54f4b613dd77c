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
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { PLAYBACK_END, channels } from '../../../src/shared/query.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';
import {
  cameraEntry,
  cameraList,
  hubEntry,
  recordingsQuery,
  startStandaloneApp,
  streamRows,
  waitFor,
} from '../helpers/standalone-app.ts';

const SPEC = { width: 320, height: 180, fps: 15, kbps: 300, gop: 15 };

test("a camera recorded on the hub's disk: found by MAC, searched on the hub, played with the download form", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [],
    stream: { specs: { main: SPEC, sub: SPEC }, playbackSpeed: 4 },
  });
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
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const w = dayWindow('Europe/Berlin', day);
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
  const rows = await streamRows(app, channels.cameraPlayback('shed', clip.start, clip.end), (r) =>
    r.some((x) => x.kind === 'problem')
  );
  assert.deepEqual(
    rows.filter((r) => r.kind === 'problem').map((r) => r.error),
    [PLAYBACK_END],
    'the clip plays to its end'
  );
  const fragments = rows.filter((r) => r.kind === 'fragment').length;
  // 4 s at 15 fps: the download stops at the clip's end.
  assert.ok(fragments >= 58 && fragments <= 61, `${fragments} pictures`);
  // Not served as a live view (hub storage has none).
  assert.equal(hub.streamServer!.stats().sessions, sessionsBefore);
});
