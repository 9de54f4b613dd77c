/** The media extras on the colleague's simulated fleet: RTSP and ONVIF per camera, none for battery models. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedFleet } from '../../src/simulator/fleet.ts';
import { mediaExtras, type MediaExtras } from '../../src/simulator/media-extras.ts';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { rtspSource } from '../../src/tapo/rtsp.ts';
import { OnvifEventClient, type OnvifEvent } from '../../src/tapo/onvif.ts';
import { deadline } from './helpers.ts';

test('a simulated fleet with media extras serves frames and ONVIF events with each camera account', async () => {
  const fleet = await startSimulatedFleet({
    count: 2,
    profiles: ['C210', 'C400'],
    extras: mediaExtras(),
    cameraOptions: () => ({ motionDurationMs: 300 }),
  });
  const pipeline = new FramePipeline({ idleMs: 100 });
  let client: OnvifEventClient | null = null;
  try {
    const [wired, battery] = fleet.describe();
    assert.ok(wired.rtspPort && wired.onvifPort, 'the C210 has RTSP and ONVIF');
    assert.equal(battery.rtspPort, null, 'battery cameras have no RTSP');
    assert.equal(battery.onvifPort, null, 'battery cameras have no ONVIF');
    const extras = fleet.extras[0] as MediaExtras;
    assert.ok(extras.rtsp && extras.onvif);

    const src = rtspSource('front', {
      host: wired.host,
      port: wired.rtspPort!,
      ...wired.cameraAccount,
      stream: 'stream2',
    });
    const frame = await pipeline.snapshot(src, { width: 320, timeoutMs: 15_000 });
    assert.deepEqual([frame.width, frame.height], [320, 180]);

    const events: OnvifEvent[] = [];
    let done!: () => void;
    const ended = new Promise<void>((r) => (done = r));
    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    client = new OnvifEventClient({
      host: wired.host,
      port: wired.onvifPort!,
      ...wired.cameraAccount,
      pullTimeoutSec: 2,
      onState: (s) => s === 'subscribed' && subscribed(),
      onEvent: (e) => {
        events.push(e);
        if (e.phase === 'end') {
          done();
        }
      },
    });
    client.start();
    await deadline(ready, 10_000, 'the ONVIF subscription');
    fleet.cameras[0].triggerMotion('person');
    await deadline(ended, 10_000, 'the person event to start and end');
    assert.deepEqual(
      events.map((e) => `${e.kind}:${e.phase}`),
      ['person:start', 'person:end']
    );
    // Tapo stamps events to the second.
    assert.ok(events[1].end! >= events[1].start && events[1].start === events[0].start);
  } finally {
    await client?.stop();
    await pipeline.close();
    await fleet.close();
  }
});
