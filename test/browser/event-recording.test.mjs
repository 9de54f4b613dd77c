/*
 * An event's recording in headless Chromium, from the BUILT sidecar and panel (issue 21: "a user
 * sees a person event on the dashboard, clicks it, sees the picture, and plays the clip the camera
 * recorded"). Two simulated C210s (--media --sd-cards normal,none --control): a person is seen by
 * the first and motion by the second (card-less) camera; each camera records the detection on its
 * card once it is over. The datasource's events query (QueryData over gRPC) feeds the panel's
 * events view; the panel's resource calls reach the sidecar's CallResource (the event's picture,
 * the event's clip) and its playback channel is opened on the sidecar as Grafana Live does
 * (SubscribeStream, RunStream, every packet forwarded unchanged). Needs `npm run build` first,
 * ffmpeg and Chromium.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { tableFromIPC } from 'apache-arrow';

import { OUT, startBrowserHarness, startTogether } from './chromium.mjs';
import {
  bridgeResource,
  callResource,
  liveBridge,
  pluginClients,
  pluginContext,
  runStream,
  startSidecar,
} from './sidecar.mjs';
import { startSimulator } from './simulator.mjs';

const UID = 'tapo-event-clip-ds';
const PERSON = 'Person detected'; // EVENT_KIND_LABELS.person
const MOTION = 'Motion';

let sidecar;
let sim;
let harness;
let clients;
const streams = new Map();

before(async () => {
  await startTogether(
    [
      startSidecar({ waitFor: null, args: ['--no-demo'] }),
      startSimulator({ cameras: 2, models: 'C210', sdCards: 'normal,none', control: true }),
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

/** Bounded polling of something outside the test's control (the sidecar, the simulated cameras). */
async function until(probe, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) {
      return v;
    }
    assert.ok(Date.now() < deadline, `${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The events query through QueryData, as Grafana sends it; its rows, and its frame as frame JSON for the page. */
async function eventsQuery(ctx, cameras) {
  const now = Date.now();
  const res = await new Promise((resolve, reject) =>
    clients.data.QueryData(
      {
        pluginContext: ctx,
        headers: {},
        queries: [
          {
            refId: 'E',
            queryType: 'events',
            maxDataPoints: 100,
            intervalMS: 1000,
            timeRange: { fromEpochMS: now - 600_000, toEpochMS: now + 1000 },
            json: Buffer.from(JSON.stringify({ cameras })),
          },
        ],
      },
      (err, r) => (err ? reject(err) : resolve(r))
    )
  );
  const answer = res.responses.E;
  assert.equal(answer.error, '', 'the events query succeeds');
  const table = tableFromIPC(answer.frames[0]);
  // Iterated, not toArray(): only the iterator reads the validity bits (an open event's end is null).
  const ms = (v) => (v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v / 1_000_000n) : Number(v));
  const fields = table.schema.fields.map((f) => {
    const time = f.name === 'time' || f.name === 'time_end';
    const values = [...table.getChild(f.name)].map((v) => (time ? ms(v) : (v ?? null)));
    return { name: f.name, type: time ? 'time' : 'string', values };
  });
  const col = (name) => fields.find((f) => f.name === name)?.values ?? [];
  const rows = col('camera_id').map((cameraId, i) => ({
    cameraId,
    kind: col('kind')[i],
    time: col('time')[i],
    end: col('time_end')[i],
    eventId: col('event_id')[i] ?? '',
  }));
  const json = {
    schema: { name: 'events', refId: 'E', fields: fields.map(({ name, type }) => ({ name, type })) },
    data: { values: fields.map((f) => f.values) },
  };
  return { rows, json };
}

describe('an event’s recording in Chromium through the built sidecar (simulated SD cards)', () => {
  it(
    'shows a person event, opens its picture, plays its clip from the card, and says so for a camera without a card',
    { timeout: 240_000 },
    async () => {
      const { page, errors } = await harness.openPanel({ role: 'Viewer' });
      const ctx = pluginContext({ uid: UID, role: 'Viewer', jsonData: sim.jsonData, secure: sim.secure });
      const [withCard, noCard] = sim.ids;
      const names = sim.cameras.map((c) => c.name);
      // The page's resource calls and Live subscriptions reach the sidecar as Grafana sends them.
      await page.exposeFunction('tapoResourceBridge', (req) => bridgeResource(clients.resource, ctx, req));
      const live = liveBridge(page, clients.stream, ctx, UID, streams);
      await page.exposeFunction('tapoLiveBridge', (op, address) => live.handle(op, address));

      // The datasource's cameras come up; then a person at the first, motion at the second.
      await eventsQuery(ctx, sim.ids);
      await until(async () => {
        const r = await callResource(clients.resource, { pluginContext: ctx, path: 'cameras' });
        const list = JSON.parse(r.body.toString('utf8'));
        return list.length === 2 && list.every((c) => c.status === 'online');
      }, 'both cameras online');
      await sim.setFaults(0, { motion: 'person' });
      await sim.setFaults(1, { motion: 'motion' });
      // Both events in the query, the person's with its picture.
      const { rows, json } = await until(async () => {
        const q = await eventsQuery(ctx, sim.ids);
        const person = q.rows.find((r) => r.cameraId === withCard && r.kind === 'person');
        const motion = q.rows.find((r) => r.cameraId === noCard && r.kind === 'motion');
        return person?.eventId && motion ? q : null;
      }, 'the person event (with its picture) and the motion event');
      const person = rows.find((r) => r.cameraId === withCard && r.kind === 'person');
      // The camera lists a clip once it has closed it (the event over): until then the panel says
      // "… yet: open the event again in a moment", which a user would do.
      await until(async () => {
        const at = Math.floor(person.time / 1000);
        const r = await callResource(clients.resource, {
          pluginContext: ctx,
          path: `cameras/${withCard}/recordings/at/${at}`,
        });
        return r.code === 200;
      }, 'the camera lists the person event’s clip');

      await page.evaluate(
        ([targets, j]) => {
          window.tapoHarness.setRequest(targets);
          window.tapoHarness.setOptions({ eventsView: true });
          window.tapoHarness.pushFrameJSON('events-query', j);
        },
        [[{ refId: 'E', datasource: { type: 'camwatch-tapo-datasource', uid: UID } }], json]
      );

      // The event on the dashboard; a click shows its picture full size, from the sidecar.
      await page.getByAltText(`${PERSON}, ${names[0]}`).first().click();
      const dialog = page.getByRole('dialog');
      const picture = dialog.getByAltText(`${PERSON}, ${names[0]}`);
      await picture.waitFor();
      await until(
        () => picture.evaluate((img) => img.complete && img.naturalWidth > 0),
        'the full-size picture decoded'
      );
      assert.ok(await picture.evaluate((img) => img.naturalWidth >= 320), 'a full-size picture, not the thumbnail');

      // Play recording: the clip of the card that holds the event, from a few seconds before it.
      await dialog.getByRole('button', { name: /Play recording/ }).click();
      const address = await until(() => live.opened[0], 'the panel opens a playback channel');
      const m = /^ds\/[^/]+\/camera\/([^/]+)\/playback\/(\d+)-(\d+)$/.exec(address);
      assert.ok(m, address);
      assert.equal(m[1], withCard);
      const [from, to] = [Number(m[2]), Number(m[3])];
      const at = Math.floor(person.time / 1000);
      assert.ok(from <= at && at <= to, `the channel ${from}-${to} holds the event at ${at}`);
      const played = await until(async () => {
        const q = await page.evaluate(() => {
          const v = document.querySelector('[data-testid="recording-video"]');
          const p = v?.getVideoPlaybackQuality?.();
          return { decoded: p?.totalVideoFrames ?? 0, currentTime: v?.currentTime ?? 0, width: v?.videoWidth ?? 0 };
        });
        return q.decoded >= 10 && q.currentTime > 0.5 ? q : null;
      }, 'the clip decoded and playing (its currentTime advancing)');
      assert.equal(played.width, 2304, 'the camera-sized recording');
      await page.locator('#panel').screenshot({ path: join(OUT, 'event-recording.png') });
      assert.equal(await page.getByTestId('recording-message').count(), 0, 'no problem said while it plays');

      // Back to the picture: the channel is let go.
      await dialog.getByRole('button', { name: /Picture/ }).click();
      await until(
        async () => (await page.evaluate((a) => window.tapoHarness.liveSubscribers(a), address)) === 0,
        'the channel let go'
      );
      await dialog.getByLabel('Close the picture').click();

      // The card-less camera's event: the panel says why there is nothing to play.
      await page.getByText(MOTION, { exact: false }).first().waitFor();
      await page.locator('[role="listitem"]', { hasText: MOTION }).first().click();
      const none = page.getByTestId('event-recording-none');
      await none.waitFor();
      assert.equal(await none.textContent(), `${names[1]}: the camera has no SD card`);
      assert.equal(await page.getByRole('button', { name: /Play recording/ }).count(), 0);

      for (const secret of sim.secrets) {
        assert.ok(!sidecar.logTail().includes(secret), 'no camera password in the sidecar log');
      }
      assert.deepEqual(errors, []);
      await page.close();
    }
  );
});
