/*
 * The built panel in headless Chromium playing REAL H.264 through Media Source Extensions from the
 * BUILT sidecar (dist/datasource/sidecar/main.mjs, standalone, no demo fleet): 4 simulated cameras
 * (sidecar/src/simulator --media: their real local API and RTSP, stream2 at 640×360, 15 fps) are the
 * datasource's cameras; the sidecar's own RTSP client reads them, packages fMP4 and serves the Live
 * video channel. This test opens each channel as Grafana does (SubscribeStream, then RunStream) and
 * forwards every packet unchanged into the page as Grafana Live messages. Reads from the <video>
 * elements what was decoded and shown (getVideoPlaybackQuality, requestVideoFrameCallback) and, per
 * picture, the time from its packet's arrival in the page to its frame on screen. Prints frames per
 * second per tile and latency p95: figures, not goals.
 * Needs `npm run build` first, ffmpeg (the simulator encodes its clips once), and Chromium.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { OUT, startBrowserHarness, startTogether } from './chromium.mjs';
import { pluginClients, pluginContext, runStream, startSidecar } from './sidecar.mjs';
import { startSimulator } from './simulator.mjs';

const UID = 'tapo-ds';
const CAMERAS = 4;
const FPS = 15;

const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

let sidecar;
let sim;
let harness;
let clients;
const streams = [];

before(async () => {
  await startTogether(
    [startSidecar({ waitFor: null, args: ['--no-demo'] }), startSimulator({ cameras: CAMERAS }), startBrowserHarness()],
    (v) => ([sidecar, sim, harness] = v)
  );
  clients = pluginClients(sidecar.address);
});

after(async () => {
  streams.forEach((s) => s.cancel());
  clients?.close();
  await Promise.allSettled([harness?.close(), sidecar?.stop(), sim?.stop()]);
});

describe('video tiles in Chromium with H.264 from the built sidecar’s RunStream, read from simulated cameras over RTSP', () => {
  it('plays 4 cameras through MSE: frames are decoded and shown, and keep coming', { timeout: 120_000 }, async () => {
    const { page, errors } = await harness.openPanel({ role: 'Viewer' });
    assert.equal(
      await page.evaluate(() => window.tapoHarness.canPlay('video/mp4; codecs="avc1.64001e"')),
      true,
      'this Chromium plays H.264 through MSE'
    );
    const ctx = pluginContext({ uid: UID, role: 'Viewer', jsonData: sim.jsonData, secure: sim.secure });
    const rows = sim.ids.map((id, i) => ({
      camera_id: id,
      camera_name: sim.jsonData.cameras[i].name,
      status: 'online',
      stream: 'sub',
      video_channel: `ds/${UID}/camera/${id}/video/sub`,
      frames_channel: `ds/${UID}/camera/${id}/frames/2/640`,
    }));
    await page.evaluate((r) => window.tapoHarness.setVideoTiles(r), rows);

    // As Grafana: SubscribeStream (its initial data goes to the subscriber), then one RunStream per channel.
    // Packets go into the page in order, in batches (one evaluate per batch, as a busy machine allows).
    let pending = [];
    let chain = Promise.resolve();
    let forwarding = true;
    const forward = (address, data) => {
      pending.push([address, data.toString('utf8')]);
      if (pending.length > 1) {
        return; // a batch is already on its way
      }
      chain = chain.then(async () => {
        await Promise.resolve();
        const batch = pending;
        pending = [];
        if (forwarding) {
          await page.evaluate((b) => b.forEach(([a, t]) => window.tapoHarness.pushLive(a, JSON.parse(t))), batch);
        }
      });
    };
    let maxPacket = 0;
    const received = [];
    for (const id of sim.ids) {
      const path = `camera/${id}/video/sub`;
      const address = `ds/${UID}/${path}`;
      const sub = await new Promise((resolve, reject) =>
        clients.stream.SubscribeStream({ pluginContext: ctx, path }, (err, res) => (err ? reject(err) : resolve(res)))
      );
      assert.equal(sub.status, 'OK');
      if (sub.data.length) {
        forward(address, sub.data);
      }
      const s = runStream(clients.stream, { pluginContext: ctx, path });
      streams.push(s);
      (async () => {
        for (;;) {
          const data = await s.next(30_000).catch(() => null);
          if (!data) {
            return;
          }
          maxPacket = Math.max(maxPacket, data.length);
          received.push(data);
          forward(address, data);
        }
      })();
    }

    const stats = () => page.evaluate(() => window.tapoHarness.videoStats());
    /** Bounded polling of the page until every tile satisfies `cond`. */
    const waitAll = async (cond, what, ms = 60_000) => {
      const deadline = Date.now() + ms;
      let last;
      while (Date.now() < deadline) {
        last = await stats();
        if (last.length === CAMERAS && last.every(cond)) {
          return last;
        }
        await page.waitForTimeout(100);
      }
      assert.fail(`${what} within ${ms} ms: ${JSON.stringify(last.map(({ latencies, ...s }) => s))}`);
    };

    const started = await waitAll((t) => t.mode === 'video' && t.shownFrames >= 5, 'every tile shows video');
    assert.ok(
      started.every((t) => t.videoWidth === 640 && t.videoHeight === 360),
      'decoded at the stream’s size'
    );
    const t0 = Date.now();
    const a = await stats();
    // Measure over 45 shown pictures per tile (3 s of the cameras' time).
    const b = await waitAll(
      (t) => t.shownFrames >= (a.find((x) => x.cameraId === t.cameraId)?.shownFrames ?? 0) + 45,
      '45 more pictures on every tile'
    );
    const seconds = (Date.now() - t0) / 1000;
    await page.locator('#panel').screenshot({ path: join(OUT, 'video-4.png') });

    const lat = b.flatMap((t) => t.latencies);
    for (const t of b) {
      const before = a.find((x) => x.cameraId === t.cameraId);
      assert.equal(t.error, null, `${t.cameraId}: the video element reports no error`);
      assert.equal(t.problem, null, `${t.cameraId}: no problem shown`);
      assert.ok(t.decoded > before.decoded, `${t.cameraId}: decoding advances`);
      assert.ok(t.currentTime > before.currentTime, `${t.cameraId}: playback advances`);
      const fps = (t.shownFrames - before.shownFrames) / seconds;
      const decodedFps = (t.decoded - before.decoded) / seconds;
      console.log(
        `# ${t.cameraId}: shown ${fps.toFixed(1)} fps, decoded ${decodedFps.toFixed(1)} fps (camera ${FPS}), dropped ${t.dropped}`
      );
    }
    assert.ok(lat.length > 0, 'pictures were matched to their packets');
    console.log(
      `# arrival → screen latency over ${lat.length} pictures: p50 ${percentile(lat, 50).toFixed(0)} ms, p95 ${percentile(lat, 95).toFixed(0)} ms`
    );
    console.log(`# largest Live packet: ${maxPacket} bytes`);
    forwarding = false;
    streams.forEach((st) => st.cancel());
    await chain;
    const all = Buffer.concat(received).toString('utf8');
    for (const secret of sim.secrets) {
      assert.ok(!all.includes(secret), 'no camera password in a Live packet');
    }
    assert.ok(!sidecar.logTail().includes(sim.secrets[0]), 'no camera password in the sidecar log');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
