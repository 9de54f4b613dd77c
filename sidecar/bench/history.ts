/**
 * The history store's figures, on realistic data (latency and signal that wander, cameras offline
 * for hours, uptime that resets, batteries that drain and charge; test/helpers/realistic-polls.ts):
 *  - disk written per poll (`/proc/self/io`), 40 cameras every 5 s and a six-camera home at 30 s,
 *    written one poll at a time as the fleet does, housekeeping every simulated minute; beside it
 *    the database's own growth per poll (the floor) and the same store committing every poll (the peer);
 *  - disk bytes per poll and per sample for 100 cameras x 24 h;
 *  - 24 h queries over 100 cameras at 1,000 points, the store on node:sqlite against the same store on
 *    the WebAssembly build it replaced (node-sqlite3-wasm), same data, same run;
 *  - 24 h over 1,000 cameras, and 90 days over 100 cameras at 1,000 points (read from the hourly
 *    tier), with the disk a year takes extrapolated from the 90 days' tiers;
 *  - the metrics query end to end through gRPC from a sidecar process (endToEnd), beside
 *    Prometheus's query_range on the same polls.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../src/log.ts';
import type { MetricName, PollResult } from '../src/model.ts';
import { pollToRow } from '../src/store/columns.ts';
import type { SqliteDatabase } from '../src/store/engine.ts';
import { DB_FILE_NAME, openSqliteStore, type SqliteStore } from '../src/store/sqlite.ts';
import { realisticPolls, type CameraPlan } from '../test/helpers/realistic-polls.ts';
import {
  OpenMetricsWriter,
  blockBytes,
  havePrometheus,
  makeBlocks,
  queryRange,
  startPrometheus,
} from './_prometheus.ts';
import { datasourceWith, queryMetrics, startPlugin } from './_plugin-process.ts';
import { buildQueryTime, startGoClient } from './_grafana-client.ts';
import { wasmOpener } from './_wasm-engine.ts';
import { planBuckets } from '../src/store/downsample.ts';
import { fmt, rssMiB, summary } from './_stats.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Minutes of raw (not yet compacted) polls in the end-to-end store: the production average. */
const RAW_MINUTES = 30;

/** Bytes this process caused to be written to storage (dirtied pages, less those cancelled by truncation). */
function diskWritten(): number {
  const io = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return field('write_bytes') - field('cancelled_write_bytes');
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function plans(count: number, from: number, span: number): CameraPlan[] {
  return Array.from({ length: count }, (_, c) => ({
    cameraId: `cam${c}`,
    battery: c % 10 === 9,
    // Every seventh camera is offline for three hours somewhere in the span.
    offline:
      c % 7 === 3
        ? [
            [
              from + ((c * 7919) % Math.max(1, span - 3 * HOUR)),
              from + ((c * 7919) % Math.max(1, span - 3 * HOUR)) + 3 * HOUR,
            ],
          ]
        : [],
  }));
}

/** Writes `minutes` of polls one at a time in time order (as the fleet does), housekeeping each simulated minute. */
async function writeLive(
  dir: string,
  name: string,
  cameras: number,
  intervalMs: number,
  minutes: number,
  commitDelayMs?: number
) {
  const file = join(dir, `${name}.sqlite`);
  const from = Date.now() - minutes * 60_000;
  const store = await openSqliteStore({ file, commitDelayMs });
  const polls = plans(cameras, from, minutes * 60_000)
    .flatMap((p, c) => realisticPolls(p, from, from + minutes * 60_000, intervalMs, c + 1))
    .sort((a, b) => a.time - b.time);
  await store.maintain(365 * DAY, from);
  await store.flush();
  store.checkpoint();
  const before = diskWritten();
  const sizeBefore = size(file);
  let minute = Math.floor(from / 60_000);
  for (const p of polls) {
    const m = Math.floor(p.time / 60_000);
    if (m !== minute) {
      minute = m;
      await store.maintain(365 * DAY, p.time);
    }
    await store.writePoll(p);
  }
  await store.maintain(365 * DAY, Date.now());
  const written = diskWritten() - before;
  const grown = size(file) - sizeBefore;
  await store.close();
  return { polls: polls.length, perPoll: written / polls.length, growth: grown / polls.length };
}

export async function writes(dir: string): Promise<void> {
  for (const [cameras, interval, minutes, label] of [
    [40, 5_000, 10, '40 cameras every 5 s'],
    [6, 30_000, 60, 'six cameras at 30 s (a home at the defaults)'],
  ] as const) {
    const grouped = await writeLive(dir, `g${cameras}`, cameras, interval, minutes);
    const each = await writeLive(dir, `e${cameras}`, cameras, interval, Math.min(minutes, 5), 0);
    const perDay = (grouped.perPoll * cameras * DAY) / interval;
    console.log(
      `disk written, ${label}, ${grouped.polls.toLocaleString('en')} polls: ${fmt(grouped.perPoll / 1024, 2)} KiB per poll ` +
        `(goal <= 2 KiB at 40 cameras; ~${fmt(perDay / 2 ** 20, 0)} MiB a day) with group commits; ` +
        `${fmt(each.perPoll / 1024, 2)} KiB per poll committing each poll (peer); the database grew ${fmt(grouped.growth, 0)} bytes per poll (floor)`
    );
  }
}

/** Imports `days` of `cameras` cameras at 30 s, a camera at a time; returns polls and non-null values written. */
async function seed(
  store: SqliteStore,
  cameras: number,
  from: number,
  to: number,
  keep?: Map<string, PollResult[]>
): Promise<{ polls: number; samples: number }> {
  let polls = 0;
  let samples = 0;
  const ps = plans(cameras, from, to - from);
  for (let c = 0; c < cameras; c++) {
    const mine: PollResult[] = realisticPolls(ps[c]!, from, to, 30_000, c + 1);
    polls += mine.length;
    for (const p of mine) {
      samples += pollToRow(p).filter((v, i) => i > 0 && !Number.isNaN(v)).length;
    }
    await store.importPolls(mine, to + HOUR);
    keep?.set(ps[c]!.cameraId, mine);
  }
  await store.flush();
  store.checkpoint();
  return { polls, samples };
}

/** The store's part of a metrics query (historyColumns: typed arrays, what the datasource turns into Arrow). */
async function queries(store: SqliteStore, ids: string[], from: number, to: number) {
  const run = async (metrics: MetricName[], withMinMax: boolean) => {
    const times: number[] = [];
    const cpu: number[] = [];
    let rss = 0;
    for (let i = 0; i < 30; i++) {
      const c0 = process.cpuUsage();
      const a = performance.now();
      await store.historyColumns({ cameraIds: ids, metrics, from, to, maxPoints: 1000, withMinMax });
      times.push(performance.now() - a);
      const u = process.cpuUsage(c0);
      cpu.push((u.user + u.system) / 1000);
      rss = Math.max(rss, rssMiB());
    }
    // CPU time beside the wall clock: on a shared machine the wall clock also counts waiting for a core.
    return { ...summary(times.slice(3)), cpu: summary(cpu.slice(3)).p50, rss };
  };
  return { one: await run(['latency_ms'], false), three: await run(['latency_ms', 'online', 'rssi_dbm'], true) };
}

async function engines(dir: string): Promise<void> {
  const to = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const from = to - DAY;
  const ids = Array.from({ length: 100 }, (_, c) => `cam${c}`);
  const wasm = await wasmOpener();
  const rows: string[] = [];
  const kept = new Map<string, PollResult[]>();
  let ours: Awaited<ReturnType<typeof queries>> | null = null;
  let ourBytesPerSample = NaN;
  for (const [name, openDatabase] of [
    ['node:sqlite', undefined],
    ['WebAssembly', wasm],
  ] as Array<[string, ((file: string) => SqliteDatabase) | undefined]>) {
    const file = join(dir, `engine-${name.replace(/\W/g, '')}.sqlite`);
    const store = await openSqliteStore({ file, openDatabase });
    const t0 = performance.now();
    const { polls, samples } = await seed(store, 100, from, to, openDatabase ? undefined : kept);
    const seeded = performance.now() - t0;
    const q = await queries(store, ids, from, to);
    if (name === 'node:sqlite') {
      ours = q;
      ourBytesPerSample = size(file) / samples;
      console.log(
        `100 cameras x 24 h at 30 s: ${polls.toLocaleString('en')} polls, ${samples.toLocaleString('en')} samples; database ${fmt(size(file) / 2 ** 20, 2)} MiB: ` +
          `${fmt(size(file) / polls, 1)} bytes per poll, ${fmt(size(file) / samples, 2)} bytes per sample (schema 2 kept 8 bytes a value, about 140 a poll)`
      );
    }
    rows.push(
      `  ${name.padEnd(12)} 1 metric: p50 ${fmt(q.one.p50, 1)} ms, p99 ${fmt(q.one.p99, 1)} ms, CPU p50 ${fmt(q.one.cpu, 1)} ms; 3 metrics with min/max: p50 ${fmt(q.three.p50, 1)} ms, ` +
        `p99 ${fmt(q.three.p99, 1)} ms, CPU p50 ${fmt(q.three.cpu, 1)} ms (n=${q.one.n}); RSS while answering ${fmt(q.three.rss, 0)} MiB; seeded in ${fmt(seeded / 1000, 1)} s`
    );
    await store.close();
  }
  console.log('24 h of 100 cameras at 1,000 points, the same store and data on each SQLite build:');
  rows.forEach((r) => console.log(r));
  if (havePrometheus()) {
    await prometheusPeer(join(dir, 'prometheus'), kept, from, to, ours!, ourBytesPerSample);
  } else {
    console.log(
      'Prometheus peer skipped: prometheus and promtool are not installed (Debian: apt-get install prometheus)'
    );
  }
}

/** The same 24 h of 100 cameras in Prometheus, the same questions through query_range. */
async function prometheusPeer(
  dir: string,
  polls: Map<string, PollResult[]>,
  from: number,
  to: number,
  ours: Awaited<ReturnType<typeof queries>>,
  ourBytesPerSample: number
): Promise<void> {
  const { samples, bytes } = await makeBlocks(dir, polls);
  const server = await startPrometheus(dir);
  try {
    const step = planBuckets(from, to, 1000).bucketMs;
    const ask = async (metrics: string[], withMinMax: boolean) => {
      const server: number[] = [];
      const total: number[] = [];
      for (let i = 0; i < 30; i++) {
        let s = 0;
        let t = 0;
        for (const m of metrics) {
          for (const f of withMinMax ? ['avg', 'min', 'max'] : ['avg']) {
            const r = await queryRange(server_.url, `${f}_over_time(${m}[${step / 1000}s])`, from, to, step);
            s += r.serverMs;
            t += r.totalMs;
          }
        }
        server.push(s);
        total.push(t);
      }
      return { server: summary(server.slice(3)), total: summary(total.slice(3)) };
    };
    const server_ = server;
    const one = await ask(['tapo_latency_ms'], false);
    const three = await ask(['tapo_latency_ms', 'tapo_online', 'tapo_rssi_dbm'], true);
    const rss = rssMiB(server.child.pid!);
    const after = blockBytes(join(dir, 'data'));
    console.log(
      `Prometheus (the same polls as ${samples.toLocaleString('en')} samples, blocks by promtool): ${fmt(bytes / samples, 2)} bytes per sample ` +
        `(${fmt(after / samples, 2)} once it had run); ours ${fmt(ourBytesPerSample, 2)} (ratio ${fmt(ourBytesPerSample / (after / samples), 2)}x)`
    );
    const line = (
      label: string,
      o: { p50: number; p99: number; cpu: number },
      p: { server: { p50: number; p99: number }; total: { p50: number; p99: number } }
    ) =>
      console.log(
        `  ${label}: Prometheus execution p50 ${fmt(p.server.p50, 1)} ms, p99 ${fmt(p.server.p99, 1)} ms; with HTTP/JSON p50 ${fmt(p.total.p50, 1)} ms; ` +
          `ours (store.historyColumns, not through gRPC) p50 ${fmt(o.p50, 1)} ms, CPU p50 ${fmt(o.cpu, 1)} ms: ${fmt(o.p50 / p.server.p50, 2)}x its execution ` +
          `(${fmt(o.cpu / p.server.p50, 2)}x by our CPU time), ${fmt(o.p50 / p.total.p50, 2)}x its HTTP answer`
      );
    line('1 metric', ours.one, one);
    line('3 metrics with min/max', ours.three, three);
    console.log(`  Prometheus RSS after answering ${fmt(rss, 0)} MiB`);
  } finally {
    await server.stop();
  }
}

async function thousand(dir: string): Promise<void> {
  const to = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const from = to - DAY;
  const store = await openSqliteStore({ file: join(dir, 'thousand.sqlite') });
  const t0 = performance.now();
  const { polls } = await seed(store, 1000, from, to);
  const seeded = performance.now() - t0;
  const ids = Array.from({ length: 1000 }, (_, c) => `cam${c}`);
  const q = await queries(store, ids, from, to);
  console.log(
    `24 h of 1,000 cameras (${polls.toLocaleString('en')} polls, seeded in ${fmt(seeded / 1000, 0)} s) at 1,000 points: ` +
      `1 metric p50 ${fmt(q.one.p50, 0)} ms, p99 ${fmt(q.one.p99, 0)} ms, CPU p50 ${fmt(q.one.cpu, 0)} ms; 3 metrics with min/max p50 ${fmt(q.three.p50, 0)} ms, ` +
      `p99 ${fmt(q.three.p99, 0)} ms; RSS ${fmt(q.three.rss, 0)} MiB`
  );
  await store.close();
}

/** 90 days of 100 cameras: the last week at 30 s, the weeks before at 5 min (the tiers hold the same buckets either way). */
async function ninetyDays(dir: string): Promise<void> {
  const file = join(dir, 'ninety.sqlite');
  const store = await openSqliteStore({ file });
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const from = end - 90 * DAY;
  const week = end - 7 * DAY;
  const ps = plans(100, from, 90 * DAY);
  const t0 = performance.now();
  for (let c = 0; c < 100; c++) {
    await store.importPolls(realisticPolls(ps[c]!, from, week, 300_000, c + 1), end + HOUR);
    await store.importPolls(realisticPolls(ps[c]!, week, end, 30_000, c + 101), end + HOUR);
  }
  await store.maintain(365 * DAY, end + HOUR);
  await store.flush();
  store.checkpoint();
  const seeded = performance.now() - t0;
  const ids = Array.from({ length: 100 }, (_, c) => `cam${c}`);
  const q = await queries(store, ids, from, end);
  const db = (store as unknown as { db: SqliteDatabase }).db;
  const tierBytes = (tier: number) =>
    Number(
      (db.get('SELECT coalesce(sum(length(data)), 0) AS b FROM rollups WHERE tier = ?', [tier]) as { b: number }).b
    );
  const hourlyPerCameraDay = tierBytes(2) / (100 * 90);
  const dbBytes = size(file);
  const year = dbBytes + hourlyPerCameraDay * 100 * 275;
  console.log(
    `90 days of 100 cameras (seeded in ${fmt(seeded / 1000, 0)} s) at 1,000 points, from the hourly tier: 1 metric p50 ${fmt(q.one.p50, 1)} ms, ` +
      `p99 ${fmt(q.one.p99, 1)} ms, CPU p50 ${fmt(q.one.cpu, 1)} ms (goal p50 < 100 ms); 3 metrics with min/max p50 ${fmt(q.three.p50, 1)} ms, p99 ${fmt(q.three.p99, 1)} ms; RSS ${fmt(q.three.rss, 0)} MiB`
  );
  console.log(
    `  database ${fmt(dbBytes / 2 ** 20, 1)} MiB (polls for a week, 5-minute buckets for 90 days: ${fmt(tierBytes(1) / 2 ** 20, 1)} MiB, hourly: ` +
      `${fmt(tierBytes(2) / 2 ** 20, 1)} MiB, ${fmt(hourlyPerCameraDay, 0)} bytes a camera-day); a year of 100 cameras ~${fmt(year / 2 ** 20, 0)} MiB ` +
      `(extrapolated: 275 more days of the hourly tier; schema 2 would take ~14 GiB)`
  );
  await store.close();
}

/** A process's peak and current resident memory (VmHWM, VmRSS), in MiB. */
function memoryOf(pid: number): { peak: number; now: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN) / 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * The whole metrics query end to end: a sidecar process (started as Grafana starts it) answers
 * QueryData over gRPC from a store of `cameras` x 24 h, and Prometheus answers query_range over
 * the same polls; each round asks Grafana's Go client, the Node client and Prometheus in turn, so
 * all see the same load on a shared host.
 */
async function endToEnd(dir: string, cameras: number): Promise<void> {
  // As a dashboard sees it in production: the current hour's polls are raw rows until the hour
  // ends and housekeeping compacts them into chunks, half an hour of them on average. The range
  // ends 30 minutes into the current hour (in the future before half past: the sidecar does not
  // mind), so the sidecar keeps exactly those 30 minutes raw, whenever the bench runs.
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  const to = hour + RAW_MINUTES * 60_000;
  const from = to - DAY;
  const dataDir = join(dir, `e2e-${cameras}`);
  mkdirSync(dataDir, { recursive: true });
  const promMetrics = ['tapo_latency_ms', 'tapo_online', 'tapo_rssi_dbm'];
  const writer = havePrometheus() ? new OpenMetricsWriter(join(dataDir, 'prometheus'), promMetrics) : null;
  const t0 = performance.now();
  const store = await openSqliteStore({ file: join(dataDir, DB_FILE_NAME) });
  const ps = plans(cameras, from, DAY);
  for (let c = 0; c < cameras; c++) {
    const mine = realisticPolls(ps[c]!, from, to, 30_000, c + 1);
    await store.importPolls(mine, to);
    await writer?.add(ps[c]!.cameraId, mine);
  }
  const rawPolls = (
    (store as unknown as { db: SqliteDatabase }).db.get('SELECT count(*) AS n FROM polls') as { n: number }
  ).n;
  await store.close();
  const blocks = await writer?.makeBlocks();
  const seeded = performance.now() - t0;
  const prom = writer ? await startPrometheus(join(dataDir, 'prometheus')) : null;
  const sidecar = await startPlugin(dataDir);
  const goBuild = buildQueryTime();
  const grafana = goBuild.path ? startGoClient(goBuild.path, sidecar.address) : null;
  if (!grafana) {
    console.log(`  Grafana's Go client skipped (${goBuild.why}): timed with the Node client only`);
  }
  try {
    const cameraIds = ps.map((p) => p.cameraId);
    const ctx = datasourceWith(cameraIds);
    const jsonData = { cameras: cameraIds.map((id) => ({ id, name: id, host: '127.0.0.1', disabled: true })) };
    const step = planBuckets(from, to, 1000).bucketMs;
    const cases = [
      { label: '1 metric', metrics: ['latency_ms'], prom: ['tapo_latency_ms'], minMax: false },
      {
        label: '3 metrics with min/max',
        metrics: ['latency_ms', 'online', 'rssi_dbm'],
        prom: promMetrics,
        minMax: true,
      },
    ];
    const load = [loadAverage()];
    for (const k of cases) {
      const received: number[] = [];
      const decoded: number[] = [];
      const node: number[] = [];
      const server: number[] = [];
      const http: number[] = [];
      let answer = { frames: 0, bytes: 0 };
      let goFrames: number | null = null;
      const query = { queryType: 'metrics', metrics: k.metrics, ...(k.minMax ? { minMax: true } : {}) };
      // Each round asks Grafana's client, the Node client and Prometheus in turn, so all see the same load.
      for (let i = 0; i < 23; i++) {
        if (grafana) {
          // The same datasource as the Node client's (its uid and cameras), or it would own none of them.
          const uid = ctx.dataSourceInstanceSettings.uid;
          const g = await grafana.ask({ json: query, from, to, maxDataPoints: 1000, jsonData, uid });
          received.push(g.receivedMs);
          goFrames = g.frames;
          decoded.push(g.ms);
        }
        const a = performance.now();
        answer = await queryMetrics(sidecar, ctx, {
          metrics: k.metrics,
          from,
          to,
          maxDataPoints: 1000,
          minMax: k.minMax,
        });
        node.push(performance.now() - a);
        if (goFrames !== null && goFrames !== answer.frames) {
          throw new Error(
            `Grafana's client got ${goFrames} frames, the Node client ${answer.frames}: not the same answer`
          );
        }
        if (prom) {
          let s = 0;
          let t = 0;
          for (const m of k.prom) {
            for (const f of k.minMax ? ['avg', 'min', 'max'] : ['avg']) {
              const r = await queryRange(prom.url, `${f}_over_time(${m}[${step / 1000}s])`, from, to, step);
              s += r.serverMs;
              t += r.totalMs;
            }
          }
          server.push(s);
          http.push(t);
        }
      }
      // The first three rounds warm everything up (JIT, page cache, HTTP/2 windows) and are left out.
      const g = summary(received.slice(3));
      const gd = summary(decoded.slice(3));
      const o = summary(node.slice(3));
      const p = summary(server.slice(3));
      const h = summary(http.slice(3));
      const vsProm = (ms: number) => (prom ? ` = ${fmt(ms / p.p50, 2)}x its execution` : '');
      console.log(
        `  ${k.label} (${answer.frames} frames, ${fmt(answer.bytes / 2 ** 20, 1)} MiB of Arrow, n=${o.n}):` +
          (prom
            ? ` Prometheus execution p50 ${fmt(p.p50, 1)} ms, p99 ${fmt(p.p99, 1)} ms (with HTTP/JSON p50 ${fmt(h.p50, 1)} ms, p99 ${fmt(h.p99, 1)} ms);`
            : ' Prometheus peer skipped (not installed);')
      );
      if (grafana) {
        console.log(
          `    ours into Grafana's Go plugin client (grpc-go, go-plugin's options): p50 ${fmt(g.p50, 1)} ms, p99 ${fmt(g.p99, 1)} ms` +
            `${vsProm(g.p50)} (goal <= 1.0)${prom ? `, ${fmt(g.p50 / h.p50, 2)}x its HTTP answer` : ''}; ` +
            `then the SDK's Arrow reader on every frame (Grafana's own work, as JSON decoding is for Prometheus's answer): p50 ${fmt(gd.p50, 1)} ms in all${vsProm(gd.p50)}`
        );
      }
      console.log(
        `    ours into the Node gRPC client (grpc-js): p50 ${fmt(o.p50, 1)} ms, p99 ${fmt(o.p99, 1)} ms${vsProm(o.p50)}`
      );
      load.push(loadAverage());
    }
    const mem = memoryOf(sidecar.child.pid!);
    const promMem = prom ? memoryOf(prom.child.pid!) : null;
    console.log(
      `  RSS while answering: sidecar peak ${fmt(mem.peak, 0)} MiB (now ${fmt(mem.now, 0)})` +
        (promMem ? `, Prometheus peak ${fmt(promMem.peak, 0)} MiB (now ${fmt(promMem.now, 0)})` : '') +
        `; load average (1, 5, 15 min) before and after each case: ${load.join(' | ')}`
    );
    const turned = Math.floor(Date.now() / HOUR) * HOUR !== hour;
    console.log(
      `  (the last ${RAW_MINUTES} minutes of polls raw, ${rawPolls.toLocaleString('en')} rows, the rest in chunks; seeded in ${fmt(seeded / 1000, 0)} s` +
        `${blocks ? `, Prometheus blocks of ${blocks.samples.toLocaleString('en')} samples` : ''}; the sidecar runs this checkout's source under tsx)` +
        (turned
          ? '; THE HOUR TURNED during the run: the sidecar compacted the raw polls midway, the later rounds read chunks only'
          : '')
    );
  } finally {
    grafana?.close();
    await sidecar.stop();
    await prom?.stop();
  }
}

export async function run(): Promise<void> {
  const level = logger.level;
  logger.level = 'error';
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-history-'));
  try {
    // TAPO_BENCH_HISTORY=e2e,thousand (say) runs only those parts.
    const parts = process.env.TAPO_BENCH_HISTORY?.split(',') ?? ['writes', 'engines', 'ninety', 'thousand', 'e2e'];
    const steps: Array<[string, () => Promise<void>]> = [
      ['writes', () => writes(dir)],
      ['engines', () => engines(dir)],
      ['ninety', () => ninetyDays(dir)],
      ['thousand', () => thousand(dir)],
      [
        'e2e',
        async () => {
          // TAPO_BENCH_E2E_CAMERAS=1000 (say) asks of that many cameras only.
          const counts = process.env.TAPO_BENCH_E2E_CAMERAS?.split(',').map(Number) ?? [100, 1000];
          for (const cameras of counts) {
            console.log(
              `24 h of ${cameras.toLocaleString('en')} cameras at 1,000 points, end to end: QueryData through gRPC against Prometheus's query_range, interleaved:`
            );
            await endToEnd(dir, cameras);
          }
        },
      ],
    ];
    for (const [name, part] of steps) {
      if (parts.includes(name)) {
        await part();
      }
    }
  } finally {
    logger.level = level;
    rmSync(dir, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  await run();
}
