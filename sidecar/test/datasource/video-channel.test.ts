/**
 * The Live video channel through real gRPC with real H.264 (ffmpeg-made, replayed by a test feed):
 * the video query's tiles, init + fragments that ffprobe decodes, a viewer joining mid-stream at the
 * last keyframe, a stalled viewer losing whole groups (never a backlog), H.265 and cameras without
 * video saying why, and one feed session however many streams watch it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type * as grpc from '@grpc/grpc-js';
import { createLogger } from '../../src/log.ts';
import { createDatasource } from '../../src/datasource/plugin.ts';
import type { PluginHandlers, StreamSink } from '../../src/grafana/handlers.ts';
import { readBoxes } from '../../src/media/fmp4/index.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { call, pluginContext, servePlugin } from '../helpers/grpc-client.ts';
import { makeH264Clip } from '../helpers/h264.ts';
import { ReplayFeed, ReplayFeeds } from '../helpers/replay-feeds.ts';
import { ffprobeJson } from '../helpers/ffprobe.ts';

const log = createLogger('silent');
const now = Date.now();
const fleet = new MemoryFleet();
fleet.addCamera('front', 'Front door', poll('front', now), true);
fleet.addCamera('attic', 'Attic', poll('attic', now, { model: 'C220' }));
fleet.addCamera('battery', 'Battery', poll('battery', now, { model: 'C420' }));
const feeds = new ReplayFeeds();

let served: Awaited<ReturnType<typeof servePlugin>>;
let clients: typeof served.clients;
let accepted = 0;
let refused = 0;
const dir = mkdtempSync(join(tmpdir(), 'video-channel-'));

before(async () => {
  const clip = await makeH264Clip({ width: 640, height: 360, fps: 15, seconds: 2, gop: 15 });
  feeds.add(new ReplayFeed('front', 'sub', clip.info, clip.aus));
  feeds.add(new ReplayFeed('attic', 'sub', { codec: 'h265', width: 640, height: 360, sps: [], pps: [] }, []));
  const datasource = createDatasource({ fleet, log, video: feeds, metricsText: async () => '' });
  // Counts what the sink accepted, to know when everything accepted has arrived.
  const handlers: PluginHandlers = {
    ...datasource,
    runStream: (req, sink) =>
      datasource.runStream(req, {
        signal: sink.signal,
        send(data: Buffer) {
          const ok = sink.send(data);
          if (ok) {
            accepted++;
          } else {
            refused++;
          }
          return ok;
        },
      } satisfies StreamSink),
  };
  served = await servePlugin(handlers, { log });
  clients = served.clients;
});
after(async () => {
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Row {
  time: number;
  seq: number;
  kind: string;
  keyframe: boolean;
  codec: string;
  width: number;
  height: number;
  data: string;
  error: string | null;
}

/** Rows of a packet, by the schema's field names (the schema comes with the first packet). */
function rowsOf(json: any, names: string[]): Row[] {
  const cols: unknown[][] = json.data.values;
  return cols[0].map((_, i) => Object.fromEntries(names.map((n, k) => [n, cols[k][i]])) as unknown as Row);
}

/** Reads a RunStream into rows, with a way to wait for a condition on what arrived. */
function watch(path: string) {
  const stream: grpc.ClientReadableStream<any> = clients.stream.RunStream({ pluginContext: pluginContext(), path });
  const rows: Row[] = [];
  const packets: any[] = [];
  let names: string[] = [];
  const waiters: Array<() => void> = [];
  stream.on('data', (p: any) => {
    const json = JSON.parse(p.data.toString());
    packets.push(json);
    names = json.schema ? json.schema.fields.map((f: any) => f.name) : names;
    rows.push(...rowsOf(json, names));
    waiters.splice(0).forEach((w) => w());
  });
  stream.on('error', () => undefined);
  const until = (cond: () => boolean, what: string, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { stream, rows, packets, until };
}

/** Waits until the relay listens to the feed (RunStream registered). */
async function listening(feed: ReplayFeed): Promise<void> {
  while (feed.watchers === 0) {
    await new Promise((r) => setImmediate(r));
  }
}

/** Pictures at a camera's pace: each one handed over once the previous one arrived (found by its time). */
async function stepInTurn(feed: ReplayFeed, w: ReturnType<typeof watch>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const seen = Math.max(0, ...w.rows.map((r) => r.seq));
    const [au] = feed.step(1);
    const time = Math.round(performance.timeOrigin + au.receivedAt);
    await w.until(
      () => w.rows.some((r) => r.kind === 'fragment' && r.seq > seen && r.time === time),
      `the picture of ${time}`
    );
  }
}

/** Hands out pictures up to the next keyframe, and waits for the viewer to get that keyframe. */
async function stepToKeyframe(feed: ReplayFeed, w: ReturnType<typeof watch>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const [au] = feed.step(1);
    if (au.keyframe) {
      const time = Math.round(performance.timeOrigin + au.receivedAt);
      await w.until(() => w.rows.some((r) => r.keyframe && r.time === time), 'the keyframe');
      return;
    }
  }
  throw new Error('no keyframe in the clip');
}

async function probeFrames(rows: Row[], name: string): Promise<Array<{ pts: number; key_frame: number }>> {
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(rows.map((r) => Buffer.from(r.data, 'base64'))));
  return (await ffprobeJson<{ frames: Array<{ pts: number; key_frame: number }> }>(file, 'frame=pts,key_frame')).frames;
}

test('a video query answers one row per camera with the channels to watch; old live queries still get pictures', async () => {
  const res: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [
      {
        refId: 'V',
        json: Buffer.from(JSON.stringify({ queryType: 'live', cameras: ['front', 'attic'], live: { kind: 'video' } })),
        queryType: 'live',
      },
      { refId: 'O', json: Buffer.from(JSON.stringify({ queryType: 'live', cameras: ['front'] })), queryType: 'live' },
      {
        refId: 'X',
        json: Buffer.from(JSON.stringify({ queryType: 'live', live: { kind: 'video', stream: 'stream9' } })),
        queryType: 'live',
      },
    ],
  });
  const v = tableFromIPC(res.responses.V.frames[0]);
  assert.equal(v.schema.metadata.get('meta'), undefined, 'no channel for Grafana to merge packets of');
  const col = (name: string) => v.getChild(name)!.toArray();
  assert.deepEqual(Array.from(col('camera_id')), ['front', 'attic']);
  assert.deepEqual(Array.from(col('video_channel')), [
    'ds/tapo-test/camera/front/video/sub',
    'ds/tapo-test/camera/attic/video/sub',
  ]);
  assert.equal(col('frames_channel')[0], 'ds/tapo-test/camera/front/frames/2/640');
  assert.ok(
    v.schema.fields.some((f) => f.name === 'privacy_mode'),
    'privacy mode for every viewer'
  );
  const old = tableFromIPC(res.responses.O.frames[0]);
  assert.match(JSON.parse(old.schema.metadata.get('meta')!).channel, /camera\/front\/frames\//);
  assert.match(res.responses.X.error, /live\.stream/);
});

test('RunStream: init with every keyframe, then one fragment per picture, which ffprobe decodes', async (t) => {
  const feed = feeds.get('front', 'sub');
  const sub: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'camera/front/video/sub',
  });
  assert.equal(sub.status, 'OK');
  assert.equal(sub.data.length, 0, 'nothing to start from before the camera was read');

  const w = watch('camera/front/video/sub');
  t.after(() => w.stream.cancel());
  await listening(feed);
  await stepInTurn(feed, w, 20);
  assert.ok(w.packets[0].schema, 'the first packet has the schema');
  assert.deepEqual(
    w.packets[0].schema.fields.map((f: any) => f.name),
    ['time', 'seq', 'kind', 'keyframe', 'codec', 'width', 'height', 'data', 'error']
  );
  assert.ok(w.packets.slice(1).every((p) => p.schema === undefined));
  const kinds = w.rows.map((r) => (r.kind === 'init' ? 'I' : r.keyframe ? 'K' : 'f')).join('');
  assert.equal(kinds, `IK${'f'.repeat(14)}IK${'f'.repeat(4)}`, 'an init before each keyframe');
  const frags = w.rows.filter((r) => r.kind === 'fragment');
  assert.deepEqual(
    frags.map((r) => r.seq),
    Array.from({ length: 20 }, (_, i) => i + 1)
  );
  assert.match(w.rows[0].codec, /^avc1\.[0-9a-f]{6}$/);
  assert.equal(w.rows[0].width, 640);
  assert.equal(w.rows[0].height, 360);
  for (const r of w.rows) {
    const types = readBoxes(Buffer.from(r.data, 'base64')).map((b) => b.type);
    assert.deepEqual(types, r.kind === 'init' ? ['ftyp', 'moov'] : ['moof', 'mdat']);
  }
  const largest = Math.max(...w.rows.map((r) => r.data.length));
  assert.ok(largest < 64 * 1024, `each message stays small (largest ${largest} base64 chars)`);
  // What a player does: the first init, then every fragment in order.
  const frames = await probeFrames([w.rows[0], ...frags], 'run.mp4');
  assert.equal(frames.length, 20);
  assert.deepEqual(
    frames.map((f) => f.pts),
    Array.from({ length: 20 }, (_, i) => i * 6000)
  );

  // A second viewer joining now starts at the last keyframe: init + the current group.
  const join: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'camera/front/video/sub',
  });
  const jsonJoin = JSON.parse(join.data.toString());
  const joinRows = rowsOf(
    jsonJoin,
    jsonJoin.schema.fields.map((f: any) => f.name)
  );
  assert.deepEqual(
    joinRows.map((r) => `${r.kind}:${r.seq}`),
    ['init:16', 'fragment:16', 'fragment:17', 'fragment:18', 'fragment:19', 'fragment:20']
  );
  const joined = await probeFrames(joinRows, 'join.mp4');
  assert.equal(joined.length, 5, 'the joining viewer decodes the whole current group');
  assert.equal(joined[0].key_frame, 1);

  // One camera session however many watch: a second RunStream of the channel shares it.
  const w2 = watch('camera/front/video/sub');
  t.after(() => w2.stream.cancel());
  // Paced by the first viewer until the second one is on (it starts at the next keyframe).
  for (let i = 0; i < 100 && !w2.rows.some((r) => r.kind === 'fragment'); i++) {
    await stepInTurn(feed, w, 1);
  }
  await stepInTurn(feed, w2, 5);
  assert.equal(feed.sessions, 1);
  assert.equal(feed.watchers, 1, 'the relay subscribes to the feed once');
  assert.equal(w2.rows.find((r) => r.kind === 'fragment')?.keyframe, true, 'a live viewer starts at a keyframe');
  w.stream.cancel();
  w2.stream.cancel();
  while (feed.watchers > 0) {
    await new Promise((r) => setImmediate(r));
  }
});

test('a stalled viewer loses whole groups of pictures, never gets a broken one, and nothing queues up', async (t) => {
  const feed = feeds.get('front', 'sub');
  const w = watch('camera/front/video/sub');
  t.after(() => w.stream.cancel());
  await listening(feed);
  accepted = 0;
  refused = 0;
  w.stream.pause(); // a browser that stopped reading
  feed.step(15 * 40); // 40 groups of pictures
  assert.ok(refused > 0, 'packets were refused while the viewer was stalled');
  const heldAccepted = accepted;
  w.stream.resume();
  await w.until(() => w.packets.length === heldAccepted, `every accepted packet (${heldAccepted})`);
  const frags = w.rows.filter((r) => r.kind === 'fragment');
  assert.ok(frags.length < 600, `dropped pictures (${frags.length} of 600 arrived)`);
  // After each gap, the next picture is a keyframe right behind an init.
  for (let i = 1; i < w.rows.length; i++) {
    const r = w.rows[i];
    if (r.kind !== 'fragment') {
      continue;
    }
    const prev = w.rows
      .slice(0, i)
      .reverse()
      .find((x) => x.kind === 'fragment');
    if (!prev || r.seq !== prev.seq + 1) {
      assert.equal(r.keyframe, true, `fragment ${r.seq} after a gap is a keyframe`);
      assert.equal(w.rows[i - 1].kind, 'init', `fragment ${r.seq} comes with the init`);
    }
  }
  // Once reading again, the viewer is back on the live edge at the next keyframe.
  await stepToKeyframe(feed, w);
  await stepInTurn(feed, w, 3);
  w.stream.cancel();
  while (feed.watchers > 0) {
    await new Promise((r) => setImmediate(r));
  }
});

test('a camera stream that fails says why once, then the video resumes at the next keyframe', async (t) => {
  const feed = feeds.get('front', 'sub');
  const w = watch('camera/front/video/sub');
  t.after(() => w.stream.cancel());
  await listening(feed);
  await stepToKeyframe(feed, w);
  await stepInTurn(feed, w, 2);
  feed.fail(new Error('the camera closed the RTSP session'));
  feed.fail(new Error('the camera closed the RTSP session'));
  await w.until(() => w.rows.some((r) => r.kind === 'problem'), 'a problem row');
  // Pictures after the failure but before a keyframe cannot be decoded: only the next group plays.
  const before = w.rows.length;
  await stepToKeyframe(feed, w);
  await stepInTurn(feed, w, 1);
  const after = w.rows.slice(before);
  assert.deepEqual(
    after.map((r) => (r.kind === 'init' ? 'I' : r.keyframe ? 'K' : 'f')),
    ['I', 'K', 'f']
  );
  const problems = w.rows.filter((r) => r.kind === 'problem');
  assert.equal(problems.length, 1, 'said once');
  assert.equal(problems[0].error, 'the camera closed the RTSP session');
  assert.equal(problems[0].codec, 'h264', 'a passing problem of a playable stream');
  w.stream.cancel();
  while (feed.watchers > 0) {
    await new Promise((r) => setImmediate(r));
  }
});

test('H.265 says it is not playable in the browser and frees the camera; a camera without video says so', async () => {
  const feed = feeds.get('attic', 'sub');
  const w = watch('camera/attic/video/sub');
  await w.until(() => w.rows.length > 0, 'a problem row');
  assert.equal(w.rows[0].kind, 'problem');
  assert.equal(w.rows[0].codec, 'h265');
  assert.match(w.rows[0].error!, /not playable in the browser/);
  assert.equal(feed.watchers, 0, 'the H.265 stream is not held open');
  const sub: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'camera/attic/video/sub',
  });
  assert.match(sub.data.toString(), /not playable in the browser/, 'a new viewer hears it at once');
  w.stream.cancel();

  const b = watch('camera/battery/video/main');
  await b.until(() => b.rows.length > 0, 'a problem row');
  assert.equal(b.rows[0].error, 'this camera has no video stream');
  b.stream.cancel();
  const unknown: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'camera/nobody/video/sub',
  });
  assert.equal(unknown.status, 'NOT_FOUND');
  const bad: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'camera/front/video/stream9',
  });
  assert.equal(bad.status, 'NOT_FOUND');
});
