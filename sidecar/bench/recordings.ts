/**
 * Recordings: from a click on an event to the first picture of its clip, beside the camera's own
 * limit, in one run against a simulated C210 with a recorded SD card (camera-sized stream1,
 * 2304x1296 H.264 at 15 fps, a keyframe every 2 s; playback paced at real time, as cameras do).
 * Each round has its own event: a clip on another past day (so its day's searches are not yet
 * cached), the event 12 s into it, played from EVENT_CLIP.leadSeconds before the event.
 * - The floor: the camera's answer time for the same playback request — a minimal port-8800
 *   client that connects, answers the Digest challenge, sends the `playback` request and waits
 *   for the first media part (nothing decoded, nothing packaged).
 * - The playback channel alone: RunStream on camera/<id>/playback/<start>-<end> until the first
 *   fMP4 fragment is handed to Grafana (the media gate, the session, decryption, MPEG-TS demux,
 *   fMP4 and the frame JSON): what a click on a clip of the recordings view costs.
 * - A click on an event, as the panel makes it: GET cameras/<id>/recordings/at/<t> (the day and
 *   clip searches on the camera's API: the first click of a day), then that playback channel
 *   until its first fragment; and a second click on the same event (the searches cached).
 * Clicks alternate, each after the camera freed its media session; p50 and p99 of ROUNDS each.
 * Bounded: about two minutes (plus a one-time clip encode on the first run).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { createLogger } from '../src/log.ts';
import { parseOptions, type SidecarOptions } from '../src/options.ts';
import { SimulatedCamera } from '../src/simulator/camera.ts';
import { startPlaybackServer } from '../src/simulator/playback8800.ts';
import { CLIENT_BOUNDARY, DEVICE_BOUNDARY, open8800 } from '../src/media/hubstream/connect.ts';
import { boundaryOf, encodePart, PartReader } from '../src/media/hubstream/multipart.ts';
import { MediaError } from '../src/media/types.ts';
import type { StreamSink } from '../src/grafana/handlers.ts';
import type { CallResourceResponse } from '../src/grafana/protocol.ts';
import { channels, resources, type EventRecording } from '../../src/shared/query.ts';
import { dayWindow } from '../src/util/zoned-day.ts';
import { fmt, summary } from './_stats.ts';

const ROUNDS = 15;
/** The camera needs about a second after a stop before the next media session (and our gate waits it). */
const FREE_MS = 1200;

/** The camera's answer time: request sent → first media part received, with a bare client. */
async function floorOnce(
  port: number,
  password: string,
  start: number,
  end: number,
  timeoutMs = 10_000
): Promise<number> {
  const t0 = performance.now();
  const { socket, head, rest } = await open8800({
    host: '127.0.0.1',
    port,
    uri: '/stream',
    username: 'admin',
    password,
    timeoutMs: 10_000,
    error: (kind, detail) => new MediaError(kind, detail ?? kind),
  });
  const reader = new PartReader(boundaryOf(head.headers.get('content-type'), DEVICE_BOUNDARY));
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no media part within ${timeoutMs / 1000} s`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      for (const p of reader.push(chunk)) {
        if ((p.headers.get('content-type') ?? '').startsWith('video/mp2t')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(performance.now() - t0);
          return;
        }
      }
    };
    socket.on('data', onData);
    const body = { client_id: 1, channels: [0, 1], scale: '1/1', start_time: String(start), end_time: String(end) };
    socket.write(
      encodePart(
        CLIENT_BOUNDARY,
        { 'Content-Type': 'application/json', 'X-Data-Window-Size': '50' },
        Buffer.from(JSON.stringify({ type: 'request', seq: 1, params: { method: 'get', playback: body } }))
      )
    );
    if (rest.length) {
      onData(rest);
    }
    socket.resume();
  });
}

/** A click in the panel: the playback channel's RunStream until its first fragment reaches Grafana. */
async function oursOnce(
  runStream: (path: string, sink: StreamSink) => Promise<void>,
  cameraId: string,
  start: number,
  end: number
): Promise<number> {
  const abort = new AbortController();
  const t0 = performance.now();
  let first = 0;
  let problem: string | null = null;
  const got = new Promise<void>((resolve) => {
    const sink: StreamSink = {
      signal: abort.signal,
      send(data) {
        const text = data.toString();
        if (text.includes('"fragment"')) {
          first ||= performance.now() - t0;
          abort.abort();
          resolve();
        } else if (text.includes('"problem"')) {
          problem = text.slice(0, 300);
          abort.abort();
          resolve();
        }
        return true;
      },
    };
    void runStream(channels.cameraPlayback(cameraId, start, end), sink);
  });
  await got;
  if (problem) {
    throw new Error(`the channel said: ${problem}`);
  }
  return first;
}

/** A click on an event in the panel: the event's clip looked up, then its channel until the first fragment. */
async function eventOnce(
  callResource: (path: string) => Promise<CallResourceResponse>,
  runStream: (path: string, sink: StreamSink) => Promise<void>,
  cameraId: string,
  at: number
): Promise<{ ms: number; lookupMs: number; start: number; end: number }> {
  const t0 = performance.now();
  const res = await callResource(resources.recordingAt(cameraId, at));
  if (res.code !== 200) {
    throw new Error(`the event's recording: ${res.code} ${res.body.toString()}`);
  }
  const rec = JSON.parse(res.body.toString()) as EventRecording;
  const lookupMs = performance.now() - t0;
  // The panel plays from the offset: the clip's channel from that second (seekChannel).
  const start = rec.start + rec.offsetS;
  const channelMs = await oursOnce(runStream, cameraId, start, rec.end);
  return { ms: lookupMs + channelMs, lookupMs, start, end: rec.end };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recordings-'));
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Bench Porch', model: 'C210' });
  const card = cam.device.card;
  card.clear();
  // One 60 s person clip at noon of each of the last ROUNDS + 1 days (the camera's zone): each
  // round's event is on a day whose searches nobody has asked yet.
  const today = Date.now();
  const clips = Array.from({ length: ROUNDS + 1 }, (_, i) => {
    const day = new Date(today - (i + 1) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const noon = dayWindow(card.zone, day).start + 12 * 3600;
    return { start: noon, end: noon + 59 };
  });
  clips.forEach((c) => card.record({ ...c, videoType: 2, events: [2, 6] }));
  const media = await startPlaybackServer({
    host: '127.0.0.1',
    port: 0,
    password: cam.cloudPassword,
    card,
    name: cam.name,
    model: cam.model,
  });
  const yaml = join(dir, 'cameras.yaml');
  writeFileSync(
    yaml,
    [
      'cameras:',
      '  - id: porch',
      '    name: Porch',
      `    host: 127.0.0.1:${cam.port}`,
      `    password: ${cam.cloudPassword}`,
      `    stream_port: ${media.port}`,
      '',
    ].join('\n')
  );
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  await app.start();
  const runStream = (path: string, sink: StreamSink) =>
    app.handlers.runStream({ pluginContext: null, path, data: Buffer.alloc(0), headers: {} }, sink);
  const callResource = (path: string) =>
    app.handlers.callResource({
      pluginContext: { orgId: 1, pluginId: 'camwatch-tapo-datasource', user: { login: 'u', role: 'Viewer' } } as never,
      path,
      method: 'GET',
      url: path,
      headers: {},
      body: Buffer.alloc(0),
    });
  try {
    // The fleet logs in first (the searches go through its client), as on a dashboard already open.
    const deadline = Date.now() + 30_000;
    while (
      !JSON.parse((await callResource('cameras')).body.toString()).some(
        (c: { status: string }) => c.status === 'online'
      )
    ) {
      if (Date.now() > deadline) {
        throw new Error('the camera did not come online within 30 s');
      }
      await pause(100);
    }
    // Warm-up (the last clip): the clip's one-time remux, and a first session each way.
    const warm = clips[ROUNDS];
    await floorOnce(media.port, cam.cloudPassword, warm.start, warm.end, 300_000);
    await pause(FREE_MS);
    await oursOnce(runStream, 'porch', warm.start, warm.end);
    await pause(FREE_MS);
    const floor: number[] = [];
    const channel: number[] = [];
    const cold: number[] = [];
    const coldLookup: number[] = [];
    const cached: number[] = [];
    const cachedLookup: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const at = clips[i].start + 12;
      const first = await eventOnce(callResource, runStream, 'porch', at);
      cold.push(first.ms);
      coldLookup.push(first.lookupMs);
      await pause(FREE_MS);
      floor.push(await floorOnce(media.port, cam.cloudPassword, first.start, first.end));
      await pause(FREE_MS);
      channel.push(await oursOnce(runStream, 'porch', first.start, first.end));
      await pause(FREE_MS);
      const again = await eventOnce(callResource, runStream, 'porch', at);
      cached.push(again.ms);
      cachedLookup.push(again.lookupMs);
      await pause(FREE_MS);
    }
    const f = summary(floor);
    const ch = summary(channel);
    const c = summary(cold);
    const w = summary(cached);
    const line = (what: string, s: { p50: number; p99: number }) =>
      `${what} p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms (${fmt(s.p50 / f.p50)}x the floor's p50)`;
    console.log(
      `recordings (C210 stream1 2304x1296, ${ROUNDS} events, each on its own day; the same playback request each way):\n` +
        `  the camera's own limit (the floor: its answer to the playback request, first media part): p50 ${fmt(f.p50, 1)} ms, p99 ${fmt(f.p99, 1)} ms\n` +
        `  ${line('from a click on an event to the first frame of its clip, first click of its day (searches asked):', c)}; of which the lookup p50 ${fmt(summary(coldLookup).p50, 1)} ms, p99 ${fmt(summary(coldLookup).p99, 1)} ms\n` +
        `  ${line('from a click on an event to the first frame of its clip, clicked again (searches cached):', w)}; of which the lookup p50 ${fmt(summary(cachedLookup).p50, 1)} ms, p99 ${fmt(summary(cachedLookup).p99, 1)} ms\n` +
        `  ${line('the playback channel alone (a click on a clip in the recordings view):', ch)}; over the floor p50 +${fmt(ch.p50 - f.p50, 1)} ms`
    );
  } finally {
    await app.stop();
    await media.close();
    await cam.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
