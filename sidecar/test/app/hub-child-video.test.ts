/**
 * The composition root serves a hub's child cameras through the simulated hub's own port-8800
 * stream (the hub entry names its stream port, as the demo fleet's does): the child the fleet
 * found on the hub's list plays H.264 on its Live video channel that ffprobe decodes, its frames
 * channel and the snapshot resource give JPEG pictures, all on the same path as a wired camera's,
 * and no packet carries the hub's password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { startGardenHub } from '../helpers/sim-hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { getRequest } from '../helpers/resource-request.ts';
import { ffprobeJson } from '../helpers/ffprobe.ts';
import { cameraListed, hubEntry, startStandaloneApp, streamUntil } from '../helpers/standalone-app.ts';

test('a simulated hub child plays decodable H.264 and JPEG through the hub stream, as cameras do', async (t) => {
  const hub = await startGardenHub({ idleSleepMs: 600_000 });
  assert.ok(hub.streamServer, 'the simulated hub serves port 8800');
  process.env.HUB_PASSWORD = hub.cloudPassword;
  const { app, dir, stop } = await startStandaloneApp([hubEntry('hub', hub, { passwordEnv: 'HUB_PASSWORD' })]);
  // The sidecar stops before the hub does (its feeds would otherwise log the hub going away).
  t.after(async () => {
    await stop();
    await hub.close();
  });

  // The child comes from the hub's list (the fleet adds it as a camera of its own).
  const id = childCameraId('hub', hub.child('Garden').deviceId);
  await cameraListed(app, id);

  // Video: init and fragments of the child's H.264, which ffprobe decodes.
  const video = await streamUntil(
    app,
    `camera/${id}/video/sub`,
    (rows) => rows.filter((r) => r.kind === 'fragment').length >= 20
  );
  const errors = video.rows.filter((r) => r.error).map((r) => r.error);
  assert.deepEqual(errors, []);
  const first = video.rows.findIndex((r) => r.kind === 'init');
  assert.ok(first >= 0, 'an init segment comes first');
  assert.match(String(video.rows[first]!.codec), /^avc1\./);
  assert.equal(video.rows[first]!.width, 320);
  assert.equal(video.rows[first]!.height, 180);
  const file = join(dir, 'child.mp4');
  const pieces = video.rows.slice(first).filter((r, i) => i === 0 || r.kind === 'fragment');
  writeFileSync(file, Buffer.concat(pieces.map((r) => Buffer.from(r.data as string, 'base64'))));
  const { frames } = await ffprobeJson<{ frames: Array<{ key_frame: number; width: number; height: number }> }>(
    file,
    'frame=key_frame,width,height'
  );
  assert.ok(frames.length >= 15, `ffprobe decoded ${frames.length} pictures`);
  assert.equal(frames[0]!.key_frame, 1);
  assert.ok(frames.every((f) => f.width === 320 && f.height === 180));

  // Pictures: the frames channel and a snapshot, JPEG made from the same session's H.264.
  const pictures = await streamUntil(app, `camera/${id}/frames/2/320`, (rows) => rows.some((r) => r.jpeg));
  const jpeg = Buffer.from(pictures.rows.find((r) => r.jpeg)!.jpeg as string, 'base64');
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
  const snap = await app.handlers.callResource(getRequest(`cameras/${id}/snapshot`));
  assert.equal(snap.code, 200, snap.body.toString().slice(0, 200));
  assert.deepEqual([...snap.body.subarray(0, 2)], [0xff, 0xd8]);

  const stats = hub.streamServer.stats();
  assert.equal(stats.authFailures, 0);
  assert.ok(stats.sessions >= 1);
  for (const p of [...video.packets, ...pictures.packets]) {
    assert.ok(!p.includes(hub.cloudPassword));
  }
});

test("the simulated hub's port 8800 follows its pairing and its children's sleep", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [
      { alias: 'Garden', model: 'C420' },
      { alias: 'Door', model: 'D230' },
    ],
  });
  t.after(() => hub.close());
  const { HubStreamSession, hubStreamUrl } = await import('../../src/media/hubstream/session.ts');
  const refusal = (deviceId: string) =>
    new HubStreamSession({
      cameraId: 'x',
      stream: 'sub',
      ...hubStreamUrl({ host: hub.host, port: hub.streamServer!.port, password: hub.cloudPassword, deviceId }),
      onInfo: () => undefined,
      onAccessUnit: () => undefined,
      onEnd: () => undefined,
    })
      .start()
      .then(
        () => assert.fail('started'),
        (e: { kind: string }) => e.kind
      );
  const door = hub.child('D230');
  door.sleep();
  door.faults.wontWake = true;
  assert.equal(await refusal(door.deviceId), 'asleep');
  const garden = hub.child('Garden').deviceId;
  hub.removeChild(garden);
  assert.equal(await refusal(garden), 'not_found');
  assert.equal(hub.streamServer!.stats().unknownChild, 1);
});
