/**
 * A picture at once: a viewer who joins a camera stream that is already open starts from the
 * stream's kept group of pictures, not at the camera's next keyframe. The simulated camera sends a
 * keyframe every 4 s, so "at once" is told apart from "at the next keyframe" by when the feed's
 * keyframes arrived; what the viewer got is decoded (ffprobe, ffmpeg) to prove it is a picture.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log.ts';
import { run, subscribe } from '../../src/datasource/streams.ts';
import type { DatasourceDeps, FrameProvider } from '../../src/datasource/deps.ts';
import type { StreamSink } from '../../src/grafana/handlers.ts';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { jpegSize } from '../../src/media/jpeg.ts';
import { RtspVideoFeeds } from '../../src/media/video/feeds.ts';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import { maskUrl } from '../../src/tapo/rtsp.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { ffprobeJson } from '../helpers/ffprobe.ts';

/** stream2 at 15 fps with a keyframe every 60 pictures: 4 s between keyframes. */
const GOP = 60;
const dir = mkdtempSync(join(tmpdir(), 'first-picture-'));
const fleet = new MemoryFleet();
fleet.addCamera('porch', 'Porch', poll('porch', Date.now()));
fleet.addCamera('yard', 'Yard', poll('yard', Date.now()));

let sim: SimRtspServer;
let feeds: RtspVideoFeeds;
let pipeline: FramePipeline;
let deps: DatasourceDeps;
/** When each camera's keyframes came off the camera's socket (performance.now() ms). */
const keyframesAt = new Map<string, Set<number>>();

before(async () => {
  sim = await startSimRtspServer({
    name: 'Porch',
    username: 'viewer',
    password: 'V1ew:er@pass',
    streams: { stream2: { gop: GOP } },
  });
  await sim.prepare();
  const url = sim.url('stream2');
  const source = { url, maskedUrl: maskUrl(url) };
  feeds = new RtspVideoFeeds((_id, stream) => (stream === 'sub' ? source : undefined), { idleMs: 50 });
  pipeline = new FramePipeline({ feeds, idleMs: 50 });
  const frames: FrameProvider = {
    subscribe: (cameraId, o, onFrame, onError) =>
      pipeline.subscribe({ cameraId, ...source, stream: 'sub' }, { fps: o.fps, width: o.width, onError }, onFrame),
    latest: (cameraId) => pipeline.latest(cameraId),
    snapshot: (cameraId, o) => pipeline.snapshot({ cameraId, ...source, stream: 'sub' }, o),
  };
  deps = { fleet, log: createLogger('silent'), video: feeds, frames, metricsText: async () => '' };
});
after(async () => {
  await pipeline.close();
  feeds.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Notes the camera's keyframes by their arrival (the kept group hands old ones out again: a set). */
function watchKeyframes(cameraId: string): () => void {
  const seen = new Set<number>();
  keyframesAt.set(cameraId, seen);
  return feeds.feed(cameraId, 'sub')!.subscribe({
    onInfo: () => undefined,
    onAccessUnit: (au) => void (au.keyframe && seen.add(au.receivedAt)),
  });
}

/** Keyframes of the camera that arrived within [from, to] (performance.now() ms). */
const keyframesBetween = (cameraId: string, from: number, to: number) =>
  [...(keyframesAt.get(cameraId) ?? [])].filter((t) => t >= from && t <= to);

interface Received {
  at: number;
  json: any;
}

/** RunStream of `path` as Grafana runs it; `first(cond)` resolves with the first packet matching. */
function runChannel(path: string) {
  const ac = new AbortController();
  const packets: Received[] = [];
  const waiters: Array<() => void> = [];
  const sink: StreamSink = {
    signal: ac.signal,
    send(data: Buffer) {
      packets.push({ at: performance.now(), json: JSON.parse(data.toString()) });
      waiters.splice(0).forEach((w) => w());
      return true;
    },
  };
  const done = run(deps, path, sink);
  const first = (cond: (p: Received) => boolean, what: string, ms = 20_000) =>
    new Promise<Received>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = () => {
        const p = packets.find(cond);
        if (p) {
          clearTimeout(timer);
          resolve(p);
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return {
    packets,
    first,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

/** Rows of a frame-JSON packet by field name (the schema comes with a channel's first packet). */
function rows(json: any, names: string[]): Array<Record<string, any>> {
  const cols: unknown[][] = json.data.values;
  return cols[0].map((_, i) => Object.fromEntries(names.map((n, k) => [n, cols[k][i]])));
}

const VIDEO_NAMES = ['time', 'seq', 'kind', 'keyframe', 'codec', 'width', 'height', 'data', 'error'];
const hasFragment = (p: Received) => rows(p.json, VIDEO_NAMES).some((r) => r.kind === 'fragment');
const hasJpeg = (p: Received) => {
  const names = p.json.schema?.fields.map((f: any) => f.name) ?? null;
  return names !== null && rows(p.json, names).some((r) => r.jpeg !== '');
};

/** The JPEG of a pictures packet (the first in a channel: it carries the schema). */
function jpegOf(json: any): { time: number; jpeg: Buffer } {
  const r = rows(
    json,
    json.schema.fields.map((f: any) => f.name)
  )[0];
  return { time: r.time, jpeg: Buffer.from(r.jpeg, 'base64') };
}

/** ffmpeg decodes the JPEG: the size it reports. */
async function decodeJpeg(jpeg: Buffer): Promise<string> {
  const child = spawn('ffmpeg', ['-hide_banner', '-v', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-f', 'rawvideo', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let bytes = 0;
  let err = '';
  child.stdout.on('data', (d: Buffer) => (bytes += d.length));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(jpeg);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0, `ffmpeg decodes the JPEG: ${err}`);
  return `${bytes} bytes of pixels`;
}

test('a video viewer of a stream the pictures hold open starts at once from the kept group, which decodes', async (t) => {
  const unwatch = watchKeyframes('porch');
  t.after(unwatch);
  const pictures = runChannel('camera/porch/frames/2/320');
  t.after(() => pictures.stop());
  await pictures.first(hasJpeg, 'a first picture');

  const joinedAt = performance.now();
  const joinedEpoch = Date.now();
  const video = runChannel('camera/porch/video/sub');
  t.after(() => video.stop());
  const firstFragment = await video.first(hasFragment, 'a first video fragment');
  assert.deepEqual(
    keyframesBetween('porch', joinedAt, firstFragment.at),
    [],
    'it came before the camera sent another keyframe'
  );
  const first = video.packets[0];
  const got = rows(first.json, VIDEO_NAMES);
  assert.deepEqual(
    got.slice(0, 2).map((r) => [r.kind, r.keyframe]),
    [
      ['init', false],
      ['fragment', true],
    ],
    'init, then the keyframe that opens the group'
  );
  assert.ok(got[1].time < joinedEpoch, 'the keyframe was read before the viewer came: it is the kept one');

  // The player's view: init and the fragments that came with it decode, keyframe first.
  const file = join(dir, 'joined.mp4');
  writeFileSync(file, Buffer.concat(got.map((r) => Buffer.from(r.data, 'base64'))));
  const { frames } = await ffprobeJson<{ frames: Array<{ key_frame: number; width: number; height: number }> }>(
    file,
    'frame=key_frame,width,height'
  );
  assert.equal(frames.length, got.length - 1, 'every fragment of the group decodes');
  assert.deepEqual([frames[0].key_frame, frames[0].width, frames[0].height], [1, 640, 360]);
});

test('a JPEG viewer of a stream the video holds open has a picture at once, and the next viewer gets the last one', async (t) => {
  const unwatch = watchKeyframes('yard');
  t.after(unwatch);
  const video = runChannel('camera/yard/video/sub');
  t.after(() => video.stop());
  await video.first(hasFragment, 'the video playing');

  // ffmpeg starts on the kept group: its first picture does not wait for the next keyframe.
  const joinedAt = performance.now();
  const pictures = runChannel('camera/yard/frames/2/320');
  t.after(() => pictures.stop());
  const firstPicture = await pictures.first(hasJpeg, 'a first picture');
  assert.deepEqual(
    keyframesBetween('yard', joinedAt, firstPicture.at),
    [],
    'it came before the camera sent another keyframe'
  );
  const mine = jpegOf(firstPicture.json);
  assert.deepEqual(jpegSize(mine.jpeg), { width: 320, height: 180 });
  await decodeJpeg(mine.jpeg);

  // A second viewer of the pictures: the last one comes with the subscription itself.
  const before = Date.now();
  const sub = await subscribe(deps, 'camera/yard/frames/2/320');
  assert.equal(sub.status, 'OK');
  assert.ok(sub.data, 'initial data: the last picture');
  const last = jpegOf(JSON.parse(sub.data.toString()));
  assert.ok(last.time <= before, 'made before the viewer came');
  assert.ok(last.time >= mine.time, 'the newest there is');
  assert.deepEqual(jpegSize(last.jpeg), { width: 320, height: 180 });
  await decodeJpeg(last.jpeg);
});
