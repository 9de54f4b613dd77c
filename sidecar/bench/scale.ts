/**
 * One sidecar at scale, measured rather than extrapolated. This process holds what a sidecar runs
 * per camera: the fleet, its SQLite history and its HTTP API's /metrics. It polls N simulated
 * cameras (in as many simulator processes as N needs, at most 1,000 cameras each) at the real
 * 30 s interval. First logins are spread at a bounded rate (the fleet's own start spread), and the
 * bench reports how many cameras came online and how long that took. Then, over several poll
 * intervals, it prints:
 *  - the sidecar's CPU (% of a core, from /proc, split into its main thread and the others) and RSS;
 *  - poll lateness p50/p99: when a poll started against when it was due (the fleet's own trace),
 *    and the event loop's delay p99;
 *  - database growth over the window (SQLite pages in use), extrapolated to a day, and the bytes
 *    this process wrote to the disk (`/proc/self/io`);
 *  - /metrics through the HTTP API: size, scrape p50/p99, beside its floor, a bare node:http server
 *    sending a static file of the same size, in the same run;
 *  - the simulators' own CPU, apart (they share the host), and the load average.
 *
 * `npm run bench -- scale --cameras 1000,10000 [--intervals 3] [--logins-per-s 100]`
 * (TAPO_BENCH_SCALE=1000,10000 also picks the counts; the default is 1,000).
 * `--cpu-prof`: `node --cpu-prof --import tsx bench/index.ts scale --cameras 2500` in sidecar/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { Fleet } from '../src/fleet/fleet.ts';
import { createFleetMetrics, createHttpApi } from '../src/http/index.ts';
import { logger } from '../src/log.ts';
import type { CameraSnapshot } from '../src/model.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { startSimulator, simulatedConfigs } from './_simulator.ts';
import { fmt, procCpuSeconds, procThreadsCpu, rssMiB, summary, threadsCpuDelta } from './_stats.ts';

const INTERVAL_MS = 30_000;
const PER_SIMULATOR = 1_000; // the simulator CLI takes at most 1,000 cameras
const SCRAPES = 20;
// Scrapes of 10,000 cameras (40 MiB) on a loaded host take seconds each: the bench stays bounded.
const MIN_SCRAPES = 5;
const SCRAPE_BUDGET_MS = 60_000;
const DAY_MS = 86_400_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ScaleOptions {
  counts: number[];
  intervals: number;
  loginsPerSecond: number;
  /** Write a CPU profile of the measurement window (only) to this file. */
  cpuProf: string | null;
}

const USAGE =
  'usage: npm run bench -- scale [--cameras 1000[,10000]] [--intervals 3] [--logins-per-s 100]\n' +
  '  --cameras: camera counts to run, one after the other (simulators of at most 1,000 cameras each)\n' +
  '  --intervals: poll intervals (30 s each) measured once the cameras are online\n' +
  '  --logins-per-s: how fast first logins are spread (the fleet start spread is N / this, at least 30 s)\n' +
  '  --cpu-prof FILE: CPU profiles of the measurement window and of the scrapes (Chrome DevTools format; <N>. and <N>.scrapes. before the name)';

/** The bench's options from its command line (after `scale`), or from npm's config when npm took the flags. */
export function scaleOptions(argv: string[], env: NodeJS.ProcessEnv): ScaleOptions {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      cameras: { type: 'string' },
      intervals: { type: 'string' },
      'logins-per-s': { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return { counts: [], intervals: 0, loginsPerSecond: 0, cpuProf: null };
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // npm keeps flags it is handed without a `--` before them (`--cameras=N` arrives as npm_config_cameras).
  const npm = (name: string) => (env[`npm_config_${name}`] === 'true' ? undefined : env[`npm_config_${name}`]);
  const cameras = str(values.cameras) ?? npm('cameras') ?? env.TAPO_BENCH_SCALE ?? '1000';
  const positive = (text: string, what: string, max: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new RangeError(`${what} must be an integer 1..${max}, got "${text}"\n${USAGE}`);
    }
    return n;
  };
  return {
    counts: cameras.split(',').map((c) => positive(c.trim(), '--cameras', 50_000)),
    intervals: positive(str(values.intervals) ?? npm('intervals') ?? '3', '--intervals', 100),
    loginsPerSecond: positive(str(values['logins-per-s']) ?? npm('logins_per_s') ?? '100', '--logins-per-s', 100_000),
    cpuProf: str(values['cpu-prof']) ?? npm('cpu_prof') ?? null,
  };
}

/** Soft and hard limits on open files of a process (Linux). */
function fdLimits(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const num = (s: string | undefined) => (s === undefined || s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m?.[1]), hard: num(m?.[2]) };
}

/**
 * Raises this process's open-file limit to `need` where the hard limit allows (the simulators
 * inherit it). Node already lifts the soft limit to the hard one at start; this covers a runtime
 * that does not. Returns a sentence for the report.
 */
function ensureFdLimit(need: number): string {
  let { soft, hard } = fdLimits();
  if (soft < need && hard >= need) {
    spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${need}:${hard === Infinity ? 'unlimited' : hard}`]);
    ({ soft, hard } = fdLimits());
  }
  if (soft < need) {
    return `open files limited to ${soft} (hard ${hard}), ${need} wanted: raise it (ulimit -Hn as root) or expect failed connections`;
  }
  return `open files: ${soft === Infinity ? 'unlimited' : soft}`;
}

/** Bytes this process has caused to reach the storage layer (Linux). */
function writtenBytes(): number {
  const m = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** The floor: a bare node:http server sending one static file as it is, read from disk per request. */
async function serveStaticFile(path: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    const body = readFileSync(path);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

/** p50/p99 of up to SCRAPES sequential GETs (at least MIN_SCRAPES, no new one after SCRAPE_BUDGET_MS), and the body size. */
async function scrapeTimes(url: string): Promise<{ p50: number; p99: number; n: number; bytes: number; body: Buffer }> {
  const times: number[] = [];
  let body = Buffer.alloc(0);
  const start = performance.now();
  while (times.length < SCRAPES && (times.length < MIN_SCRAPES || performance.now() - start < SCRAPE_BUDGET_MS)) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { accept: 'text/plain' } });
    body = Buffer.from(await res.arrayBuffer());
    times.push(performance.now() - t0);
    if (res.status !== 200) {
      throw new Error(`scrape answered ${res.status}`);
    }
  }
  const s = summary(times);
  return { p50: s.p50, p99: s.p99, n: s.n, bytes: body.byteLength, body };
}

/** Starts V8's sampling profiler in this process; the returned function stops it and gives the profile. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

/** The cameras by status and their most common error, e.g. "offline 120 (no answer in time: ...)". */
function statusBreakdown(cams: CameraSnapshot[]): string {
  const by = new Map<string, { n: number; errors: Map<string, number> }>();
  for (const c of cams) {
    const status = c.last?.status ?? 'not polled yet';
    const entry = by.get(status) ?? { n: 0, errors: new Map<string, number>() };
    entry.n++;
    const error = c.last?.error;
    if (error) {
      entry.errors.set(error, (entry.errors.get(error) ?? 0) + 1);
    }
    by.set(status, entry);
  }
  return [...by]
    .map(([status, { n, errors }]) => {
      const common = [...errors].sort((a, b) => b[1] - a[1])[0];
      return `${status} ${n}${common ? ` (${common[1]}: ${common[0].slice(0, 120)})` : ''}`;
    })
    .join(', ');
}

const load = () =>
  loadavg()
    .map((l) => fmt(l, 1))
    .join(' ');

async function scaleRun(count: number, dir: string, o: ScaleOptions): Promise<void> {
  // A socket per camera (two while a login replaces a stale one), and the rest of the process.
  const fd = ensureFdLimit(count + 2_000);
  const loadBefore = load();
  const t0 = performance.now();
  const sims = await Promise.all(
    Array.from({ length: Math.ceil(count / PER_SIMULATOR) }, (_, i) =>
      startSimulator(Math.min(PER_SIMULATOR, count - i * PER_SIMULATOR))
    )
  );
  const simsUp = (performance.now() - t0) / 1000;
  const cams = sims.flatMap((s) => s.cameras);
  const dataDir = join(dir, `run-${count}`);
  const store = await openSqliteStore({ dataDir });
  const lateness: number[] = [];
  const durations: number[] = [];
  const started = new Map<string, number>();
  let measuring = false;
  // First logins at a bounded rate: the fleet spreads first polls over this window.
  const spreadMs = Math.max(INTERVAL_MS, (count / o.loginsPerSecond) * 1000);
  const fleet = new Fleet({
    store,
    motionSourceFactory: null,
    startSpreadMs: spreadMs,
    onTrace: (t) => {
      if (!measuring) {
        return;
      }
      if (t.phase === 'start') {
        lateness.push(Math.max(0, t.at - t.due));
        started.set(t.cameraId, t.at);
      } else if (started.has(t.cameraId)) {
        durations.push(t.at - started.get(t.cameraId)!);
        started.delete(t.cameraId);
      }
    },
  });
  const metrics = createFleetMetrics(fleet);
  const api = createHttpApi({ fleet, noAuth: true, metrics });
  const simPids = sims.map((s) => s.child.pid!);
  const simCpu = () => simPids.reduce((sum, pid) => sum + (procCpuSeconds(pid) ?? 0), 0);
  try {
    const t1 = performance.now();
    await fleet.applyCameras(simulatedConfigs(cams, INTERVAL_MS, 's', 'Scale'));
    await fleet.start();
    // Every camera logged in and answered once (bounded: the spread and two intervals).
    const deadline = Date.now() + spreadMs + 2 * INTERVAL_MS;
    let online = 0;
    while (Date.now() < deadline) {
      online = fleet.cameras().filter((c) => c.last?.status === 'online').length;
      if (online === count) {
        break;
      }
      await sleep(1000);
    }
    const warm = (performance.now() - t1) / 1000;
    const notOnline = statusBreakdown(fleet.cameras().filter((c) => c.last?.status !== 'online'));
    console.log(
      `${count.toLocaleString('en')} cameras in ${sims.length} simulator process(es) (up in ${fmt(simsUp, 0)} s; ${fd}; load before ${loadBefore}): ` +
        `${online.toLocaleString('en')}/${count.toLocaleString('en')} online ${fmt(warm, 0)} s after the start, first logins spread over ${fmt(spreadMs / 1000, 0)} s` +
        (notOnline ? `; the others: ${notOnline}` : '')
    );

    const windowMs = o.intervals * INTERVAL_MS;
    measuring = true;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    // Pages in use after a commit of what waits (group commits hold polls up to a minute).
    await store.flush();
    const db0 = store.usedBytes();
    const bytes0 = writtenBytes();
    let polls = 0;
    let onlinePolls = 0;
    const off = fleet.on('poll', (r) => {
      polls++;
      if (r.status === 'online') {
        onlinePolls++;
      }
    });
    // New connections to the cameras (each a TCP and TLS handshake): a camera may close an idle one.
    let connections = 0;
    const counted = () => void connections++;
    subscribe('net.client.socket', counted);
    const profiler = o.cpuProf ? await startProfile() : null;
    let rssPeak = 0;
    const cpu0 = procCpuSeconds(process.pid)!;
    const threads0 = procThreadsCpu(process.pid);
    const sim0 = simCpu();
    const w0 = performance.now();
    while (performance.now() - w0 < windowMs) {
      await sleep(1000);
      rssPeak = Math.max(rssPeak, rssMiB());
    }
    const wall = (performance.now() - w0) / 1000;
    const cpu = procCpuSeconds(process.pid)! - cpu0;
    const threads = threadsCpuDelta(threads0, procThreadsCpu(process.pid), wall);
    const simsCpu = simCpu() - sim0;
    if (profiler && o.cpuProf) {
      const file = join(dirname(o.cpuProf), `${count}.${basename(o.cpuProf)}`);
      writeFileSync(file, JSON.stringify(await profiler()));
      console.log(`  CPU profile of the window: ${file}`);
    }
    measuring = false;
    unsubscribe('net.client.socket', counted);
    loop.disable();
    off();
    const written = writtenBytes() - bytes0;
    await store.flush();
    const grown = store.usedBytes() - db0;
    const loadAfter = load();

    process.stderr.write(`  (window done at ${new Date().toISOString().slice(11, 19)}; scraping)\n`);
    const oursUrl = await listen(api);
    const scrapeProfiler = o.cpuProf ? await startProfile() : null;
    const ours = await scrapeTimes(oursUrl);
    if (scrapeProfiler && o.cpuProf) {
      const file = join(dirname(o.cpuProf), `${count}.scrapes.${basename(o.cpuProf)}`);
      writeFileSync(file, JSON.stringify(await scrapeProfiler()));
      console.log(`  CPU profile of the scrapes: ${file}`);
    }
    const staticFile = join(dir, `metrics-${count}.txt`);
    writeFileSync(staticFile, ours.body);
    const floor = await serveStaticFile(staticFile);
    const bare = await scrapeTimes(floor.url);
    floor.server.close();
    const series = ours.body
      .toString('utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#')).length;

    const late = summary(lateness);
    const took = summary(durations);
    console.log(
      `  over ${fmt(wall, 0)} s (${o.intervals} intervals): ${fmt(polls / wall, 1)} polls/s (${fmt((onlinePolls / Math.max(1, polls)) * 100, 1)} % online), ${fmt(connections / Math.max(1, polls), 2)} new connections a poll; load average ${loadAfter} at the end`
    );
    console.log(
      `  sidecar CPU ${fmt((cpu / wall) * 100, 1)} % of a core (${threads}); RSS peak ${fmt(rssPeak, 0)} MiB; ` +
        `simulators ${fmt((simsCpu / wall) * 100, 1)} % of a core (${sims.length} processes, apart)`
    );
    console.log(
      `  poll lateness p50 ${fmt(late.p50, 0)} ms, p99 ${fmt(late.p99, 0)} ms (${late.n} polls); ` +
        `a poll took p50 ${fmt(took.p50, 0)} ms, p99 ${fmt(took.p99, 0)} ms; event-loop delay p99 ${fmt(loop.percentile(99) / 1e6, 0)} ms, max ${fmt(loop.max / 1e6, 0)} ms`
    );
    console.log(
      `  database +${fmt(grown / 2 ** 10, 0)} KiB in ${fmt(wall, 0)} s: ${fmt(((grown / wall) * (DAY_MS / 1000)) / 2 ** 20, 0)} MiB a day ` +
        `(extrapolated from this window; ${fmt(grown / Math.max(1, polls), 0)} bytes a poll); ` +
        `written to the disk ${fmt(((written / wall) * (DAY_MS / 1000)) / 2 ** 20, 0)} MiB a day (${fmt(written / Math.max(1, polls), 0)} bytes a poll)`
    );
    console.log(
      `  /metrics: ${fmt(ours.bytes / 2 ** 20, 2)} MiB (${series.toLocaleString('en')} series), scrape p50 ${fmt(ours.p50, 0)} ms, p99 ${fmt(ours.p99, 0)} ms (${ours.n} scrapes); ` +
        `floor (static file of the same size, bare node:http) p50 ${fmt(bare.p50, 1)} ms, p99 ${fmt(bare.p99, 1)} ms (${bare.n}): ${fmt(ours.p50 / bare.p50, 1)}x`
    );
  } finally {
    api.close();
    await fleet.stop();
    await store.close();
    for (const s of sims) {
      s.child.kill('SIGTERM');
    }
  }
}

export async function run(argv = process.argv.slice(2)): Promise<void> {
  logger.level = 'error';
  const o = scaleOptions(argv, process.env);
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-scale-'));
  try {
    for (const n of o.counts) {
      await scaleRun(n, dir, o);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
