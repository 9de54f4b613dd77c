/**
 * Frame pipeline figures: 16 simulated cameras (RTSP servers in a child process, so this process's
 * CPU is the pipeline's alone), one FramePipeline subscribing to all of them at 2, 5 and 10 fps.
 * Prints frames/s delivered, CPU per camera-fps (pipeline ffmpegs + this process), the time from a
 * JPEG being complete on ffmpeg's stdout to its delivery (p50/p99), and RSS with 16 live cameras.
 * Bounded: about 45 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FramePipeline, type TimedFrame } from '../src/media/pipeline.ts';
import { maskUrl } from '../src/tapo/rtsp.ts';
import { procCpuSeconds, procMem } from './_stats.ts';

const CAMERAS = 16;
const RATES = [2, 5, 10];
const WIDTH = 320;
const WINDOW_MS = 8000;
const WARMUP_TIMEOUT_MS = 30_000;
const SOURCE = { width: 640, height: 360, fps: 10 };

interface SimInfo {
  port: number;
}

/** Starts the simulated cameras in a child process and returns their ports. */
async function startSims(): Promise<{ child: ChildProcess; sims: SimInfo[]; user: string; pass: string }> {
  const user = 'bench';
  const pass = 'Bench:Pass@1';
  const simModule = fileURLToPath(new URL('../src/simulator/rtsp.ts', import.meta.url));
  const code = `
    import { startSimRtspServer } from ${JSON.stringify(simModule)};
    const sims = [];
    for (let i = 0; i < ${CAMERAS}; i++) {
      sims.push(await startSimRtspServer({ name: 'Bench ' + (i + 1), username: ${JSON.stringify(user)}, password: ${JSON.stringify(pass)},
        streams: { stream1: ${JSON.stringify(SOURCE)} } }));
    }
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
    const t = setTimeout(() => reject(new Error('simulators did not start')), 30_000);
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

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function phase(fps: number, sims: SimInfo[], user: string, pass: string): Promise<void> {
  const pipeline = new FramePipeline({ idleMs: 1000, stallMs: 30_000 });
  const pids = new Set<number>();
  pipeline.events.on('ffmpeg-start', (e: { pid: number }) => pids.add(e.pid));
  const firstSeen = new Set<string>();
  let measuring = false;
  let delivered = 0;
  const latencies: number[] = [];
  let allFirst!: () => void;
  const warm = new Promise<void>((r) => (allFirst = r));
  const unsubs = sims.map((s, i) => {
    const url = `rtsp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${s.port}/stream1`;
    const id = `cam${i + 1}`;
    return pipeline.subscribe({ cameraId: id, url, maskedUrl: maskUrl(url) }, { fps, width: WIDTH }, (f) => {
      if (!firstSeen.has(id)) {
        firstSeen.add(id);
        if (firstSeen.size === sims.length) {
          allFirst();
        }
      }
      if (!measuring) {
        return;
      }
      delivered++;
      latencies.push(performance.now() - (f as TimedFrame).readyAt);
    });
  });
  try {
    const t = setTimeout(() => allFirst(), WARMUP_TIMEOUT_MS);
    await warm;
    clearTimeout(t);
    // Let the fps filters settle before measuring.
    await new Promise((r) => setTimeout(r, 1000));
    const cpu0 = process.cpuUsage();
    const ff0 = new Map([...pids].map((p) => [p, procCpuSeconds(p) ?? 0]));
    const t0 = performance.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    measuring = false;
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const nodeCpu = (cpu.user + cpu.system) / 1e6;
    let ffCpu = 0;
    for (const [p, c0] of ff0) {
      ffCpu += (procCpuSeconds(p) ?? c0) - c0;
    }
    const live = [...pids].filter((p) => procCpuSeconds(p) !== null);
    const ffMem = live.map(procMem);
    const ffRss = ffMem.reduce((a, m) => a + m.rss, 0);
    const ffPss = ffMem.reduce((a, m) => a + m.pss, 0);
    const rss = process.memoryUsage().rss;
    latencies.sort((a, b) => a - b);
    const camFps = sims.length * fps;
    const st = pipeline.stats();
    console.log(
      `  ${String(fps).padStart(2)} fps x ${sims.length} cameras (${firstSeen.size} live, ${live.length} ffmpeg): ` +
        `${(delivered / secs).toFixed(1)} frames/s delivered (target ${camFps}); ` +
        `CPU per camera-fps ${(((nodeCpu + ffCpu) / secs / camFps) * 100).toFixed(2)}% of a core ` +
        `(ffmpeg ${((ffCpu / secs / camFps) * 100).toFixed(2)}%, sidecar ${((nodeCpu / secs / camFps) * 100).toFixed(3)}%); ` +
        `ready->delivered p50 ${pct(latencies, 50).toFixed(3)} ms p99 ${pct(latencies, 99).toFixed(3)} ms; ` +
        `RSS sidecar ${mb(rss)}; ffmpegs PSS ${mb(ffPss)} total (${mb(ffPss / Math.max(1, live.length))} each, RSS ${mb(ffRss / Math.max(1, live.length))} each incl. shared libs); dropped ${st.framesDropped}, restarts ${st.restarts}`
    );
  } finally {
    for (const u of unsubs) {
      u();
    }
    await pipeline.close();
  }
}

export async function run(): Promise<void> {
  console.log(
    `media: frame pipeline, ${CAMERAS} simulated cameras (${SOURCE.width}x${SOURCE.height} H.264 @ ${SOURCE.fps} fps over RTSP/TCP), JPEG width ${WIDTH}`
  );
  const { child, sims, user, pass } = await startSims();
  try {
    for (const fps of RATES) {
      await phase(fps, sims, user, pass);
    }
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
