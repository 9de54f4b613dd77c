/*
 * Honest video tiles (issue 22): the built panel in Chromium plays REAL H.264 from the BUILT sidecar
 * (standalone, no demo fleet) reading simulated cameras over RTSP, and the simulator's fault switches
 * (--control) break one camera at a time: its stream freezes, it never starts (a blank tile), the
 * camera goes offline; a battery camera behind a hub falls asleep. Each tile must say what happened
 * within 2× its frame interval + 1 s (the blank tile: before any picture its interval is unknown, so
 * a picture a second is assumed), then the reason once the polls know it, keep its last picture
 * dimmed with its age, and recover by itself when the stream returns; the other tiles keep playing.
 * Motion on a playing camera lights its badge. The page's Live subscriptions reach the sidecar as
 * Grafana's would: the first subscriber of a channel makes SubscribeStream (its initial data) and a
 * RunStream, the last one leaving cancels it, so the tiles' own reconnects are real. Prints how long
 * each tile took. Needs `npm run build` first, ffmpeg (the simulator encodes its clips once), and
 * Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startBrowserHarness, startTogether } from './chromium.mjs';
import { liveBridge, pluginClients, pluginContext, startSidecar } from './sidecar.mjs';
import { startHubSimulator, startSimulator } from './simulator.mjs';

const UID = 'tapo-ds';
const HUB_UID = 'tapo-hub-ds';
const CAMERAS = 3;
const FPS = 15;
/** What the issue allows: two frame intervals and a second. */
const BOUND_MS = 2 * (1000 / FPS) + 1000;
/** Before its first picture a tile assumes a picture a second: 2 × 1 s + 0.5 s, and the second. */
const BLANK_BOUND_MS = 2 * 1000 + 500 + 1000;
/**
 * A hub child's status after its stream started or stopped: the sidecar reads the hub's list early,
 * at most every 10 s per hub; twice that again for a loaded machine. The list's own cadence is a minute.
 */
const STATUS_BOUND_MS = 30_000;

let sidecar;
let sim;
let hub;
let harness;
let clients;
const streams = new Map();

before(async () => {
  await startTogether(
    [
      startSidecar({ waitFor: null, args: ['--no-demo'] }),
      startSimulator({ cameras: CAMERAS, control: true }),
      startHubSimulator({ children: 'C420', control: true }),
      startBrowserHarness(),
    ],
    (v) => ([sidecar, sim, hub, harness] = v)
  );
  clients = pluginClients(sidecar.address);
});

after(async () => {
  streams.forEach((s) => s.cancel());
  clients?.close();
  await Promise.allSettled([harness?.close(), sidecar?.stop(), sim?.stop(), hub?.stop()]);
});

/** Bounded polling of the page's tiles until `cond` holds; returns their stats and when it held. */
function watcher(page) {
  const stats = async () =>
    Object.fromEntries((await page.evaluate(() => window.tapoHarness.videoStats())).map((t) => [t.cameraId, t]));
  return async (cond, what, ms) => {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
      last = await stats();
      if (cond(last)) {
        return { s: last, at: Date.now() };
      }
      await page.waitForTimeout(50);
    }
    const brief = Object.values(last ?? {}).map(({ latencies, ...t }) => t);
    assert.fail(`${what} within ${ms} ms: ${JSON.stringify(brief)}`);
  };
}

describe('honest video tiles in Chromium, against the built sidecar and simulated cameras with faults', () => {
  it(
    'say when a stream freezes, never starts or the camera goes offline, and recover by themselves',
    { timeout: 240_000 },
    async () => {
      const { page, errors } = await harness.openPanel({ role: 'Viewer' });
      const ctx = pluginContext({ uid: UID, role: 'Viewer', jsonData: sim.jsonData, secure: sim.secure });
      const live = liveBridge(page, clients.stream, ctx, UID, streams);
      await page.exposeFunction('tapoLiveBridge', (op, address) => live.handle(op, address));
      const [a, b, c] = sim.ids;
      // The third camera's stream is frozen before anyone watches it: its tile will stay blank.
      await sim.setFaults(2, { rtsp: { freeze: true } });
      const rows = sim.ids.map((id, i) => ({
        camera_id: id,
        camera_name: sim.jsonData.cameras[i].name,
        status: 'online',
        stream: 'sub',
        video_channel: `ds/${UID}/camera/${id}/video/sub`,
        frames_channel: `ds/${UID}/camera/${id}/frames/2/640`,
      }));
      const opened = Date.now();
      await page.evaluate((r) => window.tapoHarness.setVideoTiles(r), rows);

      const until = watcher(page);

      // A blank tile says how long it has waited, while the others play.
      const blank = await until((s) => s[c]?.message?.startsWith('No picture for'), 'the blank tile says so', 60_000);
      console.log(`# never started: said after ${blank.at - opened} ms (bound ${BLANK_BOUND_MS} ms)`);
      assert.ok(blank.at - opened <= BLANK_BOUND_MS, `${blank.at - opened} ms`);
      assert.equal(blank.s[c].status.startsWith('Online'), true, 'the camera itself still answers');
      await until((s) => s[a].shownFrames >= 10 && s[b].shownFrames >= 10, 'the other tiles play', 60_000);

      // Freeze: the last picture stays, dimmed, with its age, and the tile says so in time.
      const frozenAt = Date.now();
      await sim.setFaults(0, { rtsp: { freeze: true } });
      const frozen = await until(
        (s) => s[a].stalled && /^No picture for \d+ s/.test(s[a].message ?? ''),
        'freeze',
        10_000
      );
      const took = frozen.at - frozenAt;
      console.log(`# freeze: said after ${took} ms (bound ${BOUND_MS.toFixed(0)} ms)`);
      assert.ok(took <= BOUND_MS, `freeze said after ${took} ms`);
      assert.equal(frozen.s[a].opacity, '0.35', 'the last picture is dimmed');
      assert.ok(frozen.s[a].videoWidth > 0, 'the last picture is still there');
      assert.match(frozen.s[a].age ?? '', /picture \d+ s old/);
      assert.equal(frozen.s[b].stalled, false, 'the other camera keeps playing');

      // Both streams return: the tiles play again by themselves.
      const thawAt = Date.now();
      await sim.setFaults(0, { rtsp: { freeze: false } });
      await sim.setFaults(2, { rtsp: { freeze: false } });
      const before = frozen.s[a].shownFrames;
      const back = await until(
        (s) => !s[a].stalled && s[a].shownFrames > before + 10 && !s[c].stalled && s[c].shownFrames > 10,
        'recovery after the freeze',
        60_000
      );
      console.log(`# freeze lifted: playing again after ${back.at - thawAt} ms`);
      assert.equal(back.s[a].message, null);

      // Motion on a camera that plays: its badge lights (from the camera's metrics channel, not a poll away).
      assert.equal(back.s[c].motion, false);
      const movedAt = Date.now();
      await sim.setFaults(2, { motion: 'motion' });
      const moved = await until((s) => s[c].motion, 'the motion badge', 30_000);
      console.log(`# motion: badge lit after ${moved.at - movedAt} ms`);
      assert.equal(moved.s[a].motion, false, 'only on the camera that saw it');

      // Offline: the picture stops (said in time), then the polls say Offline; then it comes back.
      const offAt = Date.now();
      await sim.setFaults(1, { faults: { offline: true }, rtsp: { offline: true } });
      const dark = await until((s) => s[b].stalled, 'offline: no picture', 10_000);
      console.log(`# offline: no picture said after ${dark.at - offAt} ms (bound ${BOUND_MS.toFixed(0)} ms)`);
      assert.ok(dark.at - offAt <= BOUND_MS, `offline said after ${dark.at - offAt} ms`);
      const off = await until((s) => s[b].offline && /^Offline/.test(s[b].status ?? ''), 'offline status', 60_000);
      console.log(`# offline: the polls said Offline after ${off.at - offAt} ms`);
      assert.ok(off.s[b].message && !off.s[b].message.startsWith('No picture'), 'the reason replaces the stall');
      const onAt = Date.now();
      await sim.setFaults(1, { faults: { offline: false }, rtsp: { offline: false } });
      const on = await until(
        (s) => !s[b].offline && !s[b].stalled && s[b].shownFrames > off.s[b].shownFrames + 10,
        'back online and playing',
        90_000
      );
      console.log(`# back online: playing again after ${on.at - onAt} ms`);
      assert.match(on.s[b].status, /^Online/);

      await live.close();
      assert.deepEqual(errors, []);
      await page.close();
    }
  );

  it(
    'say when a battery camera behind a hub falls asleep, and play again when it wakes',
    { timeout: 480_000 },
    async () => {
      const { page, errors } = await harness.openPanel({ role: 'Viewer' });
      const ctx = pluginContext({ uid: HUB_UID, role: 'Viewer', jsonData: hub.jsonData, secure: hub.secure });
      const [id] = hub.ids;
      const path = `camera/${id}/video/sub`;
      // The child is a camera once the sidecar polled the hub and read its list: asked until then, bounded.
      const known = () =>
        new Promise((resolve, reject) =>
          clients.stream.SubscribeStream({ pluginContext: ctx, path }, (err, res) => (err ? reject(err) : resolve(res)))
        );
      const deadline = Date.now() + 30_000;
      while ((await known()).status !== 'OK' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const live = liveBridge(page, clients.stream, ctx, HUB_UID, streams);
      await page.exposeFunction('tapoLiveBridge', (op, address) => live.handle(op, address));
      await page.evaluate(
        (r) => window.tapoHarness.setVideoTiles(r),
        [
          {
            camera_id: id,
            camera_name: hub.children[0].name,
            // As the query answered while it slept: only the channel's rows can make the tile say Online.
            status: 'sleeping',
            stream: 'sub',
            video_channel: `ds/${HUB_UID}/${path}`,
            frames_channel: `ds/${HUB_UID}/camera/${id}/frames/2/640`,
          },
        ]
      );
      const until = watcher(page);
      const playing = await until((s) => s[id]?.shownFrames >= 10, 'the child plays', 60_000);
      // Opening its live view woke it: its status follows its stream within seconds (an early read of
      // the hub's list, spaced 10 s per hub), not the list's minute.
      const online = await until(
        (s) => /^Online/.test(s[id].status ?? ''),
        'status Online while it plays',
        STATUS_BOUND_MS
      );
      console.log(`# playing: the polls said Online after ${online.at - playing.at} ms (bound ${STATUS_BOUND_MS} ms)`);

      const sleptAt = Date.now();
      await hub.setAsleep(0, true);
      const dark = await until((s) => s[id].stalled, 'asleep: no picture', 10_000);
      console.log(`# asleep: no picture said after ${dark.at - sleptAt} ms (bound ${BOUND_MS.toFixed(0)} ms)`);
      assert.ok(dark.at - sleptAt <= BOUND_MS, `asleep said after ${dark.at - sleptAt} ms`);
      const asleep = await until(
        (s) => /^Sleeping/.test(s[id].status ?? '') && /^Asleep: a battery camera/.test(s[id].message ?? ''),
        'the polls say it sleeps',
        STATUS_BOUND_MS
      );
      console.log(`# asleep: the polls said Sleeping after ${asleep.at - sleptAt} ms (bound ${STATUS_BOUND_MS} ms)`);
      assert.equal(asleep.s[id].offline, false, 'asleep is not offline');
      assert.equal(asleep.s[id].opacity, '0.35', 'its last picture is dimmed');

      const wokeAt = Date.now();
      await hub.setAsleep(0, false);
      const awake = await until(
        (s) => !s[id].stalled && s[id].shownFrames > asleep.s[id].shownFrames + 10,
        'awake and playing',
        120_000
      );
      console.log(`# awake: playing again after ${awake.at - wokeAt} ms`);
      // This was a todo ("keeps Sleeping for minutes after the first scenario"): the bridge above
      // dropped a channel quiet for 60 s, and a child's metrics come about once a minute, so the tile
      // never heard of the wake. Grafana keeps a quiet channel open; so does the bridge now.
      const back = await until((s) => /^Online/.test(s[id].status ?? ''), 'status Online again', STATUS_BOUND_MS);
      console.log(`# awake: the polls said Online after ${back.at - awake.at} ms (bound ${STATUS_BOUND_MS} ms)`);
      assert.equal(back.s[id].message, null, 'no "Asleep" left on the tile');
      await live.close();
      assert.deepEqual(errors, []);
      await page.close();
    }
  );
});
