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
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { LIVE_DEFAULT_WIDTH } from '../../src/shared/query.ts';
import { call, pluginClients, pluginContext } from '../test/helpers/grpc-client.ts';
import { fmt, procCpuSeconds, procMem, summary } from './_stats.ts';

const CAMERAS = 16;
const RATES = [2, 5, 10];
const WIDTH = LIVE_DEFAULT_WIDTH;
const WINDOW_MS = 12_000;
const WARMUP_TIMEOUT_MS = 20_000;
const UID = 'bench-live';

const sidecarDir = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const mainMjs = join(root, 'dist', 'camwatch-tapo-datasource', 'sidecar', 'main.mjs');

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

/** The datasource settings Grafana would send for the simulated cameras. */
function settingsFor(cams: SimCamera[]) {
  const cameras = cams.map((c, i) => ({
    id: `cam-${i + 1}`,
    name: c.name,
    host: c.host,
    port: c.port,
    username: c.user,
    cameraAccount: c.cameraAccount.username,
    stream: 'stream2',
    // The simulator serves RTSP on its own port; the sidecar adds the camera account to it.
    rtspUrlOverride: `rtsp://${c.host}:${c.rtspPort}/stream2`,
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
        lastUpdatedMS: 1,
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
    stream.on('data', (p: { data: Buffer }) => {
      const at = Date.now();
      // The row's values in field order: time first, jpeg sixth, error last.
      const values = (JSON.parse(p.data.toString('utf8')) as { data: { values: unknown[][] } }).data.values;
      const error = values[values.length - 1][0] as string | null;
      if (error !== null || (values[5][0] as string).length === 0) {
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
        latencies.push(at - (values[0][0] as number));
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

export async function run(): Promise<void> {
  await runJpeg();
  await runVideo();
}

const VIDEO_CAMERAS = 16;
const VIDEO_WINDOW_MS = 10_000;
const VIDEO_SIZE = '1920x1080';
const VIDEO_FPS = 15;
const VIDEO_KBPS = 2000;

/**
 * Video through RunStream: the Live video channel (camera/<id>/video/main) of 16 cameras of
 * stream1 size (1920x1080 H.264, 15 fps, about 2 Mbit/s, a keyframe every 2 s), from a sidecar
 * process serving the datasource over gRPC whose feeds replay ffmpeg-made H.264 at the camera's
 * pace (sidecar/test/helpers/video-sidecar.ts, until the RTSP feeds are wired in). Prints bytes per
 * second per viewer against the stream's bit rate, packet-in (picture complete in the sidecar) →
 * Live packet out (arrival here; same host clock, ms resolution) p50/p99, the largest Live message,
 * and the sidecar's CPU (its whole process, the feed replay included) for 16 streams.
 */
export async function runVideo(): Promise<void> {
  console.log(
    `live video: RunStream of ${VIDEO_CAMERAS} cameras' video channels, ${VIDEO_SIZE} H.264 @ ${VIDEO_FPS} fps ~${VIDEO_KBPS} kbit/s (replayed test feed), ${VIDEO_WINDOW_MS / 1000} s`
  );
  const child = spawnGroup(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/helpers/video-sidecar.ts',
      String(VIDEO_CAMERAS),
      VIDEO_SIZE,
      String(VIDEO_FPS),
      String(VIDEO_KBPS),
    ],
    { cwd: sidecarDir, stdout: 'pipe' }
  );
  const tail: string[] = [];
  keepTail(child, tail);
  const onExit = () => killGroup(child.pid, 'SIGKILL');
  process.once('exit', onExit);
  const streams: Array<grpc.ClientReadableStream<{ data: Buffer }>> = [];
  let clients: ReturnType<typeof pluginClients> | undefined;
  try {
    const info = await untilLine(
      child,
      child.stdout!,
      (l) => JSON.parse(l) as { grpc: string; cameras: string[]; bitsPerSecond: number; pid: number },
      'the video sidecar',
      tail,
      180_000 // it encodes its clip first
    );
    clients = pluginClients(info.grpc);
    const ctx = pluginContext({
      dataSourceInstanceSettings: { ...pluginContext().dataSourceInstanceSettings, uid: UID },
    });
    const bytes = new Map<string, number>();
    const latencies: number[] = [];
    let maxMessage = 0;
    let measuring = false;
    let firstKeyframes = 0;
    let started: () => void = () => undefined;
    const allStarted = new Promise<void>((r) => (started = r));
    for (const id of info.cameras) {
      const s = clients.stream.RunStream({ pluginContext: ctx, path: `camera/${id}/video/main` });
      streams.push(s);
      let names: string[] | null = null;
      let seen = false;
      s.on('data', (p: { data: Buffer }) => {
        const now = Date.now();
        const json = JSON.parse(p.data.toString('utf8')) as {
          schema?: { fields: Array<{ name: string }> };
          data: { values: unknown[][] };
        };
        names = json.schema ? json.schema.fields.map((f) => f.name) : names;
        if (!seen) {
          seen = true;
          if (++firstKeyframes === info.cameras.length) {
            started();
          }
        }
        if (!measuring || !names) {
          return;
        }
        maxMessage = Math.max(maxMessage, p.data.length);
        bytes.set(id, (bytes.get(id) ?? 0) + p.data.length);
        const kinds = json.data.values[names.indexOf('kind')] as string[];
        const times = json.data.values[names.indexOf('time')] as number[];
        kinds.forEach((k, i) => k === 'fragment' && latencies.push(now - times[i]));
      });
      s.on('error', () => undefined);
    }
    await Promise.race([
      allStarted,
      new Promise((_, reject) => setTimeout(() => reject(new Error('not every channel started')), WARMUP_TIMEOUT_MS)),
    ]);
    const cpu0 = procCpuSeconds(info.pid);
    const t0 = Date.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, VIDEO_WINDOW_MS));
    measuring = false;
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = procCpuSeconds(info.pid);
    const perViewer = Array.from(bytes.values()).map((b) => (b * 8) / seconds);
    const mean = perViewer.reduce((a, b) => a + b, 0) / Math.max(1, perViewer.length);
    const lat = summary(latencies);
    console.log(
      `  per viewer: ${fmt(mean / 1e6, 2)} Mbit/s on the wire (Live packets, base64 JSON) for a ${fmt(info.bitsPerSecond / 1e6, 2)} Mbit/s stream: ${fmt(mean / info.bitsPerSecond, 2)}x; ${perViewer.length} of ${info.cameras.length} channels delivered`
    );
    console.log(
      `  packet-in → Live packet out: p50 ${fmt(lat.p50, 1)} ms, p99 ${fmt(lat.p99, 1)} ms over ${lat.n} pictures (goal p99 < 50 ms); largest Live message ${maxMessage} bytes`
    );
    if (cpu0 !== null && cpu1 !== null) {
      console.log(
        `  sidecar CPU for ${info.cameras.length} streams: ${fmt(((cpu1 - cpu0) / seconds) * 100, 1)} % of a core (whole process incl. the replayed feeds; goal < 3 %)`
      );
    }
    console.log(`  rss ${fmt(procMem(info.pid).rss / 2 ** 20, 0)} MiB`);
  } finally {
    streams.forEach((s) => s.cancel());
    if (clients) {
      for (const c of Object.values(clients)) {
        c.close();
      }
    }
    await stopGroup(child);
    process.off('exit', onExit);
  }
}

export async function runJpeg(): Promise<void> {
  if (!existsSync(mainMjs)) {
    console.log(`skipped: ${mainMjs} is not built (npm run build)`);
    return;
  }
  console.log(
    `live: RunStream over gRPC from the built sidecar, ${CAMERAS} simulated cameras (RTSP stream2, 640x360 H.264 @ 15 fps), JPEG width ${WIDTH}, ${WINDOW_MS / 1000} s per rate`
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'tapo-bench-live-'));
  let sim: ChildProcess | undefined;
  let sidecar: ChildProcess | undefined;
  let clients: ReturnType<typeof pluginClients> | undefined;
  let channels: Channel[] = [];
  let reportProblems = (): unknown => undefined;
  // If the benchmark process dies, the simulator and the sidecar (and their ffmpegs) die too.
  const onExit = () => {
    killGroup(sim?.pid, 'SIGKILL');
    killGroup(sidecar?.pid, 'SIGKILL');
  };
  process.once('exit', onExit);
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
      simTail
    );
    if (cams.some((c) => !c.rtspPort)) {
      throw new Error('a simulated camera has no RTSP port');
    }

    const sidecarTail: string[] = [];
    sidecar = spawnGroup(
      process.execPath,
      [mainMjs, '--standalone', '--grpc', '127.0.0.1:0', '--data-dir', dataDir, '--no-demo', '--log-level', 'info'],
      { stdout: 'ignore' }
    );
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
      if (/"@level":"(warn|error)"/.test(l) && problems.length < 10) {
        problems.push(l.slice(0, 300));
      }
    });
    reportProblems = () =>
      problems.length &&
      console.log(`  sidecar warnings/errors (first ${problems.length}):\n    ${problems.join('\n    ')}`);
    clients = pluginClients(address);
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
    console.log(`  16 cameras configured through the datasource settings in ${Date.now() - t0} ms`);

    for (const fps of RATES) {
      channels = await phase(fps, clients, ids, ctx, sidecar.pid!, channels);
    }
    reportProblems();
  } finally {
    for (const ch of channels) {
      ch.stream.cancel();
    }
    if (clients) {
      for (const c of Object.values(clients)) {
        c.close();
      }
    }
    await Promise.allSettled([stopGroup(sidecar), stopGroup(sim)]);
    process.off('exit', onExit);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
