/**
 * One sidecar at scale, measured rather than extrapolated. This process holds what a sidecar runs
 * per camera: the fleet, its SQLite history and its Prometheus exposition. It polls N simulated
 * cameras (in as many simulator processes as N needs, 1,000 cameras each) at the real 30 s
 * interval, and prints:
 *  - CPU (% of a core) and RSS over two poll intervals, once every camera is online;
 *  - poll lateness p50/p99: when a poll started against when it was due (the fleet's own trace);
 *  - bytes this process wrote to the disk (`/proc/self/io` write_bytes: the wear on an SD card),
 *    scaled to a day;
 *  - a /metrics scrape (size, p50/p99 over 20 scrapes over HTTP) beside its floor, a bare HTTP
 *    server sending a static body of the same size, measured in the same run.
 * `npm run bench -- scale`; TAPO_BENCH_SCALE=1000,10000 picks the counts (both by default).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../src/fleet/fleet.ts';
import { createFleetMetrics } from '../src/http/prometheus.ts';
import { logger } from '../src/log.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { startSimulator, simulatedConfigs } from './_simulator.ts';
import { fmt, rssMiB, summary } from './_stats.ts';

const INTERVAL_MS = 30_000;
const PER_SIMULATOR = 1_000; // the simulator CLI takes at most 1,000 cameras
const WINDOW_MS = 2 * INTERVAL_MS;
const SCRAPES = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes this process has caused to reach the storage layer (Linux). */
function writtenBytes(): number {
  const m = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** An HTTP server answering every GET with `body()`; resolves with its URL. */
async function serve(body: () => Promise<string | Buffer>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void body().then((b) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(b);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

/** p50/p99 of SCRAPES sequential GETs, and the body size. */
async function scrapeTimes(url: string): Promise<{ p50: number; p99: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = performance.now();
    const body = await (await fetch(url, { headers: { accept: 'text/plain' } })).arrayBuffer();
    times.push(performance.now() - t0);
    bytes = body.byteLength;
  }
  const s = summary(times);
  return { p50: s.p50, p99: s.p99, bytes };
}

async function scaleRun(count: number, dir: string): Promise<void> {
  const sims = await Promise.all(
    Array.from({ length: Math.ceil(count / PER_SIMULATOR) }, (_, i) =>
      startSimulator(Math.min(PER_SIMULATOR, count - i * PER_SIMULATOR))
    )
  );
  const cams = sims.flatMap((s) => s.cameras);
  const dataDir = join(dir, `run-${count}`);
  const store = await openSqliteStore({ dataDir });
  const lateness: number[] = [];
  let measuring = false;
  const fleet = new Fleet({
    store,
    motionSourceFactory: null,
    startSpreadMs: INTERVAL_MS,
    onTrace: (t) => {
      if (measuring && t.phase === 'start') {
        lateness.push(Math.max(0, t.at - t.due));
      }
    },
  });
  const metrics = createFleetMetrics(fleet);
  try {
    const t0 = performance.now();
    await fleet.applyCameras(simulatedConfigs(cams, INTERVAL_MS, 's', 'Scale'));
    await fleet.start();
    // Every camera logged in and answered once (bounded: three intervals).
    const deadline = Date.now() + 3 * INTERVAL_MS;
    let online = 0;
    while (Date.now() < deadline) {
      online = fleet.cameras().filter((c) => c.last?.status === 'online').length;
      if (online === count) {
        break;
      }
      await sleep(1000);
    }
    const warm = (performance.now() - t0) / 1000;

    measuring = true;
    const bytes0 = writtenBytes();
    let polls = 0;
    const off = fleet.on('poll', () => polls++);
    let rssPeak = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    while (performance.now() - w0 < WINDOW_MS) {
      await sleep(1000);
      rssPeak = Math.max(rssPeak, rssMiB());
    }
    const cpu = process.cpuUsage(c0);
    const wall = performance.now() - w0;
    measuring = false;
    off();
    const written = writtenBytes() - bytes0;

    const ours = await serve(() => metrics.text());
    const text = await metrics.text();
    const floor = await serve(async () => Buffer.from(text));
    const scrape = await scrapeTimes(ours.url);
    const bare = await scrapeTimes(floor.url);
    ours.server.close();
    floor.server.close();

    const late = summary(lateness);
    console.log(
      `${count.toLocaleString('en')} cameras in ${sims.length} simulator process(es): ${online}/${count} online after ${fmt(warm, 0)} s; ` +
        `${fmt((polls * 1000) / wall, 1)} polls/s over ${fmt(wall / 1000, 0)} s`
    );
    console.log(
      `  CPU ${fmt(((cpu.user + cpu.system) / 1000 / wall) * 100, 1)} % of a core; RSS peak ${fmt(rssPeak, 0)} MiB; ` +
        `poll lateness p50 ${fmt(late.p50, 0)} ms, p99 ${fmt(late.p99, 0)} ms (${late.n} polls); ` +
        `written to disk ${fmt(((written / wall) * 86_400_000) / 2 ** 20, 0)} MiB/day (${fmt(written / Math.max(1, polls), 0)} bytes a poll)`
    );
    console.log(
      `  /metrics: ${fmt(scrape.bytes / 2 ** 20, 2)} MiB (${text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .length.toLocaleString('en')} series), ` +
        `scrape p50 ${fmt(scrape.p50, 0)} ms, p99 ${fmt(scrape.p99, 0)} ms; floor (static body, same size) p50 ${fmt(bare.p50, 1)} ms, ` +
        `p99 ${fmt(bare.p99, 1)} ms: ${fmt(scrape.p50 / bare.p50, 1)}x`
    );
  } finally {
    await fleet.stop();
    await store.close();
    for (const s of sims) {
      s.child.kill('SIGTERM');
    }
  }
}

export async function run(): Promise<void> {
  logger.level = 'error';
  const counts = (process.env.TAPO_BENCH_SCALE ?? '1000,10000').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-scale-'));
  try {
    for (const n of counts) {
      await scaleRun(n, dir);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
