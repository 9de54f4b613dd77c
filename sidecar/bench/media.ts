/**
 * Media figures on camera-sized streams, side by side in one run: 16 simulated C210 cameras
 * (stream1 2304x1296, stream2 640x360, H.264 at 15 fps; RTSP servers in a child process, so this
 * process's CPU is ours alone).
 * - The floor: bare ffmpeg doing what the JPEG path does (read stream2 over RTSP, decode, scale,
 *   JPEG) per camera at 1, 2 and 5 fps; our JPEG path (our RTSP client -> ffmpeg on stdin) at the
 *   same rates as a ratio of it (goal <= 1.15x; the median of REPEATS back-to-back pairs). At 1 fps the stream's keyframe rate is reached and
 *   our path decodes keyframes only.
 * - The video path's input: our RTSP client receiving stream1 of all 16 cameras at full frame rate
 *   (CPU, bit rate, packet-in -> access-unit-out latency p50/p99).
 * Bounded: about 2 minutes (plus a one-time clip encode on the first run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { spawnFloorFfmpeg } from './_floor.ts';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FramePipeline } from '../src/media/pipeline.ts';
import { RtspVideoFeeds } from '../src/media/video/feeds.ts';
import { maskUrl } from '../src/tapo/rtsp.ts';
import { procCpuSeconds } from './_stats.ts';

const CAMERAS = 16;
const RATES = [1, 2, 5];
const WIDTH = 320;
const WINDOW_MS = 8000;
/**
 * Floor and ours run as pairs, back to back, this many times per rate: the ratio printed is the
 * median of the pairs' ratios, so a burst of load from other work moves one pair, not the figure.
 */
const REPEATS = 3;
const WARMUP_TIMEOUT_MS = 60_000;

interface SimInfo {
  port: number;
}

/** Starts the simulated cameras in a child process (clips prepared) and returns their ports. */
async function startSims(): Promise<{ child: ChildProcess; sims: SimInfo[]; user: string; pass: string }> {
  const user = 'bench';
  const pass = 'Bench:Pass@1';
  const simModule = fileURLToPath(new URL('../src/simulator/rtsp.ts', import.meta.url));
  const code = `
    import { startSimRtspServer } from ${JSON.stringify(simModule)};
    const sims = [];
    for (let i = 0; i < ${CAMERAS}; i++) {
      sims.push(await startSimRtspServer({ name: 'Bench ' + (i + 1), model: 'C210', username: ${JSON.stringify(user)}, password: ${JSON.stringify(pass)} }));
    }
    await Promise.all(sims.map((s) => s.prepare()));
    process.stdout.write(JSON.stringify(sims.map((s) => ({ port: s.port }))) + '\\n');
    process.stdin.on('end', async () => { await Promise.all(sims.map((s) => s.close())); process.exit(0); });
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, TAPO_LOG_LEVEL: 'error' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const t = setTimeout(() => reject(new Error('simulators did not start')), 600_000);
    rl.once('line', (l) => {
      clearTimeout(t);
      resolve(l);
    });
    child.once('exit', (c) => reject(new Error(`simulator process exited (${c})`)));
  });
  return { child, sims: JSON.parse(line) as SimInfo[], user, pass };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const urlOf = (user: string, pass: string, port: number, stream: string) =>
  `rtsp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}/${stream}`;

/** CPU (in cores) of some processes over the window, and pictures counted by `count`. */
async function measure(pids: () => number[], withSelf: boolean, count: () => number) {
  const p0 = new Map(pids().map((p) => [p, procCpuSeconds(p) ?? 0]));
  const self0 = process.cpuUsage();
  const n0 = count();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const secs = (performance.now() - t0) / 1000;
  let cpu = 0;
  for (const [p, c0] of p0) {
    cpu += (procCpuSeconds(p) ?? c0) - c0;
  }
  const self = process.cpuUsage(self0);
  const selfCpu = (self.user + self.system) / 1e6;
  return { cores: (cpu + (withSelf ? selfCpu : 0)) / secs, selfCores: selfCpu / secs, rate: (count() - n0) / secs };
}

/** The floor: one bare ffmpeg per camera reading stream2 over RTSP and writing JPEGs. */
async function floor(fps: number, sims: SimInfo[], user: string, pass: string) {
  let frames = 0;
  const children = sims.map((s) => {
    return spawnFloorFfmpeg(urlOf(user, pass, s.port, 'stream2'), fps, WIDTH, () => {
      frames++;
    });
  });
  try {
    const deadline = Date.now() + WARMUP_TIMEOUT_MS;
    while (frames < sims.length && Date.now() < deadline) {
      await sleep(200);
    }
    await sleep(1000);
    return await measure(
      () => children.map((c) => c.pid!).filter(Boolean),
      false,
      () => frames
    );
  } finally {
    for (const c of children) {
      c.kill('SIGKILL');
    }
  }
}

/** Our JPEG path: the pipeline (own RTSP client, ffmpeg on stdin) on stream2. */
async function ours(fps: number, sims: SimInfo[], user: string, pass: string) {
  const pipeline = new FramePipeline({ idleMs: 1000, stallMs: 30_000 });
  const pids = new Set<number>();
  let keyOnly = false;
  pipeline.events.on('ffmpeg-start', (e: { pid: number; keyframesOnly: boolean }) => {
    pids.add(e.pid);
    keyOnly = keyOnly || e.keyframesOnly;
  });
  let frames = 0;
  const seen = new Set<string>();
  const unsubs = sims.map((s, i) => {
    const url = urlOf(user, pass, s.port, 'stream2');
    return pipeline.subscribe(
      { cameraId: `cam${i}`, url, maskedUrl: maskUrl(url), stream: 'sub' },
      { fps, width: WIDTH },
      () => {
        frames++;
        seen.add(`cam${i}`);
      }
    );
  });
  try {
    const deadline = Date.now() + WARMUP_TIMEOUT_MS;
    while (seen.size < sims.length && Date.now() < deadline) {
      await sleep(200);
    }
    // Long enough to learn the keyframe spacing and settle a keyframe-only restart.
    await sleep(fps <= 1 ? 4000 : 1000);
    const live = () =>
      pipeline
        .cameraStats()
        .map((c) => c.pid)
        .filter((p): p is number => p !== null);
    const m = await measure(live, true, () => frames);
    const keyframesOnly = pipeline.cameraStats().filter((c) => c.keyframesOnly).length;
    return { ...m, keyframesOnly, restarts: pipeline.stats().restarts };
  } finally {
    unsubs.forEach((u) => u());
    await pipeline.close();
  }
}

/** The video path's input: our RTSP client on stream1 of every camera at full frame rate. */
async function client(sims: SimInfo[], user: string, pass: string) {
  const feeds = new RtspVideoFeeds((id) => {
    const url = urlOf(user, pass, sims[Number(id)].port, 'stream1');
    return { url, maskedUrl: maskUrl(url) };
  });
  let aus = 0;
  let bytes = 0;
  let measuring = false;
  const lat: number[] = [];
  const unsubs = sims.map((_, i) =>
    feeds.feed(String(i), 'main')!.subscribe({
      onInfo: () => undefined,
      onAccessUnit: (au) => {
        aus++;
        if (measuring) {
          lat.push(performance.now() - au.receivedAt);
          bytes += au.nalus.reduce((a, n) => a + n.length, 0);
        }
      },
    })
  );
  try {
    const deadline = Date.now() + WARMUP_TIMEOUT_MS;
    while (aus < sims.length * 15 && Date.now() < deadline) {
      await sleep(200);
    }
    measuring = true;
    const m = await measure(
      () => [],
      true,
      () => aus
    );
    measuring = false;
    lat.sort((a, b) => a - b);
    return {
      ...m,
      kbpsPerCamera: (bytes * 8) / (WINDOW_MS / 1000) / sims.length / 1000,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
    };
  } finally {
    unsubs.forEach((u) => u());
    feeds.close();
  }
}

const core = (c: number) => `${(c * 100).toFixed(1)}% of a core`;

export async function run(): Promise<void> {
  console.log(
    `media: ${CAMERAS} simulated C210 cameras (stream1 2304x1296, stream2 640x360, H.264 15 fps), JPEG width ${WIDTH}`
  );
  const { child, sims, user, pass } = await startSims();
  try {
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    for (const fps of RATES) {
      const pairs: Array<{ f: Awaited<ReturnType<typeof floor>>; o: Awaited<ReturnType<typeof ours>> }> = [];
      for (let i = 0; i < REPEATS; i++) {
        pairs.push({ f: await floor(fps, sims, user, pass), o: await ours(fps, sims, user, pass) });
      }
      const ratios = pairs.map(({ f, o }) => o.cores / f.cores);
      const f = median(pairs.map((p) => p.f.cores));
      const o = median(pairs.map((p) => p.o.cores));
      const last = pairs[pairs.length - 1];
      console.log(
        `  JPEG ${fps} fps x ${sims.length}: floor (bare ffmpeg on RTSP) ${core(f)}, ${last.f.rate.toFixed(1)} pictures/s; ` +
          `ours ${core(o)} (sidecar ${core(median(pairs.map((p) => p.o.selfCores)))}), ${last.o.rate.toFixed(1)} pictures/s, ` +
          `keyframes only on ${last.o.keyframesOnly}/${sims.length}; ratio ${median(ratios).toFixed(2)}x, the median of ` +
          `${ratios.map((r) => r.toFixed(2)).join(', ')} (goal <= 1.15x); ${REPEATS} x ${WINDOW_MS / 1000} s each (medians)`
      );
    }
    const sim0 = procCpuSeconds(child.pid!) ?? 0;
    const t0 = performance.now();
    const c = await client(sims, user, pass);
    const simCores = ((procCpuSeconds(child.pid!) ?? sim0) - sim0) / ((performance.now() - t0) / 1000);
    console.log(
      `  RTSP client, stream1 of ${sims.length} cameras at full rate: ${core(c.cores)}, ${c.rate.toFixed(0)} access units/s, ` +
        `${c.kbpsPerCamera.toFixed(0)} kbit/s per camera; packet-in -> access-unit-out p50 ${c.p50.toFixed(3)} ms p99 ${c.p99.toFixed(3)} ms; ` +
        `the simulator sending them (clip replay): ${core(simCores)}`
    );
  } finally {
    child.stdin?.end();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
