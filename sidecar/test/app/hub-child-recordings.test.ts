/**
 * A battery camera behind a hub, through the composition root: the fleet lists the child from
 * the hub, the recordings query searches the child's own SD card through the hub's controlChild
 * (the fleet's hub client), and its clip plays on the playback channel from the hub's port 8800,
 * as a camera's own clip does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { PLAYBACK_END, channels } from '../../../src/shared/query.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';
import {
  cameraList,
  hubEntry,
  recordingsQuery,
  startStandaloneApp,
  streamRows,
  waitFor,
} from '../helpers/standalone-app.ts';

const SPEC = { width: 320, height: 180, fps: 15, kbps: 300, gop: 15 };

test("a hub child's recordings: listed through controlChild, played from the hub's port 8800", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [{ alias: 'Garden', model: 'C420', idleSleepMs: 600_000 }],
    stream: { specs: { main: SPEC, sub: SPEC }, playbackSpeed: 4 },
  });
  const child = hub.child('Garden');
  child.card.clear();
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const w = dayWindow('Europe/Berlin', day);
  const clip = { start: w.start + 600, end: w.start + 603, videoType: 2, events: [2, 6] };
  child.card.record(clip);
  const { app, stop } = await startStandaloneApp([hubEntry('hub', hub)]);
  t.after(async () => {
    await stop();
    await hub.close();
  });

  // The child is a camera once the fleet read the hub's list.
  const id = childCameraId('hub', child.deviceId);
  await waitFor(async () => (await cameraList(app)).some((c) => c.id === id), `the child ${id} is a camera`);

  const q = await recordingsQuery(app, [id], w.start, w.end);
  assert.deepEqual(q.notices, [], 'the child answered');
  assert.deepEqual(q.col('event'), ['Person']);
  assert.deepEqual(q.col('playback_channel'), [`ds//${channels.cameraPlayback(id, clip.start, clip.end)}`]);

  const rows = await streamRows(app, channels.cameraPlayback(id, clip.start, clip.end), (r) =>
    r.some((x) => x.kind === 'problem')
  );
  assert.deepEqual(
    rows.filter((r) => r.kind === 'problem').map((r) => r.error),
    [PLAYBACK_END]
  );
  const fragments = rows.filter((r) => r.kind === 'fragment').length;
  // 4 s at 15 fps (playback stops at the first picture past the clip).
  assert.ok(fragments >= 58 && fragments <= 60, `${fragments} pictures`);
});
