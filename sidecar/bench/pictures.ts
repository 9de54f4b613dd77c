/**
 * Event pictures (issue 21): time from an event's start to its picture being on disk, p50/p99.
 * Four simulated C210 cameras (RTSP with camera-sized streams, ONVIF events) polled by the real
 * fleet; the sidecar's own path: the ONVIF event, the fleet's recorder, the picture taker, the
 * camera's one ffmpeg (picture and thumbnail), the store's write.
 * - cold: no one is watching, so the event's grab starts the camera's stream and ffmpeg;
 * - warm: a viewer's frames channel runs, so the running stream's latest picture is taken.
 * The floor, in the same run: one bare ffmpeg per grab reading the same RTSP stream and writing
 * one 640 px JPEG to a file (spawn to exit), which is what a cold grab cannot beat.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventPictureTaker } from '../src/app/event-pictures.ts';
import { frameProvider } from '../src/app/frame-provider.ts';
import { streamSources } from '../src/app/stream-sources.ts';
import { cameraVideo } from '../src/app/video.ts';
import { simulatedCameraConfig } from '../src/demo/configs.ts';
import { Fleet, onvifMotionSourceFactory } from '../src/fleet/index.ts';
import { createLogger } from '../src/log.ts';
import { EventPictureStore } from '../src/media/event-pictures/store.ts';
import { startSimulatedFleet } from '../src/simulator/fleet.ts';
import { mediaExtras } from '../src/simulator/media-extras.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { QUIET, rtspTcpInput } from '../test/helpers/ffmpeg-args.ts';
import { fmt, summary } from './_stats.ts';

const CAMERAS = 4;
const ROUNDS = 6;
const DEADLINE_MS = 60_000;

export async function run(): Promise<void> {
  const log = createLogger(process.env.BENCH_LOG ?? 'error');
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-pictures-'));
  const sim = await startSimulatedFleet({
    host: '127.0.0.1',
    count: CAMERAS,
    profiles: Array(CAMERAS).fill('C210'),
    extras: mediaExtras({}),
    cameraOptions: () => ({ motionDurationMs: 300 }),
  });
  const store = await openSqliteStore({ file: join(dir, 'h.sqlite') });
  const fleet = new Fleet({ store, motionSourceFactory: onvifMotionSourceFactory, startSpreadMs: 0 });
  const d = sim.describe();
  const url = (i: number) =>
    `rtsp://${encodeURIComponent(d[i]!.cameraAccount.username)}:${encodeURIComponent(d[i]!.cameraAccount.password)}@${d[i]!.host}:${d[i]!.rtspPort}/stream2`;
  await fleet.applyCameras(
    d.map((c, i) =>
      simulatedCameraConfig(c, { id: `cam-${i}`, pollIntervalMs: 2000, source: 'bench', rtspUrlOverride: url(i) })
    ),
    { source: 'bench' }
  );
  await fleet.start();
  const streams = streamSources(fleet);
  const video = cameraVideo({ ffmpegPath: 'ffmpeg', fleet, sources: streams, log });
  const frames = frameProvider(video.pipeline, streams.sourceOf);
  const pictures = await EventPictureStore.open({ dir: join(dir, 'event-pictures'), log });
  // Measured from the moment the simulator starts the event (the camera stamps ONVIF events in
  // whole seconds of its own clock, so the event's recorded start is off by up to a second).
  const triggered = new Map<string, number>();
  const stored: Array<{ cameraId: string; ms: number }> = [];
  let onStored: () => void = () => undefined;
  const taker = new EventPictureTaker({
    fleet,
    frames,
    store: pictures,
    log,
    onStored: (e) => {
      stored.push({ cameraId: e.cameraId, ms: e.storedAt - triggered.get(e.cameraId)! });
      onStored();
    },
  });
  taker.start();
  const unsubs: Array<() => void> = [];
  try {
    await waitUntil(() => d.every((_c, i) => fleet.motionBySubscription(`cam-${i}`)), 'ONVIF subscriptions');

    /** One event on every camera at once; resolves with the start → on disk times of that round. */
    const round = async (): Promise<number[]> => {
      const before = stored.length;
      const done = new Promise<void>((resolve) => {
        onStored = () => stored.length >= before + CAMERAS && resolve();
      });
      for (const [i, cam] of sim.cameras.entries()) {
        triggered.set(`cam-${i}`, Date.now());
        cam.triggerMotion('person');
      }
      await withDeadline(
        done,
        `the round of pictures (${JSON.stringify(taker.stats)}, ${stored.length - before} stored)`
      );
      // The event ends before the next one starts (ONVIF events are start/end pairs), and the next
      // starts in a new second: the camera stamps events in whole seconds, one per second and kind.
      await new Promise((r) => setTimeout(r, 400));
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
      return stored.slice(before).map((s) => s.ms);
    };

    const cold = await round();
    const later: number[] = [];
    for (let k = 1; k < ROUNDS; k++) {
      later.push(...(await round()));
    }
    // A viewer watches every camera: events take the running stream's picture.
    let seen = 0;
    const watching = new Promise<void>((resolve) => {
      for (let i = 0; i < CAMERAS; i++) {
        let first = true;
        unsubs.push(
          frames.subscribe(
            `cam-${i}`,
            { fps: 2, width: 640 },
            () => {
              if (first) {
                first = false;
                if (++seen === CAMERAS) {
                  resolve();
                }
              }
            },
            () => undefined
          )
        );
      }
    });
    await withDeadline(watching, 'the viewers');
    const warm: number[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      warm.push(...(await round()));
    }
    for (const u of unsubs.splice(0)) {
      u();
    }

    // The floor: a bare ffmpeg grab to a file per camera, as many as the cold and later rounds.
    const floor: number[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      floor.push(...(await Promise.all(d.map((_c, i) => bareGrab(url(i), join(dir, `floor-${i}.jpg`))))));
    }

    const row = (what: string, xs: number[]) => {
      const s = summary(xs);
      console.log(
        `${what.padEnd(58)} p50 ${fmt(s.p50, 0).padStart(5)} ms  p99 ${fmt(s.p99, 0).padStart(5)} ms  (n=${s.n})`
      );
    };
    console.log(
      `event start -> picture on disk, ${CAMERAS} cameras (C210 stream2 640x360, H.264 15 fps), all at once:`
    );
    row('cold: first event, no stream running (starts RTSP + ffmpeg)', cold);
    row('after it: the stream and ffmpeg of the first grab still run', later);
    row("warm: a viewer watches (the running stream's picture)", warm);
    row('floor: bare ffmpeg, RTSP -> one 640 px JPEG file (spawn to exit)', floor);
    const u = pictures.usage();
    console.log(
      `store: ${u.count} pictures, ${fmt(u.bytes / 1024, 0)} KiB (picture + thumbnail ${fmt(u.bytes / u.count / 1024, 1)} KiB each)`
    );
  } finally {
    for (const u of unsubs) {
      u();
    }
    await taker.stop();
    await pictures.close();
    await video.pipeline.close();
    video.feeds.close();
    await fleet.stop();
    await store.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bareGrab(url: string, file: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      [...QUIET, ...rtspTcpInput(url, []), '-an', '-frames:v', '1', '-vf', 'scale=640:-2', '-q:v', '5', '-y', file],
      { stdio: 'ignore' }
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ffmpeg exited ${code}`))
    );
  });
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function waitUntil(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!pred()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
