/** The demo fleet: simulated cameras in-process, polled by the real client, with a flapping camera, motion and pictures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { until } from '../fleet/helpers.ts';
import { startDemo, WATCHED } from '../helpers/demo-fleet.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

test('the demo fleet runs six varied simulated cameras, one flapping, with motion, ONVIF and RTSP pictures', async (t) => {
  // Backoff capped so the flapping camera is asked again soon after it comes back. The test flaps
  // the camera itself, on what the fleet saw (startDemo has no timed flaps): a timed flap (every
  // 400 ms) could end each online phase before a loaded machine finished a login, so it never came back.
  const { fleet, demo } = await startDemo(t, WATCHED, { maxBackoffMs: 600 });

  assert.equal(demo.cameras.length, 6);
  assert.deepEqual(
    fleet.cameras().map((c) => c.id),
    ['demo-1', 'demo-2', 'demo-3', 'demo-4', 'demo-5', 'demo-6', 'demo-hub']
  );
  assert.equal(new Set(demo.cameras.map((c) => c.name)).size, 6);
  const flapId = demo.cameras[demo.flappingIndex]!.id;
  const statuses = new Map<string, Set<string>>();
  const flapping = demo.simulated.cameras[demo.flappingIndex]!;
  fleet.on('poll', (p) => {
    const seen = statuses.get(p.cameraId) ?? new Set();
    statuses.set(p.cameraId, seen.add(p.status));
    if (p.cameraId === flapId) {
      // Down once it was seen up, back up once it was seen down.
      flapping.setFault({ offline: !seen.has('offline') });
    }
  });
  await until(
    fleet,
    () =>
      fleet.cameras().length === 12 &&
      fleet.cameras().every((c) => c.last !== null) &&
      (statuses.get(flapId)?.size ?? 0) >= 2,
    'every camera polled, the flapping one both ways'
  );
  // The demo hub's two battery children are cameras of their own (its three sensors are devices too).
  assert.deepEqual(
    fleet
      .cameras()
      .filter((c) => fleet.cameraConfig(c.id)?.hubChild?.hubId === 'demo-hub' && !c.sensor)
      .map((c) => [c.name, fleet.model(c.id)]),
    [
      ['Back garden', 'C420'],
      ['Doorbell', 'D230'],
    ]
  );
  const models = new Set(fleet.cameras().map((c) => fleet.model(c.id)));
  assert.ok(models.size >= 4, `varied models: ${[...models].join(', ')}`);
  for (const c of fleet.cameras()) {
    if (fleet.cameraConfig(c.id)?.hubChild && !c.sensor) {
      // The hub's battery children sleep until something wakes them.
      assert.ok(['online', 'sleeping'].includes(c.last!.status), `${c.id}: ${c.last!.status}`);
    } else if (c.id !== flapId) {
      assert.equal(c.last!.status, 'online', `${c.id}: ${c.last!.error}`);
    }
  }
  assert.ok(statuses.get(flapId)!.has('offline') && statuses.get(flapId)!.has('online'));
  // One demo camera is on 2026 firmware (login v4): online like the others, and says so.
  const logins = fleet.cameras().map((c) => c.last!.login);
  assert.equal(logins[3], 'tpap');
  assert.equal(fleet.model('demo-4'), 'C510W');
  assert.ok(logins.includes('secure') && logins.includes('legacy'), logins.join(', '));

  // Motion on a demo camera arrives as an event (ONVIF where the model has it).
  const withOnvif = demo.cameras.findIndex((c) => c.onvifPort !== null);
  if (hasFfmpeg) {
    assert.ok(withOnvif >= 0, 'media extras give ONVIF endpoints');
  }
  const idx = withOnvif >= 0 ? withOnvif : 0;
  if (withOnvif >= 0) {
    await until(fleet, () => fleet.motionBySubscription(demo.cameras[idx]!.id), 'ONVIF subscription');
  }
  const events: string[] = [];
  fleet.on('event', (e) => events.push(`${e.cameraId}:${e.source}`));
  demo.simulated.cameras[idx]!.triggerMotion('motion');
  await until(fleet, () => events.some((e) => e.startsWith(demo.cameras[idx]!.id)), 'a demo motion event');

  if (hasFfmpeg) {
    const cam = demo.cameras.find((c) => c.rtspUrlOverride)!;
    assert.ok(cam, 'cameras with RTSP get a stream URL');
    const pipe = new FramePipeline();
    t.after(() => pipe.close());
    const frame = await pipe.snapshot(
      { cameraId: cam.id, url: cam.rtspUrlOverride!, maskedUrl: 'rtsp://***' },
      { width: 160, timeoutMs: 60_000 }
    );
    assert.equal(frame.jpeg[0], 0xff);
    assert.equal(frame.jpeg[1], 0xd8);
    assert.equal(frame.width, 160);
    // The hub's children stream through its port 8800 (the app plays them as hub-child-video tests).
    assert.ok(demo.hub?.streamServer, 'the demo hub serves its stream port');
    assert.equal(fleet.cameraConfig('demo-hub')?.streamPort, demo.hub.streamServer.port);
  }

  await demo.stop();
  assert.deepEqual(fleet.cameras(), [], 'stopping the demo removes its cameras');
});
