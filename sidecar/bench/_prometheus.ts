/**
 * The peer for the history store: Prometheus (Debian's `prometheus` and `promtool`) holding the
 * same polls as samples, its blocks made with `promtool tsdb create-blocks-from openmetrics`, and
 * asked the same questions through `query_range` (with `stats=all`, so its own execution time can
 * be told apart from HTTP and JSON).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { PollResult } from '../src/model.ts';
import { COLUMNS, pollToRow } from '../src/store/columns.ts';

/** Our columns as Prometheus metric names (status becomes online 1/0, as the store's 'online' metric). */
const NAMES: Record<string, string> = {
  status: 'tapo_online',
  latency: 'tapo_latency_ms',
  rssi: 'tapo_rssi_dbm',
  signal: 'tapo_signal_level',
  uptime: 'tapo_uptime_seconds',
  storage: 'tapo_storage_used_pct',
  temp: 'tapo_temperature_c',
  md: 'tapo_motion_detection_enabled',
  pd: 'tapo_person_detection_enabled',
  pm: 'tapo_privacy_mode',
  batt: 'tapo_battery_pct',
  chg: 'tapo_battery_charging',
  low: 'tapo_battery_low',
  pwr: 'tapo_power_source',
};

export function havePrometheus(): boolean {
  return ['prometheus', 'promtool'].every((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** Writes the polls as OpenMetrics (a family at a time, each series in time order) and makes blocks of them. */
export async function makeBlocks(
  dir: string,
  pollsByCamera: Map<string, PollResult[]>
): Promise<{ samples: number; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'polls.om');
  const out = createWriteStream(file);
  let samples = 0;
  const rows = new Map(
    [...pollsByCamera].map(([id, polls]) => [id, polls.map(pollToRow).sort((a, b) => a[0]! - b[0]!)])
  );
  for (let c = 1; c < COLUMNS.length; c++) {
    const name = NAMES[COLUMNS[c]!]!;
    out.write(`# TYPE ${name} gauge\n`);
    for (const [id, mine] of rows) {
      let chunk = '';
      for (const r of mine) {
        const v = c === 1 ? (r[1] === 1 ? 1 : 0) : r[c]!;
        if (!Number.isNaN(v)) {
          chunk += `${name}{camera="${id}"} ${v} ${(r[0]! / 1000).toFixed(3)}\n`;
          samples++;
        }
      }
      if (!out.write(chunk)) {
        await once(out, 'drain');
      }
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, data], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`promtool failed: ${r.stderr}`);
  }
  return { samples, bytes: blockBytes(data) };
}

/** Bytes of the TSDB blocks (chunks, index, meta) under `data`. */
export function blockBytes(data: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'wal' && e.name !== 'chunks_head') {
          walk(p);
        }
      } else if (d !== data) {
        total += statSync(p).size;
      }
    }
  };
  walk(data);
  return total;
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

export interface PromServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startPrometheus(dir: string): Promise<PromServer> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=10y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' }
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) {
        break;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('prometheus did not become ready within 60 s');
    }
    await delay(200); // polling an external process, bounded by the deadline above
  }
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** One query_range: the whole round trip and Prometheus's own execution time, in ms. */
export async function queryRange(
  url: string,
  query: string,
  fromMs: number,
  toMs: number,
  stepMs: number
): Promise<{ totalMs: number; serverMs: number; series: number }> {
  const q = new URLSearchParams({
    query,
    start: String(fromMs / 1000),
    end: String(toMs / 1000),
    step: `${stepMs / 1000}s`,
    stats: 'all',
  });
  const a = performance.now();
  const res = await fetch(`${url}/api/v1/query_range?${q}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { result: unknown[]; stats?: { timings?: { execTotalTime?: number } } };
  };
  const totalMs = performance.now() - a;
  if (body.status !== 'success') {
    throw new Error(`query_range failed: ${body.error}`);
  }
  return {
    totalMs,
    serverMs: (body.data.stats?.timings?.execTotalTime ?? NaN) * 1000,
    series: body.data.result.length,
  };
}
