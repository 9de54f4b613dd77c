/*
 * A battery camera behind a Tapo hub, played in headless Chromium from the BUILT sidecar: a
 * simulated H200 (sidecar/src/simulator/cli.ts --hub, one C420 behind it) is the datasource's only
 * camera entry (kind hub, with its port-8800 stream port); the sidecar lists the child from the
 * hub, reads its port-8800 stream (Digest, key exchange, AES-CBC, MPEG-TS) and serves the child's
 * Live video channel. As Grafana does: SubscribeStream, then RunStream, every packet forwarded
 * unchanged into the page, where the panel's MSE player decodes and shows it.
 * Needs `npm run build` first, ffmpeg (the simulated hub encodes its clip once), and Chromium.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { OUT, startBrowserHarness, startTogether } from './chromium.mjs';
import { pluginClients, pluginContext, runStream, startSidecar } from './sidecar.mjs';
import { startHubSimulator } from './simulator.mjs';

const UID = 'tapo-hub-ds';

let sidecar;
let sim;
let harness;
let clients;
let stream;

before(async () => {
  await startTogether(
    [
      startSidecar({ waitFor: null, args: ['--no-demo'] }),
      startHubSimulator({ children: 'C420' }),
      startBrowserHarness(),
    ],
    (v) => ([sidecar, sim, harness] = v)
  );
  clients = pluginClients(sidecar.address);
});

after(async () => {
  stream?.cancel();
  clients?.close();
  await Promise.allSettled([harness?.close(), sidecar?.stop(), sim?.stop()]);
});

describe('a hub child’s video in Chromium through the built sidecar’s RunStream (port-8800 stream of a simulated hub)', () => {
  it('the child found on the hub plays through MSE: frames decoded and shown', { timeout: 120_000 }, async () => {
    const { page, errors } = await harness.openPanel({ role: 'Viewer' });
    const ctx = pluginContext({ uid: UID, role: 'Viewer', jsonData: sim.jsonData, secure: sim.secure });
    const [id] = sim.ids;
    const path = `camera/${id}/video/sub`;
    const address = `ds/${UID}/${path}`;
    const subscribe = () =>
      new Promise((resolve, reject) =>
        clients.stream.SubscribeStream({ pluginContext: ctx, path }, (err, res) => (err ? reject(err) : resolve(res)))
      );
    // The child is a camera once the sidecar polled the hub and read its list: asked until then, bounded.
    const deadline = Date.now() + 30_000;
    let sub = await subscribe();
    while (sub.status !== 'OK' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      sub = await subscribe();
    }
    assert.equal(sub.status, 'OK', `the sidecar knows the hub's child ${id}`);

    await page.evaluate(
      (r) => window.tapoHarness.setVideoTiles(r),
      [
        {
          camera_id: id,
          camera_name: sim.children[0].name,
          status: 'online',
          stream: 'sub',
          video_channel: address,
          frames_channel: `ds/${UID}/camera/${id}/frames/2/640`,
        },
      ]
    );
    let chain = Promise.resolve();
    let forwarding = true;
    const received = [];
    const forward = (data) => {
      const text = data.toString('utf8');
      chain = chain.then(() =>
        forwarding ? page.evaluate(([a, t]) => window.tapoHarness.pushLive(a, JSON.parse(t)), [address, text]) : null
      );
    };
    if (sub.data.length) {
      forward(sub.data);
    }
    stream = runStream(clients.stream, { pluginContext: ctx, path });
    (async () => {
      for (;;) {
        const data = await stream.next(30_000).catch(() => null);
        if (!data) {
          return;
        }
        received.push(data);
        forward(data);
      }
    })();

    const stats = async () => (await page.evaluate(() => window.tapoHarness.videoStats()))[0];
    const waitFor = async (cond, what, ms = 60_000) => {
      const end = Date.now() + ms;
      let last;
      while (Date.now() < end) {
        last = await stats();
        if (last && cond(last)) {
          return last;
        }
        await page.waitForTimeout(100);
      }
      const { latencies, ...shown } = last ?? {};
      assert.fail(`${what} within ${ms} ms: ${JSON.stringify(shown)} (${latencies?.length ?? 0} latencies)`);
    };
    const a = await waitFor((t) => t.mode === 'video' && t.shownFrames >= 5, 'the child’s tile shows video');
    assert.equal(a.videoWidth, 640);
    assert.equal(a.videoHeight, 360);
    const t0 = Date.now();
    const b = await waitFor((t) => t.shownFrames >= a.shownFrames + 30, '30 more pictures');
    const seconds = (Date.now() - t0) / 1000;
    await page.locator('#panel').screenshot({ path: join(OUT, 'video-hub-child.png') });
    assert.equal(b.error, null, 'the video element reports no error');
    assert.equal(b.problem, null, 'no problem shown');
    assert.ok(b.decoded > a.decoded && b.currentTime > a.currentTime, 'decoding and playback advance');
    console.log(
      `# hub child ${id}: shown ${((b.shownFrames - a.shownFrames) / seconds).toFixed(1)} fps, dropped ${b.dropped}`
    );
    forwarding = false;
    stream.cancel();
    await chain;
    const all = Buffer.concat(received).toString('utf8');
    for (const secret of sim.secrets) {
      assert.ok(!all.includes(secret), 'no hub password in a Live packet');
      assert.ok(!sidecar.logTail().includes(secret), 'no hub password in the sidecar log');
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
});
