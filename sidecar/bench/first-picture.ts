/**
 * Time to first picture through RunStream, as a panel waits for it: from the call (RunStream for
 * the first viewer, SubscribeStream for a viewer joining an open channel) to the first packet that
 * holds a picture (a video fragment, a JPEG), over the 16 simulated cameras, p50/p99. Beside it the
 * cameras' own keyframe spacing, read off the video channels: without a kept group of pictures a
 * viewer would wait up to that long for the next keyframe.
 *
 * Cold: no stream of the camera is open (the sidecar's feeds and ffmpegs have gone idle). Open:
 * another viewer holds the channel (video: init + the kept group; JPEG: the last picture), or, for
 * JPEG, the camera's stream is open for video, so ffmpeg starts on the kept group.
 */
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { FRAME_FIELDS, LIVE_DEFAULT_WIDTH } from '../../src/shared/query.ts';
import { call, type pluginClients } from '../test/helpers/grpc-client.ts';
import { fmt, summary } from './_stats.ts';

/** What the bench rig gives this section (live.ts's Rig). */
export interface FirstPictureRig {
  ids: string[];
  ctx: unknown;
  clients: ReturnType<typeof pluginClients>;
  /** The sidecar's ffmpeg children (gone once its pictures went idle). */
  ffmpegs: () => number[];
}

type StreamClient = grpc.Client & { RunStream: (req: unknown) => grpc.ClientReadableStream<{ data: Buffer }> };

const WIDTH = LIVE_DEFAULT_WIDTH;
const ROUNDS = 2;
const FIRST_TIMEOUT_MS = 30_000;
/** The sidecar's feeds end this long after their last subscriber (feeds.ts's default idle). */
const FEED_IDLE_MS = 5_000;
/** How long the open channels run to show two keyframes of each camera. */
const KEYFRAME_WATCH_MS = 5_000;

const hasFragment = (data: Buffer) => data.includes('"fragment"');

/** A pictures packet with a JPEG in it (the channel's first packet carries the schema). */
function jpegReader(): (data: Buffer) => boolean {
  let col = -1;
  return (data) => {
    const p = JSON.parse(data.toString('utf8')) as {
      schema?: { fields: Array<{ name: string }> };
      data: { values: unknown[][] };
    };
    if (p.schema) {
      col = p.schema.fields.findIndex((f) => f.name === FRAME_FIELDS.jpeg);
    }
    return col >= 0 && typeof p.data.values[col][0] === 'string' && (p.data.values[col][0] as string).length > 0;
  };
}

interface Opened {
  ms: Promise<number>;
  stream: grpc.ClientReadableStream<{ data: Buffer }>;
  /** Epoch ms of each keyframe fragment the channel carried (video channels). */
  keyframes: number[];
}

/** RunStream of `path`: the time to the first packet `isPicture` accepts; the stream stays open. */
function open(client: StreamClient, ctx: unknown, path: string, isPicture: (d: Buffer) => boolean): Opened {
  const t0 = performance.now();
  const stream = client.RunStream({ pluginContext: ctx, path });
  const keyframes: number[] = [];
  const video = path.includes('/video/');
  const ms = new Promise<number>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(
      () => reject(new Error(`${path}: no picture within ${FIRST_TIMEOUT_MS} ms`)),
      FIRST_TIMEOUT_MS
    );
    stream.on('data', (p: { data: Buffer }) => {
      if (!done && isPicture(p.data)) {
        done = true;
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
      if (video) {
        keyframes.push(...keyframeTimes(p.data));
      }
    });
    stream.on('error', () => undefined); // cancelled
  });
  return { ms, stream, keyframes };
}

/** The times of the keyframe fragments in a video packet (columns: time, seq, kind, keyframe, ...). */
function keyframeTimes(data: Buffer): number[] {
  const v = data.indexOf('"values":[') + 10;
  let at = v;
  for (let col = 0; col < 4; col++) {
    at = data.indexOf('],[', at) + 2;
  }
  const [times, , , keys] = JSON.parse(`[${data.toString('utf8', v, at - 1)}]`) as [
    number[],
    unknown,
    unknown,
    boolean[],
  ];
  return times.filter((_, i) => keys[i]);
}

/** SubscribeStream of `path` (a viewer joining an open channel): the time to its initial data, if that is a picture. */
async function join(
  client: StreamClient,
  ctx: unknown,
  path: string,
  isPicture: (d: Buffer) => boolean
): Promise<number | null> {
  const t0 = performance.now();
  const sub = await call<{ status: string; data?: Buffer }>(client, 'SubscribeStream', { pluginContext: ctx, path });
  const ms = performance.now() - t0;
  return sub.status === 'OK' && sub.data && sub.data.length > 0 && isPicture(sub.data) ? ms : null;
}

/** Waits (bounded) until the sidecar's ffmpegs are gone, then for its feeds to go idle. */
async function untilCold(rig: FirstPictureRig): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (rig.ffmpegs().length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, FEED_IDLE_MS + 1000));
}

function line(what: string, samples: number[], missing = 0): string {
  const s = summary(samples);
  return `  ${what}: p50 ${fmt(s.p50, 0)} ms, p99 ${fmt(s.p99, 0)} ms (n=${s.n}${missing ? `, ${missing} without a picture` : ''})`;
}

/** Median spacing of consecutive keyframes per channel, in ms, over every channel. */
function keyInterval(channels: Opened[]): string {
  const gaps: number[] = [];
  for (const c of channels) {
    const k = [...new Set(c.keyframes)].sort((a, b) => a - b);
    for (let i = 1; i < k.length; i++) {
      gaps.push(k[i] - k[i - 1]);
    }
  }
  const s = summary(gaps);
  return s.n ? `${fmt(s.p50, 0)} ms (p99 ${fmt(s.p99, 0)} ms, ${s.n} gaps)` : 'not seen';
}

export async function runFirstPicture(rig: FirstPictureRig): Promise<void> {
  const client = rig.clients.stream as StreamClient;
  const { ids, ctx } = rig;
  const video = (id: string, stream = 'main') => `camera/${id}/video/${stream}`;
  const pictures = (id: string) => `camera/${id}/frames/2/${WIDTH}`;
  console.log(
    `first picture (through RunStream / SubscribeStream; ${ids.length} cameras opened one after the other, ${ROUNDS} rounds cold): from the call to the first packet with a picture`
  );
  const cancel = (list: Opened[]) => list.forEach((o) => o.stream.cancel());
  const times = async (list: Opened[]) => Promise.all(list.map((o) => o.ms));
  /** One camera after the other, each left open: a camera's own wait, not a 16-way stampede on the host. */
  const oneByOne = async (path: (id: string) => string, isPicture: () => (d: Buffer) => boolean) => {
    const list: Opened[] = [];
    const ms: number[] = [];
    for (const id of ids) {
      const o = open(client, ctx, path(id), isPicture());
      list.push(o);
      ms.push(await o.ms);
    }
    return { list, ms };
  };

  await untilCold(rig);
  const coldVideo: number[] = [];
  const coldJpeg: number[] = [];
  let mainKeys = '';
  for (let round = 0; round < ROUNDS; round++) {
    const { list: v, ms: vms } = await oneByOne(video, () => hasFragment);
    coldVideo.push(...vms);
    if (round === 0) {
      await new Promise((r) => setTimeout(r, KEYFRAME_WATCH_MS)); // two keyframes' worth of video
      mainKeys = keyInterval(v);
    }
    cancel(v);
    await untilCold(rig);
    const { list: j, ms: jms } = await oneByOne(pictures, jpegReader);
    coldJpeg.push(...jms);
    cancel(j);
    await untilCold(rig);
  }

  // Open: a viewer holds each channel; another viewer joins it (SubscribeStream's initial data).
  const holdVideo = ids.map((id) => open(client, ctx, video(id), hasFragment));
  await times(holdVideo);
  const holdJpeg = ids.map((id) => open(client, ctx, pictures(id), jpegReader()));
  await times(holdJpeg);
  const openVideo: number[] = [];
  const openJpeg: number[] = [];
  let missingVideo = 0;
  let missingJpeg = 0;
  for (let round = 0; round < 3; round++) {
    await new Promise((r) => setTimeout(r, 700)); // joins at different points of the group
    for (const id of ids) {
      const v = await join(client, ctx, video(id), hasFragment);
      const j = await join(client, ctx, pictures(id), jpegReader());
      v === null ? missingVideo++ : openVideo.push(v);
      j === null ? missingJpeg++ : openJpeg.push(j);
    }
  }
  cancel(holdVideo);
  cancel(holdJpeg);
  await untilCold(rig);

  // JPEG on a stream the video holds open (the pictures' stream, stream2: video/sub).
  const holdSub = ids.map((id) => open(client, ctx, video(id, 'sub'), hasFragment));
  await times(holdSub);
  await new Promise((r) => setTimeout(r, KEYFRAME_WATCH_MS));
  const subKeys = keyInterval(holdSub);
  const { list: onOpen, ms: jpegOnOpen } = await oneByOne(pictures, jpegReader);
  // And the other way round: video on the stream the pictures hold open (the video channels gone).
  cancel(holdSub);
  await new Promise((r) => setTimeout(r, 1000)); // the sidecar sees the cancellations
  const { list: videoOnPictures, ms: videoOnOpen } = await oneByOne(
    (id) => video(id, 'sub'),
    () => hasFragment
  );
  cancel(videoOnPictures);
  cancel(onOpen);

  console.log(
    `  the cameras' keyframe spacing (the rig's settings read stream2, 640x360, for every channel here): video/main ${mainKeys}; video/sub ${subKeys}`
  );
  console.log(line('video, cold (RunStream; the camera connects)', coldVideo));
  console.log(line('video, channel open (SubscribeStream: init + the kept group)', openVideo, missingVideo));
  console.log(line(`JPEG ${WIDTH} px at 2 fps, cold (RunStream; the camera connects, ffmpeg starts)`, coldJpeg));
  console.log(line('JPEG, channel open (SubscribeStream: the last picture)', openJpeg, missingJpeg));
  console.log(line('JPEG, stream open for video (RunStream; ffmpeg starts on the kept group)', jpegOnOpen));
  console.log(line('video, stream open for pictures (RunStream: init + the kept group)', videoOnOpen));
  await untilCold(rig);
}
