/**
 * A battery camera behind a hub, through the composition root: the fleet lists the child from
 * the hub, the recordings query searches the child's own SD card through the hub's controlChild
 * (the fleet's hub client), and its clip plays on the playback channel from the hub's port 8800,
 * as a camera's own clip does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { PLAYBACK_END, channels } from '../../../src/shared/query.ts';
import { startGardenHub, yesterdayWindow } from '../helpers/sim-hub.ts';
import { cameraListed, hubEntry, playToEnd, recordingsQuery, startStandaloneApp } from '../helpers/standalone-app.ts';

test("a hub child's recordings: listed through controlChild, played from the hub's port 8800", async (t) => {
  const hub = await startGardenHub({ idleSleepMs: 600_000, playback: true });
  const child = hub.child('Garden');
  child.card.clear();
  const w = yesterdayWindow();
  const clip = { start: w.start + 600, end: w.start + 603, videoType: 2, events: [2, 6] };
  child.card.record(clip);
  const { app, stop } = await startStandaloneApp([hubEntry('hub', hub)]);
  t.after(async () => {
    await stop();
    await hub.close();
  });

  // The child is a camera once the fleet read the hub's list.
  const id = childCameraId('hub', child.deviceId);
  await cameraListed(app, id);

  const q = await recordingsQuery(app, [id], w.start, w.end);
  assert.deepEqual(q.notices, [], 'the child answered');
  assert.deepEqual(q.col('event'), ['Person']);
  assert.deepEqual(q.col('playback_channel'), [`ds//${channels.cameraPlayback(id, clip.start, clip.end)}`]);

  const { problems, fragments } = await playToEnd(app, channels.cameraPlayback(id, clip.start, clip.end));
  assert.deepEqual(problems, [PLAYBACK_END]);
  // 4 s at 15 fps (playback stops at the first picture past the clip).
  assert.ok(fragments >= 58 && fragments <= 60, `${fragments} pictures`);
});
