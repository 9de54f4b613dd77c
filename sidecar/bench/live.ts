/**
 * Live view figures THROUGH RunStream, as Grafana consumes them: the built sidecar
 * (dist/.../sidecar/main.mjs, standalone, its own process) with 16 simulated cameras (the simulator
 * CLI with --media in another process: real Tapo API, camera-sized RTSP; the JPEG path reads
 * stream2, 640x360 H.264 @ 15 fps, through the sidecar's own RTSP client),
 * configured through the datasource settings in the PluginContext; one gRPC RunStream per camera on
 * camera/<id>/frames/<fps>/<width>, at 2, 5 and 10 fps. Prints frames/s received across the 16
 * channels, CPU per camera-fps (the sidecar's Node process from /proc/<pid>/stat, and its ffmpeg
 * children), the time from a JPEG complete on ffmpeg's output (the packet's `time`) to the packet's
 * arrival here (same host clock, ms resolution: an upper bound of the time to leave the sidecar),
 * p50/p99, and RSS with 16 live cameras. Bounded: about 75 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { spawnFloorFfmpeg } from './_floor.ts';
import { runFirstPicture } from './first-picture.ts';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { FRAME_FIELDS, LIVE_DEFAULT_WIDTH } from '../../src/shared/query.ts';
import { call, pluginClients, pluginContext } from '../test/helpers/grpc-client.ts';
import { fmt, procCpuSeconds, procMem, procThreadsCpu, summary, threadsCpuDelta } from './_stats.ts';

const CAMERAS = 16;
const RATES = [2, 5, 10];
const WIDTH = LIVE_DEFAULT_WIDTH;
const WINDOW_MS = 12_000;
/** A pictures phase runs this long before its window opens (the JIT's warm-up). */
const PICTURES_SETTLE_MS = 6_000;
const WARMUP_TIMEOUT_MS = 20_000;
const UID = 'bench-live';

const sidecarDir = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
// TAPO_BENCH_SIDECAR=<main.mjs>: another build (an older commit's, to compare) instead of dist's.
const mainMjs = process.env.TAPO_BENCH_SIDECAR ?? join(root, 'dist', 'datasource', 'sidecar', 'main.mjs');

interface SimCamera {
  name: string;
  host: string;
  port: number;
  user: string;
  cloudPassword: string;
  cameraAccount: { username: string; password: string };
  fingerprint: string;
  rtspPort: number | null;
  onvifPort: number | null;
}

/** A child in its own process group, so that its children (ffmpegs) go with it. */
function spawnGroup(cmd: string, args: string[], opts: { cwd?: string; stdout: 'pipe' | 'ignore' }): ChildProcess {
  return spawn(cmd, args, {
    cwd: opts.cwd,
    detached: true,
    stdio: ['ignore', opts.stdout, 'pipe'],
    env: { ...process.env },
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM (a clean stop of its encoders / ffmpegs), then SIGKILL for whatever is left. */
async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid) {
    return;
  }
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 3000)))]);
  clearTimeout(timer);
  killGroup(child.pid, 'SIGKILL');
  await exited;
}

function keepTail(child: ChildProcess, tail: string[]): void {
  createInterface({ input: child.stderr! }).on('line', (l) => {
    tail.push(l.slice(0, 300));
    if (tail.length > 20) {
      tail.shift();
    }
  });
}

/** Reads lines from `input` until `done(line)` returns a value; rejects on exit or after the deadline. */
function untilLine<T>(
  child: ChildProcess,
  input: NodeJS.ReadableStream,
  done: (line: string) => T | undefined,
  what: string,
  tail: string[],
  timeoutMs = 30_000
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const rl = createInterface({ input });
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      rl.close();
      fn();
    };
    const onExit = (code: number | null) =>
      finish(() => reject(new Error(`${what} exited (${code}):\n${tail.join('\n')}`)));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`${what} not ready within ${timeoutMs} ms:\n${tail.join('\n')}`))),
      timeoutMs
    );
    child.once('exit', onExit);
    rl.on('line', (line) => {
      const v = done(line);
      if (v !== undefined) {
        finish(() => resolve(v));
      }
    });
  });
}

/** The processes whose parent is `pid` (the sidecar's ffmpegs). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === pid && f[0] !== 'Z') {
        out.push(Number(name));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const mib = (b: number) => `${fmt(b / 2 ** 20, 0)} MiB`;

/**
 * The datasource settings Grafana would send for the simulated cameras, each reading `stream`
 * (the JPEG path reads stream2; the video section stream1, the camera-sized one). `updated` is the
 * settings' version: a higher one makes the sidecar reconfigure the cameras.
 */
function settingsFor(cams: SimCamera[], stream: 'stream1' | 'stream2' = 'stream2', updated = 1) {
  const cameras = cams.map((c, i) => ({
    id: `cam-${i + 1}`,
    name: c.name,
    host: c.host,
    port: c.port,
    username: c.user,
    cameraAccount: c.cameraAccount.username,
    stream,
    // The simulator serves RTSP on its own port; the sidecar adds the camera account to it.
    rtspUrlOverride: `rtsp://${c.host}:${c.rtspPort}/${stream}`,
    // Its ONVIF events too (motion), as a real camera's; the default port 2020 is not the simulator's.
    ...(c.onvifPort ? { onvifPort: c.onvifPort } : {}),
    tlsFingerprint: c.fingerprint.replace(/[^0-9a-fA-F]/g, ''),
    pollIntervalSeconds: 30,
  }));
  const secure: Record<string, string> = {};
  cams.forEach((c, i) => {
    secure[`password.cam-${i + 1}`] = c.cloudPassword;
    secure[`cameraPassword.cam-${i + 1}`] = c.cameraAccount.password;
  });
  return {
    ids: cameras.map((c) => c.id),
    ctx: pluginContext({
      user: { login: 'viewer', name: 'Viewer', email: '', role: 'Viewer' },
      dataSourceInstanceSettings: {
        id: 1,
        uid: UID,
        name: 'Tapo Cameras (bench)',
        jsonData: Buffer.from(JSON.stringify({ cameras, liveFps: 2, liveWidth: WIDTH })),
        decryptedSecureJsonData: secure,
        lastUpdatedMS: updated,
      },
    }),
  };
}

interface Channel {
  id: string;
  stream: grpc.ClientReadableStream<{ data: Buffer }>;
  packets: number;
  problems: number;
  lastProblem: string | null;
}

async function phase(
  fps: number,
  clients: ReturnType<typeof pluginClients>,
  ids: string[],
  ctx: unknown,
  sidecarPid: number,
  previous: Channel[]
): Promise<Channel[]> {
  let measuring = false;
  let received = 0;
  const latencies: number[] = [];
  let warmed!: () => void;
  const warm = new Promise<void>((r) => (warmed = r));
  const channels: Channel[] = ids.map((id) => {
    const stream = clients.stream.RunStream({
      pluginContext: ctx,
      path: `camera/${id}/frames/${fps}/${WIDTH}`,
    }) as grpc.ClientReadableStream<{ data: Buffer }>;
    const ch: Channel = { id, stream, packets: 0, problems: 0, lastProblem: null };
    // Columns by name, from the schema the channel's first packet carries.
    let col: Record<string, number> | null = null;
    stream.on('data', (p: { data: Buffer }) => {
      const at = Date.now();
      const packet = JSON.parse(p.data.toString('utf8')) as {
        schema?: { fields: Array<{ name: string }> };
        data: { values: unknown[][] };
      };
      if (packet.schema) {
        col = Object.fromEntries(packet.schema.fields.map((f, i) => [f.name, i]));
      }
      if (!col) {
        throw new Error('a pictures channel sent data before its schema');
      }
      const values = packet.data.values;
      const error = values[col[FRAME_FIELDS.error]][0] as string | null;
      if (error !== null || (values[col[FRAME_FIELDS.jpeg]][0] as string).length === 0) {
        ch.problems++;
        ch.lastProblem = error;
        return;
      }
      ch.packets++;
      if (ch.packets === 2 && channels.every((c) => c.packets >= 2)) {
        warmed();
      }
      if (measuring) {
        received++;
        latencies.push(at - (values[col[FRAME_FIELDS.time]][0] as number));
      }
    });
    stream.on('error', () => undefined); // cancelled at the end of the phase
    return ch;
  });
  // The previous rate's channels go once these are open: ffmpeg restarts at the higher rate at once.
  for (const ch of previous) {
    ch.stream.cancel();
  }
  const warmTimer = setTimeout(warmed, WARMUP_TIMEOUT_MS);
  await warm;
  clearTimeout(warmTimer);
  const cold = channels.filter((c) => c.packets < 2);
  // Steady state, as for video: the first seconds at a new rate are V8 compiling the path.
  await new Promise((r) => setTimeout(r, PICTURES_SETTLE_MS));

  const ffmpegs = childrenOf(sidecarPid);
  const node0 = procCpuSeconds(sidecarPid) ?? 0;
  const ff0 = new Map(ffmpegs.map((p) => [p, procCpuSeconds(p) ?? 0]));
  const perChannel0 = channels.map((c) => c.packets);
  const t0 = Date.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  measuring = false;
  const secs = (Date.now() - t0) / 1000;
  const nodeCpu = (procCpuSeconds(sidecarPid) ?? node0) - node0;
  let ffCpu = 0;
  for (const [p, c0] of ff0) {
    ffCpu += (procCpuSeconds(p) ?? c0) - c0;
  }
  const ffmpegsAfter = childrenOf(sidecarPid);
  const restarted = ffmpegsAfter.filter((p) => !ff0.has(p)).length;
  const perChannel = channels.map((c, i) => (c.packets - perChannel0[i]) / secs);
  const camFps = received / secs; // camera-fps actually delivered
  const lat = summary(latencies);
  const node = procMem(sidecarPid);
  const ff = ffmpegsAfter
    .map(procMem)
    .reduce((a, m) => ({ rss: a.rss + m.rss, pss: a.pss + m.pss }), { rss: 0, pss: 0 });

  console.log(`  ${String(fps).padStart(2)} fps requested x ${ids.length} channels:`);
  console.log(
    `     received ${fmt(camFps, 1)} frames/s (target ${ids.length * fps}); per channel min ${fmt(Math.min(...perChannel), 2)}, max ${fmt(Math.max(...perChannel), 2)}` +
      (cold.length
        ? `; ${cold.length} channel(s) never warmed up: ${cold.map((c) => `${c.id} (${c.lastProblem ?? 'no packet'})`).join(', ')}`
        : '')
  );
  console.log(
    `     CPU per camera-fps: ${fmt(((nodeCpu + ffCpu) / secs / camFps) * 100, 2)}% of a core in all ` +
      `(sidecar Node ${fmt((nodeCpu / secs / camFps) * 100, 3)}%, its ${ffmpegs.length} ffmpegs ${fmt((ffCpu / secs / camFps) * 100, 2)}%); ` +
      `totals: Node ${fmt((nodeCpu / secs) * 100, 1)}% of a core, ffmpegs ${fmt((ffCpu / secs) * 100, 1)}%` +
      (restarted ? `; ${restarted} ffmpeg(s) restarted during the window` : '')
  );
  console.log(
    `     ffmpeg JPEG complete -> packet received: p50 ${fmt(lat.p50, 0)} ms, p99 ${fmt(lat.p99, 0)} ms, max ${fmt(Math.max(...latencies), 0)} ms (n=${lat.n})`
  );
  console.log(
    `     memory with ${ids.length} live cameras: sidecar Node RSS ${mib(node.rss)}; its ${ffmpegsAfter.length} ffmpegs PSS ${mib(ff.pss)} in all ` +
      `(RSS ${mib(ff.rss / Math.max(1, ffmpegsAfter.length))} each, shared libraries included); sidecar + ffmpegs PSS ${mib(node.pss + ff.pss)}`
  );
  return channels;
}

/** The simulator (16 cameras, --media) and the built sidecar, configured with them; stopped by `stop()`. */
interface Rig {
  cams: SimCamera[];
  sidecarPid: number;
  clients: ReturnType<typeof pluginClients>;
  ids: string[];
  ctx: unknown;
  reportProblems: () => void;
  /** The sidecar's event-loop stalls (its stall watch's log lines), as they arrive. */
  stalls: Stall[];
  stop: () => Promise<void>;
}

interface Stall {
  at: number;
  lateMs: number;
  cpuMs: number;
  blocked: boolean;
}

async function startRig(): Promise<Rig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tapo-bench-live-'));
  let sim: ChildProcess | undefined;
  let sidecar: ChildProcess | undefined;
  let clients: ReturnType<typeof pluginClients> | undefined;
  const stalls: Stall[] = [];
  // If the benchmark process dies, the simulator and the sidecar (and their ffmpegs) die too.
  const onExit = () => {
    killGroup(sim?.pid, 'SIGKILL');
    killGroup(sidecar?.pid, 'SIGKILL');
  };
  process.once('exit', onExit);
  const stop = async () => {
    if (clients) {
      for (const c of Object.values(clients)) {
        c.close();
      }
    }
    await Promise.allSettled([stopGroup(sidecar), stopGroup(sim)]);
    process.off('exit', onExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const simTail: string[] = [];
    sim = spawnGroup(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/simulator/cli.ts',
        '--cameras',
        String(CAMERAS),
        '--host',
        '127.0.0.1',
        '--models',
        'C210,C110,C200,C310',
        '--media',
      ],
      { cwd: sidecarDir, stdout: 'pipe' }
    );
    keepTail(sim, simTail);
    const cams: SimCamera[] = [];
    await untilLine(
      sim,
      sim.stdout!,
      (l) => (cams.push(JSON.parse(l) as SimCamera) === CAMERAS ? true : undefined),
      'the simulator',
      simTail,
      180_000 // a first run encodes the clips
    );
    if (cams.some((c) => !c.rtspPort)) {
      throw new Error('a simulated camera has no RTSP port');
    }

    const sidecarTail: string[] = [];
    sidecar = spawnGroup(
      process.execPath,
      [
        // TAPO_BENCH_CPU_PROF=<dir>: the sidecar writes a V8 CPU profile there when it stops.
        ...(process.env.TAPO_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.TAPO_BENCH_CPU_PROF] : []),
        // TAPO_BENCH_NODE_ARGS="--perf-basic-prof ...": more flags for the sidecar's Node (e.g. for `perf record`).
        ...(process.env.TAPO_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
        mainMjs,
        '--standalone',
        '--grpc',
        '127.0.0.1:0',
        '--data-dir',
        dataDir,
        '--no-demo',
        '--log-level',
        'info',
      ],
      { stdout: process.env.TAPO_BENCH_SIDECAR_STDOUT ? 'pipe' : 'ignore' }
    );
    // TAPO_BENCH_SIDECAR_STDOUT=<file>: keep the sidecar's stdout (e.g. what --trace-gc prints).
    if (process.env.TAPO_BENCH_SIDECAR_STDOUT) {
      sidecar.stdout!.pipe(createWriteStream(process.env.TAPO_BENCH_SIDECAR_STDOUT));
    }
    const stderrCopy = sidecar.stderr!;
    const address = await untilLine(
      sidecar,
      stderrCopy,
      (l) => {
        sidecarTail.push(l.slice(0, 300));
        const m = /"grpc":"([^"]+)".*"Tapo sidecar serving"/.exec(l);
        return m ? m[1] : undefined;
      },
      'the sidecar',
      sidecarTail
    );
    // Keep draining its log; warnings and errors are printed at the end.
    const problems: string[] = [];
    createInterface({ input: sidecar.stderr! }).on('line', (l) => {
      if (l.includes('"module":"event-loop"')) {
        const s = JSON.parse(l) as { lateMs: number; cpuMs: number; blocked: boolean };
        stalls.push({ at: Date.now(), lateMs: s.lateMs, cpuMs: s.cpuMs, blocked: s.blocked });
        return;
      }
      if (/"@level":"(warn|error)"/.test(l) && problems.length < 10) {
        problems.push(l.slice(0, 300));
      }
    });
    const reportProblems = () => {
      if (problems.length) {
        console.log(`  sidecar warnings/errors (first ${problems.length}):\n    ${problems.join('\n    ')}`);
      }
      problems.length = 0;
    };
    // Grafana's client (grpc-go) grows its HTTP/2 receive window with the traffic (BDP estimation);
    // grpc-js keeps 64 KiB unless told, which would make this client, not the sidecar, the limit.
    clients = pluginClients(address, { 'grpc-node.flow_control_window': 8 * 2 ** 20 });
    const { ids, ctx } = settingsFor(cams);
    // The first call carries the settings: the sidecar configures the 16 cameras from them.
    const t0 = Date.now();
    for (const id of ids) {
      const sub = await call<{ status: string }>(clients.stream, 'SubscribeStream', {
        pluginContext: ctx,
        path: `camera/${id}/frames/2/${WIDTH}`,
      });
      if (sub.status !== 'OK') {
        throw new Error(`SubscribeStream for ${id}: ${sub.status}`);
      }
    }
    console.log(`  ${CAMERAS} cameras configured through the datasource settings in ${Date.now() - t0} ms`);
    return { cams, sidecarPid: sidecar.pid!, clients, ids, ctx, reportProblems, stalls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** TAPO_BENCH_LIVE=floor,jpeg,first,floor-video,video runs only those sections (default: all five). */
const SECTIONS = new Set(
  (process.env.TAPO_BENCH_LIVE ?? 'floor,jpeg,first,floor-video,video').split(',').map((s) => s.trim())
);

export async function run(): Promise<void> {
  if (!existsSync(mainMjs)) {
    console.log(`skipped: ${mainMjs} is not built (npm run build)`);
    return;
  }
  console.log(
    `live: RunStream over gRPC from the built sidecar (its own process), ${CAMERAS} simulated cameras (another process); load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')} on ${cpus().length} cores`
  );
  const rig = await startRig();
  try {
    if (SECTIONS.has('floor')) {
      await runFloor(rig.cams);
    }
    if (SECTIONS.has('jpeg')) {
      await runJpeg(rig);
    }
    if (SECTIONS.has('first')) {
      // Before the video sections: they switch the cameras' settings to stream1.
      await runFirstPicture({ ...rig, ffmpegs: () => childrenOf(rig.sidecarPid) });
    }
    // Both video sections: the floor alone, the sidecar alone, then both over one window (the
    // machine's load, shared and changing by the minute, then weighs on both sides alike).
    if (SECTIONS.has('floor-video') && SECTIONS.has('video')) {
      const floor = await startVideoFloor(rig);
      try {
        const alone = await floorAlone(rig, floor);
        await runVideo(rig, { floor, alone });
      } finally {
        await floor.stop();
      }
    } else if (SECTIONS.has('floor-video')) {
      await runVideoFloor(rig);
    } else if (SECTIONS.has('video')) {
      await runVideo(rig);
    }
  } finally {
    await rig.stop();
  }
}

export async function runJpeg(rig: Rig): Promise<void> {
  console.log(`live pictures (JPEG width ${WIDTH}), ${WINDOW_MS / 1000} s per rate:`);
  const { clients, ids, ctx, reportProblems } = rig;
  let channels: Channel[] = [];
  try {
    for (const fps of RATES) {
      channels = await phase(fps, clients, ids, ctx, rig.sidecarPid, channels);
    }
    reportProblems();
  } finally {
    for (const ch of channels) {
      ch.stream.cancel();
    }
  }
}

const FLOOR_FPS = 2;

/**
 * The floor: bare ffmpeg doing what the JPEG path does, one per camera (read stream2 over RTSP,
 * decode, scale, JPEG at 2 fps), on the same simulated cameras in the same run.
 */
async function runFloor(cams: SimCamera[]): Promise<void> {
  let frames = 0;
  const seen = new Set<number>();
  const children = cams.map((c, i) => {
    const url = `rtsp://${encodeURIComponent(c.cameraAccount.username)}:${encodeURIComponent(c.cameraAccount.password)}@${c.host}:${c.rtspPort}/stream2`;
    return spawnFloorFfmpeg(url, FLOOR_FPS, WIDTH, () => {
      frames++;
      seen.add(i);
    });
  });
  try {
    // Bounded: every ffmpeg has written a JPEG, or the warm-up deadline passed.
    const deadline = Date.now() + WARMUP_TIMEOUT_MS;
    while (seen.size < cams.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const pids = children.map((c) => c.pid!).filter(Boolean);
    const cpu0 = new Map(pids.map((p) => [p, procCpuSeconds(p) ?? 0]));
    const n0 = frames;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const secs = (Date.now() - t0) / 1000;
    let cpu = 0;
    for (const [p, c0] of cpu0) {
      cpu += (procCpuSeconds(p) ?? c0) - c0;
    }
    const rate = (frames - n0) / secs;
    console.log(
      `floor: bare ffmpeg x ${cams.length} (RTSP stream2 -> ${FLOOR_FPS} fps JPEG at width ${WIDTH}), ${WINDOW_MS / 1000} s: ` +
        `${fmt((cpu / secs) * 100, 1)} % of a core in all, ${fmt(rate, 1)} pictures/s (target ${cams.length * FLOOR_FPS}); ` +
        `${fmt((cpu / secs / Math.max(rate, 1e-9)) * 100, 2)} % per camera-fps; ${seen.size} of ${cams.length} produced`
    );
  } finally {
    for (const c of children) {
      c.kill('SIGKILL');
    }
  }
}

const VIDEO_WINDOW_MS = 20_000;
/**
 * The window the sidecar and the floor are watched together: longer, so that GC cycles (the
 * floor's major ones every several seconds, the sidecar's scavenges) and the load's swings average
 * out; consecutive 20 s windows of one and the same build gave ratios from 0.8x to 1.7x.
 */
const SHARED_WINDOW_MS = 60_000;
const IDLE_WINDOW_MS = 8_000;
/** Video runs this long before its window opens (the JIT's warm-up; see runVideo). */
const VIDEO_SETTLE_MS = 10_000;
/** A first run has the simulator encode the stream1 clips (one per camera name) while the channels wait. */
const VIDEO_WARMUP_TIMEOUT_MS = 240_000;
/** The simulated stream1's nominal bit rate (clip.ts): what a camera sends. */
const STREAM1_KBPS = 1600;

/**
 * A process's CPU over `ms`: in percent of a core (null once it is gone), and the same window by
 * thread, user and kernel time, as a line to print beside it.
 */
async function cpuOver(pid: number, ms: number): Promise<{ cpu: number | null; threads: string }> {
  return (await cpuOverAll([pid], ms))[0];
}

/** cpuOver for several processes over one and the same window. */
async function cpuOverAll(pids: number[], ms: number): Promise<Array<{ cpu: number | null; threads: string }>> {
  const c0 = pids.map(procCpuSeconds);
  const th0 = pids.map(procThreadsCpu);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const c1 = pids.map(procCpuSeconds);
  const th1 = pids.map(procThreadsCpu);
  const seconds = (performance.now() - t0) / 1000;
  return pids.map((_, i) => {
    const a = c0[i];
    const b = c1[i];
    return {
      cpu: a === null || b === null ? null : ((b - a) / seconds) * 100,
      threads: threadsCpuDelta(th0[i], th1[i], seconds),
    };
  });
}

/** One Live video packet as the bench needs it: the rows' kinds, times, errors and fMP4 sizes. */
interface VideoRows {
  schema: string[] | null;
  kinds: string[];
  times: number[];
  errors: Array<string | null>;
  /** Per row: the fMP4's bytes, and the H.264 in it (the mdat's payload; 0 for an init segment). */
  sizes: Array<{ fmp4: number; h264: number }>;
}

/**
 * Reads a video packet without parsing or decoding its base64 (the fMP4 is ~95 % of it): only the
 * small columns go through JSON.parse, the data column is measured in place. This keeps the bench's
 * own CPU low, so that on a loaded machine its event loop is not what delays the packets it times.
 * Columns in VIDEO_FIELDS order (time, seq, kind, keyframe, codec, width, height, data, error).
 */
function readVideoRows(buf: Buffer): VideoRows {
  const schema =
    buf.subarray(0, 10).toString() === '{"schema":'
      ? (JSON.parse(buf.toString()) as { schema: { fields: Array<{ name: string }> } }).schema.fields.map((f) => f.name)
      : null;
  const v = buf.indexOf('"values":[') + 10;
  let at = v;
  for (let col = 0; col < 7; col++) {
    at = buf.indexOf('],[', at) + 2; // the '[' of the next column
  }
  const small = JSON.parse(`[${buf.toString('utf8', v, at - 1)}]`) as unknown[][];
  const sizes: VideoRows['sizes'] = [];
  let pos = at + 2; // past '["'
  for (;;) {
    const end = buf.indexOf(0x22, pos); // the string's closing quote (base64 has none)
    const len = end - pos;
    const pad = len > 0 && buf[end - 1] === 0x3d ? (buf[end - 2] === 0x3d ? 2 : 1) : 0;
    const fmp4 = (len / 4) * 3 - pad;
    let h264 = 0;
    if (len >= 16) {
      const head = Buffer.from(buf.toString('latin1', pos, pos + 16), 'base64');
      if (head.toString('latin1', 4, 8) === 'moof') {
        h264 = fmp4 - head.readUInt32BE(0) - 8;
      }
    }
    sizes.push({ fmp4, h264 });
    if (buf[end + 1] !== 0x2c) {
      pos = end + 2; // past '"]'
      break;
    }
    pos = end + 3; // past '","'
  }
  const errors = JSON.parse(buf.toString('utf8', pos + 1, buf.lastIndexOf(']]}') + 1)) as Array<string | null>;
  return { schema, times: small[0] as number[], kinds: small[2] as string[], errors, sizes };
}

/**
 * Video through RunStream: the Live video channel (camera/<id>/video/main) of the 16 simulated
 * cameras at their full frame rate on stream1 (camera-sized: 2304x1296 or 1920x1080, 15 fps,
 * ~1.6 Mbit/s), read by the sidecar's own RTSP client (one session per camera), packaged as fMP4
 * and sent as Live packets. The sidecar's CPU (its Node process: no ffmpeg is involved) is measured
 * first with no channel open (polling 16 cameras, ONVIF events), then with the 16 channels.
 * Prints bytes per second per viewer against the camera's H.264, packet-in (the picture's last
 * RTP packet read off the camera's socket: the row's `time`) -> Live packet arrival here (same
 * host clock, ms resolution) p50/p99, and the largest Live message.
 */
export async function runVideo(rig: Rig, withFloor?: { floor: RunningFloor; alone: FloorFigures }): Promise<void> {
  const { clients, ids, reportProblems } = rig;
  console.log(
    `live video: RunStream of ${ids.length} cameras' video channels (stream1, 2304x1296 / 1920x1080 H.264 @ 15 fps ~${STREAM1_KBPS} kbit/s, a keyframe every 2 s), ${VIDEO_WINDOW_MS / 1000} s`
  );
  // The pictures' channels of the JPEG section are gone: wait until their ffmpegs are, too (bounded).
  const quiet = Date.now() + 10_000;
  while (childrenOf(rig.sidecarPid).length > 0 && Date.now() < quiet) {
    await new Promise((r) => setTimeout(r, 200));
  }
  // The same datasource, updated to read stream1 (Grafana sends the new settings with the next call).
  const { ctx } = settingsFor(rig.cams, 'stream1', 2);
  for (const id of ids) {
    await call(clients.stream, 'SubscribeStream', { pluginContext: ctx, path: `camera/${id}/video/main` });
  }
  // Let the reconfiguration settle (every camera logs in and polls again) before the idle window.
  await new Promise((r) => setTimeout(r, 5000));
  const { cpu: idle, threads: idleThreads } = await cpuOver(rig.sidecarPid, IDLE_WINDOW_MS);
  console.log(
    `  sidecar CPU with no channel open (polling ${ids.length} cameras, their events): ${fmt(idle ?? NaN, 1)} % of a core over ${IDLE_WINDOW_MS / 1000} s (by thread: ${idleThreads})`
  );
  const bytes = new Map<string, number>();
  const mediaBytes = new Map<string, number>();
  const h264Bytes = new Map<string, number>();
  const pictures = new Map<string, number>();
  const latencies: number[] = [];
  const perChannel = new Map<string, number[]>();
  const late: Array<{ id: string; at: number; ms: number }> = [];
  const problems: string[] = [];
  const sidecarTarget: VideoTarget = {
    client: clients.stream,
    ctx,
    ids,
    pid: rig.sidecarPid,
    notStarted: () => problems.join('; '),
    onMessage: (id, data, now, measuring) => {
      const rows = readVideoRows(data);
      if (rows.schema && (rows.schema[7] !== 'data' || rows.schema[8] !== 'error')) {
        throw new Error(`the video frame's fields changed: ${rows.schema.join(', ')} (update readVideoRows)`);
      }
      const { kinds, times, errors, sizes } = rows;
      kinds.forEach((k, i) => k === 'problem' && problems.length < 5 && problems.push(`${id}: ${errors[i]}`));
      if (measuring) {
        bytes.set(id, (bytes.get(id) ?? 0) + data.length);
        kinds.forEach((k, i) => {
          if (k === 'fragment') {
            const ms = now - times[i];
            latencies.push(ms);
            const mine = perChannel.get(id) ?? [];
            mine.push(ms);
            perChannel.set(id, mine);
            if (ms > 50) {
              late.push({ id, at: now, ms });
            }
            pictures.set(id, (pictures.get(id) ?? 0) + 1);
            mediaBytes.set(id, (mediaBytes.get(id) ?? 0) + sizes[i].fmp4);
            h264Bytes.set(id, (h264Bytes.get(id) ?? 0) + sizes[i].h264);
          }
        });
      }
      // A channel has started once it delivers a picture (after the init segment).
      return kinds.includes('fragment');
    },
  };
  const [w] = await watchVideo([sidecarTarget]);
  const videoFloor = withFloor?.alone ?? null;
  const { seconds, cpu, t0 } = w;
  const rate = (m: Map<string, number>) => Array.from(m.values()).map((b) => (b * 8) / seconds / 1e3);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const wire = mean(rate(bytes));
  const fmp4 = mean(rate(mediaBytes));
  const h264 = mean(rate(h264Bytes));
  const fps = Array.from(pictures.values()).map((n) => n / seconds);
  const lat = summary(latencies);
  console.log(
    `  per viewer: ${fmt(wire, 0)} kbit/s of Live packets (frame JSON, the fMP4 in base64) for the camera's ${fmt(h264, 0)} kbit/s of H.264 ` +
      `(${fmt(fmp4, 0)} kbit/s of fMP4): ${fmt(wire / h264, 2)}x the camera's bit rate; pictures ${fmt(Math.min(...fps), 1)}..${fmt(Math.max(...fps), 1)} fps per channel; ` +
      `${bytes.size} of ${ids.length} channels delivered`
  );
  console.log(
    `  packet-in -> Live packet out: p50 ${fmt(lat.p50, 1)} ms, p99 ${fmt(lat.p99, 1)} ms, max ${fmt(Math.max(...latencies), 0)} ms over ${lat.n} pictures (goal p99 < 50 ms); largest Live message ${w.maxMessage} bytes`
  );
  const medians = [...perChannel].map(([id, l]) => [id, summary(l).p50] as const).sort((a, b) => b[1] - a[1]);
  const lateSeconds = new Set(late.map((l) => Math.floor((l.at - t0) / 1000)));
  console.log(
    `  per channel p50, worst first: ${medians
      .slice(0, 4)
      .map(([id, m]) => `${id} ${fmt(m, 0)} ms`)
      .join(', ')}; best ${fmt(medians[medians.length - 1]?.[1] ?? NaN, 0)} ms; ` +
      `${late.length} pictures later than 50 ms on ${new Set(late.map((l) => l.id)).size} channels, in ${lateSeconds.size} distinct second(s) of the window` +
      (late.length ? ` (${[...lateSeconds].slice(0, 8).join(', ')})` : '')
  );
  console.log(
    `  this process's own event-loop delay meanwhile (the load's share): p50 ${fmt(w.lag.p50, 1)} ms, p99 ${fmt(w.lag.p99, 1)} ms, max ${fmt(w.lag.max, 0)} ms`
  );
  const during = rig.stalls.filter((x) => x.at >= t0 && x.at <= t0 + seconds * 1000 + 1000);
  console.log(
    `  the sidecar's event loop in the window: ${during.length} stall(s) over 200 ms` +
      (during.length
        ? `: ${during
            .slice(0, 6)
            .map(
              (x) =>
                `${x.lateMs} ms at ${fmt((x.at - t0) / 1000, 1)} s (${x.cpuMs} ms CPU: ${x.blocked ? 'its own work' : 'waiting for a core'})`
            )
            .join(', ')}`
        : '')
  );
  if (cpu !== null) {
    const over = cpu - (idle ?? 0);
    console.log(
      `  sidecar CPU with the ${ids.length} channels: ${fmt(cpu, 1)} % of a core (its Node process; ${childrenOf(rig.sidecarPid).length} ffmpeg children); ` +
        `over the idle sidecar: ${fmt(over, 1)} % (goal < 3 %)`
    );
    console.log(`  by thread: ${w.threads}`);
    const perSecond = sum(w.messages) / seconds;
    const us = (pct: number, n: number) => fmt(((pct / 100) * 1e6) / Math.max(n, 1e-9), 0);
    console.log(
      `  per Live message: ${fmt(perSecond, 1)} messages/s in all, ${us(over, perSecond)} µs of CPU each over the idle sidecar`
    );
    if (videoFloor) {
      console.log(
        `  RATIO (consecutive windows) sidecar video CPU over idle / the video floor: ${fmt(over, 1)} % / ${fmt(videoFloor.cpu, 1)} % = ${fmt(over / videoFloor.cpu, 2)}x (goal <= 1.3x); ` +
          `per picture ${us(over, perSecond)} µs / ${us(videoFloor.cpu, videoFloor.messagesPerSecond)} µs of CPU; load average ${fmt(videoFloor.load, 2)} then ${fmt(loadavg()[0], 2)}`
      );
    }
    if (withFloor) {
      // The same two again, watched together: one window, one load.
      const [ours, theirs] = await watchVideo(
        [
          { ...sidecarTarget, onMessage: (_id, _data, _now, _measuring, count) => count >= FLOOR_WARM_MESSAGES },
          withFloor.floor.target,
        ],
        SHARED_WINDOW_MS
      );
      const f = floorFigures(rig, theirs, withFloor.floor.tail);
      const oursPerSecond = sum(ours.messages) / ours.seconds;
      const oursOver = (ours.cpu ?? NaN) - (idle ?? 0);
      console.log(
        `  RATIO (one ${fmt(ours.seconds, 0)} s window, both watched) sidecar video CPU over idle / the video floor: ${fmt(oursOver, 1)} % / ${fmt(f.cpu, 1)} % = ${fmt(oursOver / f.cpu, 2)}x (goal <= 1.3x); ` +
          `per picture ${us(oursOver, oursPerSecond)} µs / ${us(f.cpu, f.messagesPerSecond)} µs of CPU (${fmt(oursPerSecond, 1)} and ${fmt(f.messagesPerSecond, 1)} pictures/s); load average ${fmt(loadavg()[0], 2)}`
      );
      console.log(`    by thread: sidecar ${ours.threads}; floor ${theirs.threads}`);
    }
  }
  console.log(
    `  rss ${fmt(procMem(rig.sidecarPid).rss / 2 ** 20, 0)} MiB; load average now ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`
  );
  reportProblems();
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** What one measured window of video channels saw (the messages and bytes per channel, in the window). */
interface VideoWindow {
  t0: number;
  seconds: number;
  /** The serving process's CPU in % of a core, and by thread. */
  cpu: number | null;
  threads: string;
  messages: Map<string, number>;
  bytes: Map<string, number>;
  maxMessage: number;
  /** This process's own event-loop delay in the window, ms. */
  lag: { p50: number; p99: number; max: number };
}

/** One server whose video channels a window watches: the sidecar, or the video floor. */
interface VideoTarget {
  client: grpc.Client & { RunStream: (req: unknown) => grpc.ClientReadableStream<{ data: Buffer }> };
  ctx: unknown;
  ids: string[];
  pid: number;
  /** Returns whether the channel is warm; `count` is the channel's messages so far, this one included. */
  onMessage: (id: string, data: Buffer, now: number, measuring: boolean, count: number) => boolean;
  notStarted: () => string;
}

/**
 * The client side both video sections share: per target, one RunStream per camera on
 * camera/<id>/video/main (as Grafana opens them), a bounded wait until every channel of every
 * target is warm (`onMessage` says so), then each target's CPU over one and the same
 * VIDEO_WINDOW_MS with the messages and bytes each channel received meanwhile. `onMessage` sees
 * every message, for the section's own figures. The channels are cancelled after.
 */
async function watchVideo(targets: VideoTarget[], windowMs = VIDEO_WINDOW_MS): Promise<VideoWindow[]> {
  const streams: Array<grpc.ClientReadableStream<{ data: Buffer }>> = [];
  let measuring = false;
  const seen = targets.map(() => ({
    messages: new Map<string, number>(),
    bytes: new Map<string, number>(),
    maxMessage: 0,
  }));
  try {
    const warmAll = targets.map((opts, k) => {
      const { ids } = opts;
      const mine = seen[k];
      const counts = new Map<string, number>();
      const warm = new Set<string>();
      let allWarm: () => void = () => undefined;
      const warmed = new Promise<void>((r) => (allWarm = r));
      for (const id of ids) {
        const s = opts.client.RunStream({ pluginContext: opts.ctx, path: `camera/${id}/video/main` });
        streams.push(s);
        s.on('data', (p: { data: Buffer }) => {
          const now = Date.now();
          const count = (counts.get(id) ?? 0) + 1;
          counts.set(id, count);
          if (measuring) {
            mine.maxMessage = Math.max(mine.maxMessage, p.data.length);
            mine.messages.set(id, (mine.messages.get(id) ?? 0) + 1);
            mine.bytes.set(id, (mine.bytes.get(id) ?? 0) + p.data.length);
          }
          if (opts.onMessage(id, p.data, now, measuring, count) && !warm.has(id)) {
            warm.add(id);
            if (warm.size === ids.length) {
              allWarm();
            }
          }
        });
        s.on('error', () => undefined); // cancelled at the end
      }
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        warmed,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${warm.size} of ${ids.length} video channels started; ${opts.notStarted()}`)),
            VIDEO_WARMUP_TIMEOUT_MS
          );
        }),
      ]).finally(() => clearTimeout(timer));
    });
    await Promise.all(warmAll);
    // Steady state, as a sidecar runs for days: the first seconds of a path are V8 compiling it
    // (about 2 % of a core on its compiler threads), which the window would otherwise count.
    await new Promise((r) => setTimeout(r, VIDEO_SETTLE_MS));
    // This process's own event-loop delay in the same window: what the machine's load alone adds
    // to the latency measured here (the server's loop waits for the CPU the same way).
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const t0 = Date.now();
    measuring = true;
    const cpus = await cpuOverAll(
      targets.map((t) => t.pid),
      windowMs
    );
    measuring = false;
    lag.disable();
    const seconds = (Date.now() - t0) / 1000;
    const lagFigures = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
    return targets.map((_, k) => ({
      t0,
      seconds,
      cpu: cpus[k].cpu,
      threads: cpus[k].threads,
      messages: seen[k].messages,
      bytes: seen[k].bytes,
      maxMessage: seen[k].maxMessage,
      lag: lagFigures,
    }));
  } finally {
    streams.forEach((s) => s.cancel());
  }
}

/** The video floor's figures in a window. */
interface FloorFigures {
  cpu: number;
  messagesPerSecond: number;
  /** The 1-minute load average as the window ended. */
  load: number;
}

function floorFigures(rig: Rig, w: VideoWindow, tail: string[]): FloorFigures {
  if (w.cpu === null) {
    throw new Error(`the video floor exited during the window:\n${tail.join('\n')}`);
  }
  return { cpu: w.cpu, messagesPerSecond: sum(w.messages) / w.seconds, load: loadavg()[0] };
}

function floorLine(rig: Rig, w: VideoWindow, f: FloorFigures): string {
  const perChannel = rig.ids.map((id) => (w.messages.get(id) ?? 0) / w.seconds);
  const kbits = (sum(w.bytes) * 8) / w.seconds / 1e3 / rig.ids.length;
  return (
    `video floor (bare Node: RTSP bytes in, one grpc-js message per picture out): ${fmt(f.cpu, 1)} % of a core for ${rig.ids.length} cameras over ${fmt(w.seconds, 0)} s ` +
    `(by thread: ${w.threads}); ${fmt(f.messagesPerSecond, 1)} messages/s in all (${fmt(Math.min(...perChannel), 1)}..${fmt(Math.max(...perChannel), 1)} per channel), ` +
    `${fmt(((f.cpu / 100) * 1e6) / Math.max(f.messagesPerSecond, 1e-9), 0)} µs of CPU per message; ${fmt(kbits, 0)} kbit/s per viewer, largest message ${w.maxMessage} bytes`
  );
}

/** Pictures each floor channel must deliver before the window starts. */
const FLOOR_WARM_MESSAGES = 30;

/** The video floor's process, playing every camera, with the channels' side of it ready to watch. */
interface RunningFloor {
  target: VideoTarget;
  tail: string[];
  /** Its RTSP intake alone (no channel open), as a line to print. */
  intakeLine: string;
  stop: () => Promise<void>;
}

/**
 * The video transport floor: bench/video-floor.ts in its own process (bare Node: a minimal RTSP
 * client per camera on stream1, one grpc-js RunStream message per picture of the size our Live
 * packet would have), read by the same client as runVideo. Measures its RTSP intake alone (no
 * channel open), then leaves it running for a window (runVideo's, or runVideoFloor's).
 */
async function startVideoFloor(rig: Rig): Promise<RunningFloor> {
  const cams = rig.cams.map((c, i) => ({
    id: rig.ids[i],
    host: c.host,
    rtspPort: c.rtspPort,
    username: c.cameraAccount.username,
    password: c.cameraAccount.password,
    path: 'stream1',
  }));
  // The camera accounts go on stdin, not the command line (where `ps` would show them).
  const floor = spawn(
    process.execPath,
    [
      // TAPO_BENCH_FLOOR_CPU_PROF=<dir>: the floor writes a V8 CPU profile there when it stops (to
      // set beside the sidecar's, TAPO_BENCH_CPU_PROF).
      ...(process.env.TAPO_BENCH_FLOOR_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.TAPO_BENCH_FLOOR_CPU_PROF]
        : []),
      '--import',
      'tsx',
      join(sidecarDir, 'bench', 'video-floor.ts'),
    ],
    {
      cwd: sidecarDir,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    }
  );
  const tail: string[] = [];
  keepTail(floor, tail);
  floor.stdin!.end(JSON.stringify(cams));
  let clients: ReturnType<typeof pluginClients> | undefined;
  const stop = async () => {
    if (clients) {
      for (const c of Object.values(clients)) {
        c.close();
      }
    }
    // SIGTERM: the floor tears its RTSP sessions down (the simulator serves 2 per stream) and exits.
    await stopGroup(floor);
  };
  try {
    const address = await untilLine(
      floor,
      floor.stdout!,
      (l) => (l.startsWith('{"grpc":') ? (JSON.parse(l) as { grpc: string }).grpc : undefined),
      'the video floor',
      tail,
      VIDEO_WARMUP_TIMEOUT_MS // a first run has the simulator encode the stream1 clips
    );
    // Every camera plays (a whole picture came): the intake alone first, no channel open.
    const { cpu: intake, threads: intakeThreads } = await cpuOver(floor.pid!, IDLE_WINDOW_MS);
    clients = pluginClients(address, { 'grpc-node.flow_control_window': 8 * 2 ** 20 });
    return {
      target: {
        client: clients.stream,
        ctx: rig.ctx,
        ids: rig.ids,
        pid: floor.pid!,
        notStarted: () => tail.join(' | '),
        onMessage: (_id, _data, _now, _measuring, count) => count >= FLOOR_WARM_MESSAGES,
      },
      tail,
      intakeLine: `the floor's RTSP intake alone (the same process, no channel open, ${IDLE_WINDOW_MS / 1000} s before): ${fmt(intake ?? NaN, 1)} % of a core (by thread: ${intakeThreads})`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The running floor's channels watched alone over a window; prints its figures. */
async function floorAlone(rig: Rig, floor: RunningFloor): Promise<FloorFigures> {
  const [w] = await watchVideo([floor.target]);
  const f = floorFigures(rig, w, floor.tail);
  console.log(floorLine(rig, w, f));
  console.log(`  ${floor.intakeLine}`);
  return f;
}

/** The video floor alone (TAPO_BENCH_LIVE=floor-video without video). */
export async function runVideoFloor(rig: Rig): Promise<void> {
  const floor = await startVideoFloor(rig);
  try {
    await floorAlone(rig, floor);
  } finally {
    await floor.stop();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
