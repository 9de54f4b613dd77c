/*
 * The built panel in headless Chromium fed REAL frames: the built sidecar runs standalone (temp data
 * dir, so its demo fleet of simulated cameras with RTSP pictures through ffmpeg), this test opens
 * RunStream on a frames channel over gRPC as Grafana does, and forwards every StreamPacket's bytes
 * unchanged into the page as Grafana Live frame JSON. Checks that the sidecar's JPEG is what the
 * panel draws (same bytes, decoded at the requested width), that a later frame replaces it, and that
 * the replaced object URL is released. Screenshots go to test/browser/output/live-*.png.
 * Needs `npm run build` first (panel, and the sidecar bundle), ffmpeg, and Chromium.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { OUT, startBrowserHarness, startTogether } from './chromium.mjs';
import { pluginClients, pluginContext, runStream, startSidecar } from './sidecar.mjs';

const UID = 'tapo-ds';
const CAMERA = 'demo-1';
const PATH = `camera/${CAMERA}/frames/2/640`;
const CHANNEL = `ds/${UID}/${PATH}`;
const FIELDS = [
  'time',
  'camera_id',
  'camera_name',
  'width',
  'height',
  'jpeg',
  'status',
  'last_seen',
  'motion',
  'error',
  'privacy_mode',
];

let sidecar;
let harness;
let clients;
let stream;

before(async () => {
  await startTogether([startSidecar(), startBrowserHarness()], (v) => ([sidecar, harness] = v));
  clients = pluginClients(sidecar.address);
});

after(async () => {
  stream?.cancel();
  clients?.close();
  await Promise.allSettled([harness?.close(), sidecar?.stop()]);
});

/** The packet's one row, by field name (the schema comes with the first packet only). */
function row(packet, names) {
  return Object.fromEntries(names.map((n, i) => [n, packet.data.values[i][0]]));
}

const sha256 = (base64) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');

describe('camera panel in Chromium with frames from the running sidecar', () => {
  it(
    'draws the sidecar’s JPEG at the requested width, then replaces it with a later frame',
    { timeout: 35_000 },
    async () => {
      const ctx = pluginContext({ uid: UID, role: 'Viewer' });
      // As Grafana: SubscribeStream first (a viewer may watch), then RunStream.
      const sub = await new Promise((resolve, reject) =>
        clients.stream.SubscribeStream({ pluginContext: ctx, path: PATH }, (err, res) =>
          err ? reject(err) : resolve(res)
        )
      );
      assert.equal(sub.status, 'OK');
      stream = runStream(clients.stream, { pluginContext: ctx, path: PATH });

      const { page, errors } = await harness.openPanel({ role: 'Viewer' });
      let names;
      /** Forwards the packet's bytes unchanged (parsed in the page, as Grafana Live's client does). */
      const forward = async (data) => {
        const text = data.toString('utf8');
        await page.evaluate(
          ([channel, json]) => window.tapoHarness.pushFrameJSON(channel, JSON.parse(json)),
          [CHANNEL, text]
        );
        const packet = JSON.parse(text);
        names ??= packet.schema?.fields.map((f) => f.name);
        assert.ok(names, 'the first packet carries the schema');
        return { packet, row: row(packet, names) };
      };
      /** Bounded polling: the page's picture is checked every 50 ms until it holds these bytes. */
      const waitForPicture = async (sha, timeoutMs = 10_000) => {
        const deadline = Date.now() + timeoutMs;
        let info = null;
        while (Date.now() < deadline) {
          info = await page.evaluate((id) => window.tapoHarness.imageInfo(id), CAMERA);
          if (info?.sha256 === sha) {
            return info;
          }
          await page.waitForTimeout(50);
        }
        assert.fail(
          `the panel did not draw the packet's JPEG within ${timeoutMs} ms (it shows ${JSON.stringify(info)})`
        );
      };

      // First frame: the schema packet from ffmpeg's first JPEG (ffmpeg starts on this subscription).
      const first = await forward(await stream.next(20_000));
      assert.deepEqual(names, FIELDS);
      assert.equal(first.row.error, null, `the channel reports a problem instead of a picture: ${first.row.error}`);
      assert.equal(first.row.camera_id, CAMERA);
      assert.equal(first.row.width, 640);
      assert.ok(first.row.jpeg.length > 1000, 'the packet carries a JPEG');
      const one = await waitForPicture(sha256(first.row.jpeg));
      assert.equal(one.naturalWidth, 640, 'the real JPEG decodes to the requested width');
      assert.equal(one.naturalHeight, first.row.height);
      assert.ok(
        one.shownWidth > 100 && one.shownHeight > 50,
        `the picture is laid out (${one.shownWidth}×${one.shownHeight})`
      );
      assert.match(one.src, /^blob:/);
      const tile = page.locator(`[data-camera="${CAMERA}"]`);
      assert.match(await tile.innerText(), new RegExp(first.row.camera_name));
      assert.equal(await page.locator('[data-testid="tile-controls"]').count(), 0, 'viewers get no controls');
      await page.locator('#panel').screenshot({ path: join(OUT, 'live-1.png') });

      // Later frames: data-only packets, forwarded in order until one differs in time and picture.
      let later;
      for (let i = 0; i < 20 && !later; i++) {
        const next = await forward(await stream.next(10_000));
        assert.equal(next.packet.schema, undefined, 'packets after the first carry data only');
        if (next.row.error === null && next.row.time > first.row.time && next.row.jpeg !== first.row.jpeg) {
          later = next;
        }
      }
      assert.ok(later, 'a later, different frame arrived');
      const two = await waitForPicture(sha256(later.row.jpeg));
      assert.equal(two.naturalWidth, 640);
      assert.notEqual(two.src, one.src, 'a new frame gets a new object URL');
      assert.notEqual(two.pixelHash, one.pixelHash, 'the drawn picture changed');
      assert.equal(
        await page.evaluate((src) => window.tapoHarness.urlLoads(src), one.src),
        false,
        'the replaced object URL was revoked'
      );
      await page.locator('#panel').screenshot({ path: join(OUT, 'live-2.png') });

      assert.deepEqual(errors, []);
      await page.close();
    }
  );
});
