/**
 * Recordings: from a click on an event to the first picture of its clip, beside the camera's own
 * limit, in one run against a simulated C210 with a recorded SD card (camera-sized stream1,
 * 2304x1296 H.264 at 15 fps, a keyframe every 2 s; playback paced at real time, as cameras do).
 * - The floor: the camera's answer time for the same request — a minimal port-8800 client that
 *   connects, answers the Digest challenge, sends the `playback` request and waits for the first
 *   media part (nothing decoded, nothing packaged).
 * - Ours: the sidecar's Live playback channel (RunStream on camera/<id>/playback/<start>-<end>,
 *   what the panel opens on a click) until the first fMP4 fragment is handed to Grafana: the media
 *   gate, the session, decryption, MPEG-TS demux, fMP4 and the frame JSON.
 * Clicks alternate floor / ours, each after the camera freed its media session; p50 and p99 of
 * ROUNDS each. Bounded: about a minute (plus a one-time clip encode on the first run).
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
import { channels } from '../../src/shared/query.ts';
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

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recordings-'));
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Bench Porch', model: 'C210' });
  const card = cam.device.card;
  card.clear();
  const base = Math.floor(Date.now() / 1000) - 86_400;
  // One 60 s motion clip every 10 minutes: each click opens another.
  const clips = Array.from({ length: ROUNDS * 2 }, (_, i) => ({ start: base + i * 600, end: base + i * 600 + 59 }));
  clips.forEach((c) => card.record({ ...c, videoType: 2, events: [2] }));
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
  try {
    // Warm-up: the clip's one-time remux, and a first session each way.
    await floorOnce(media.port, cam.cloudPassword, clips[0].start, clips[0].end, 300_000);
    await pause(FREE_MS);
    await oursOnce(runStream, 'porch', clips[0].start, clips[0].end);
    await pause(FREE_MS);
    const floor: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const a = clips[2 * i];
      const b = clips[2 * i + 1];
      floor.push(await floorOnce(media.port, cam.cloudPassword, a.start, a.end));
      await pause(FREE_MS);
      ours.push(await oursOnce(runStream, 'porch', b.start, b.end));
      await pause(FREE_MS);
    }
    const f = summary(floor);
    const o = summary(ours);
    console.log(
      `recordings: click -> first picture of the clip (C210 stream1 2304x1296, ${ROUNDS} clicks each): ` +
        `the camera's answer (floor) p50 ${fmt(f.p50, 1)} ms, p99 ${fmt(f.p99, 1)} ms; ` +
        `ours (playback channel to the first fMP4 fragment) p50 ${fmt(o.p50, 1)} ms, p99 ${fmt(o.p99, 1)} ms; ` +
        `ours over the floor p50 +${fmt(o.p50 - f.p50, 1)} ms (${fmt(o.p50 / f.p50)}x)`
    );
  } finally {
    await app.stop();
    await media.close();
    await cam.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
