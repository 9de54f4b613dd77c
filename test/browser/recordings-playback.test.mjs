/*
 * The camera's own recordings in headless Chromium, from the BUILT sidecar and panel: three
 * simulated C210s (sidecar/src/simulator/cli.ts --media --sd-cards normal,none,held) record onto
 * their simulated SD cards; the datasource's recordings query lists the clips (QueryData over
 * gRPC), the panel shows them, and a click plays the clip from the card through the sidecar's
 * playback channel (SubscribeStream, then RunStream, every packet forwarded unchanged into the
 * page, as Grafana does) and the panel's MSE player; the slider seeks (a new channel from that
 * second); the card-less camera is a notice and the camera whose media session the Tapo app holds
 * says so. Needs `npm run build` first, ffmpeg (the simulator encodes its clip once), and Chromium.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { tableFromIPC } from 'apache-arrow';

import { OUT, startBrowserHarness, startTogether } from './chromium.mjs';
import { pluginClients, pluginContext, runStream, startSidecar } from './sidecar.mjs';
import { startSimulator } from './simulator.mjs';

const UID = 'tapo-recordings-ds';

let sidecar;
let sim;
let harness;
let clients;
const streams = [];

before(async () => {
  await startTogether(
    [
      startSidecar({ waitFor: null, args: ['--no-demo'] }),
      startSimulator({ cameras: 3, models: 'C210', sdCards: 'normal,none,held' }),
      startBrowserHarness(),
    ],
    (v) => ([sidecar, sim, harness] = v)
  );
  clients = pluginClients(sidecar.address);
});

after(async () => {
  streams.forEach((s) => s.cancel());
  clients?.close();
  await Promise.allSettled([harness?.close(), sidecar?.stop(), sim?.stop()]);
});

/** The recordings query through QueryData, as Grafana sends it; its frame as frame JSON for the page. */
async function recordingsQuery(ctx, cameras) {
  const now = Date.now();
  const res = await new Promise((resolve, reject) =>
    clients.data.QueryData(
      {
        pluginContext: ctx,
        headers: {},
        queries: [
          {
            refId: 'A',
            queryType: 'recordings',
            maxDataPoints: 100,
            intervalMS: 1000,
            timeRange: { fromEpochMS: now - 4 * 86_400_000, toEpochMS: now },
            json: Buffer.from(JSON.stringify({ cameras })),
          },
        ],
      },
      (err, r) => (err ? reject(err) : resolve(r))
    )
  );
  const answer = res.responses.A;
  assert.equal(answer.error, '', 'the recordings query succeeds');
  const table = tableFromIPC(answer.frames[0]);
  const meta = JSON.parse(table.schema.metadata.get('meta') ?? '{}');
  const fields = table.schema.fields.map((f) => {
    const values = [...table.getChild(f.name).toArray()];
    const time = f.name === 'time' || f.name === 'time_end';
    return { name: f.name, type: time ? 'time' : typeof values[0] === 'number' ? 'number' : 'string', values };
  });
  const col = (name) => fields.find((f) => f.name === name).values;
  const ms = (v) => Number(BigInt(v) / 1_000_000n);
  const rows = col('camera_id').map((cameraId, i) => ({
    cameraId,
    name: col('camera_name')[i],
    start: ms(col('time')[i]),
    end: ms(col('time_end')[i]),
    channel: col('playback_channel')[i],
  }));
  const json = {
    schema: { name: 'recordings', refId: 'A', meta, fields: fields.map(({ name, type }) => ({ name, type })) },
    data: { values: fields.map((f) => (f.type === 'time' ? f.values.map(ms) : f.values)) },
  };
  return { rows, meta, json };
}

describe('recorded clips in Chromium through the built sidecar’s playback channel (simulated SD cards)', () => {
  it(
    'plays a clip, seeks within it, and shows the no-card notice and the busy message',
    { timeout: 240_000 },
    async () => {
      const { page, errors } = await harness.openPanel({ role: 'Viewer' });
      const ctx = pluginContext({ uid: UID, role: 'Viewer', jsonData: sim.jsonData, secure: sim.secure });
      const [withCard, noCard, held] = sim.ids;
      const names = sim.cameras.map((c) => c.name);

      const { rows, meta, json } = await recordingsQuery(ctx, [withCard, noCard, held]);
      assert.deepEqual(
        meta.notices?.map((n) => n.text),
        [`${names[1]}: the camera has no SD card`]
      );
      assert.ok(rows.some((r) => r.cameraId === withCard) && rows.some((r) => r.cameraId === held));
      await page.evaluate(([j]) => window.tapoHarness.pushFrameJSON('recordings-query', j), [json]);
      await page.getByText(`${names[1]}: the camera has no SD card`).waitFor();

      /** Forwards a channel's packets into the page, as Grafana Live does, once the panel watches it. */
      const play = async (address) => {
        const path = address.replace(`ds/${UID}/`, '');
        const end = Date.now() + 10_000;
        while ((await page.evaluate((a) => window.tapoHarness.liveSubscribers(a), address)) === 0) {
          assert.ok(Date.now() < end, `the panel subscribes to ${address}`);
          await page.waitForTimeout(50);
        }
        const sub = await new Promise((resolve, reject) =>
          clients.stream.SubscribeStream({ pluginContext: ctx, path }, (err, r) => (err ? reject(err) : resolve(r)))
        );
        assert.equal(sub.status, 'OK');
        const s = runStream(clients.stream, { pluginContext: ctx, path });
        streams.push(s);
        let chain = Promise.resolve();
        (async () => {
          for (;;) {
            const data = await s.next(60_000).catch(() => null);
            if (!data) {
              return;
            }
            const text = data.toString('utf8');
            chain = chain.then(() =>
              page.evaluate(([a, t]) => window.tapoHarness.pushLive(a, JSON.parse(t)), [address, text])
            );
          }
        })();
        return s;
      };
      const quality = () =>
        page.evaluate(() => {
          const v = document.querySelector('[data-testid="recording-video"]');
          const q = v?.getVideoPlaybackQuality?.();
          return { decoded: q?.totalVideoFrames ?? 0, currentTime: v?.currentTime ?? 0, width: v?.videoWidth ?? 0 };
        });
      const waitUntil = async (cond, what, ms = 60_000) => {
        const end = Date.now() + ms;
        let last;
        while (Date.now() < end) {
          last = await cond();
          if (last) {
            return last;
          }
          await page.waitForTimeout(100);
        }
        assert.fail(`${what} within ${ms} ms`);
      };

      // The newest clip of the camera with a card: a click plays it from the card.
      const clip = rows.filter((r) => r.cameraId === withCard).sort((a, b) => b.start - a.start)[0];
      const buttons = page.locator('button', { hasText: names[0] });
      await buttons.first().click();
      const first = await play(clip.channel);
      const a = await waitUntil(async () => {
        const q = await quality();
        return q.decoded >= 10 && q.currentTime > 0 ? q : null;
      }, 'ten pictures of the clip decoded and playing');
      assert.equal(a.width, 2304, 'the camera-sized recording');

      // Seek: the panel lets the clip's channel go and watches one from the chosen second.
      const duration = Math.round((clip.end - clip.start) / 1000) + 1;
      const offset = Math.max(1, Math.min(duration - 3, Math.floor(duration / 2)));
      const m = /^(.*\/playback\/)(\d+)-(\d+)$/.exec(clip.channel);
      const seekAddress = `${m[1]}${Number(m[2]) + offset}-${m[3]}`;
      await page.locator('input[aria-label="Position in the clip"]').fill(String(offset));
      const second = await play(seekAddress);
      assert.equal(await page.evaluate((x) => window.tapoHarness.liveSubscribers(x), clip.channel), 0);
      first.cancel(); // Grafana ends the stream when its last subscriber leaves
      await waitUntil(async () => {
        const text = (await page.locator('text=/\\d+ \\/ \\d+ s/').first().textContent()) ?? '';
        const at = Number(/^(\d+)/.exec(text)?.[1] ?? -1);
        return at >= offset ? at : null;
      }, `the position past ${offset} s after the seek`);
      // A new channel is a new player on the element (its counters start over): pictures decode again.
      await waitUntil(async () => {
        const q = await quality();
        return q.decoded >= 10 && q.currentTime > 0 ? q : null;
      }, 'ten pictures decoded from the new position');
      await page.locator('#panel').screenshot({ path: join(OUT, 'recordings-playback.png') });
      second.cancel();

      // The camera whose media session the Tapo app holds: the panel says so.
      const busyClip = rows.filter((r) => r.cameraId === held).sort((x, y) => y.start - x.start)[0];
      await page.locator('button', { hasText: names[2] }).first().click();
      await play(busyClip.channel);
      const message = page.getByTestId('recording-message');
      await message.waitFor();
      await waitUntil(
        async () => /another client holds the camera's one media session/.test((await message.textContent()) ?? ''),
        'the busy message'
      );

      for (const secret of sim.secrets) {
        assert.ok(!sidecar.logTail().includes(secret), 'no camera password in the sidecar log');
      }
      assert.deepEqual(errors, []);
      await page.close();
    }
  );
});
