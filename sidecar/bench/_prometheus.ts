/**
 * The peer for the history store: Prometheus (Debian's `prometheus` and `promtool`) holding the
 * same polls as samples, its blocks made with `promtool tsdb create-blocks-from openmetrics`, and
 * asked the same questions through `query_range` (with `stats=all`, so its own execution time can
 * be told apart from HTTP and JSON).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
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
  const writer = new OpenMetricsWriter(dir);
  for (const [id, polls] of pollsByCamera) {
    await writer.add(id, polls);
  }
  return writer.makeBlocks();
}

/**
 * OpenMetrics written a camera at a time (so that a thousand cameras' polls need not be held at
 * once): each family goes to a file of its own, joined at the end, since a family's samples must
 * stand together. `metrics` limits the families to those a benchmark asks about.
 */
export class OpenMetricsWriter {
  private readonly columns: number[];
  private readonly parts: Array<{ file: string; out: WriteStream }>;
  samples = 0;

  constructor(
    private readonly dir: string,
    metrics?: readonly string[]
  ) {
    mkdirSync(dir, { recursive: true });
    this.columns = [];
    for (let c = 1; c < COLUMNS.length; c++) {
      if (!metrics || metrics.includes(NAMES[COLUMNS[c]!]!)) {
        this.columns.push(c);
      }
    }
    this.parts = this.columns.map((c) => {
      const file = join(dir, `family-${c}.om`);
      const out = createWriteStream(file);
      out.write(`# TYPE ${NAMES[COLUMNS[c]!]!} gauge\n`);
      return { file, out };
    });
  }

  async add(cameraId: string, polls: PollResult[]): Promise<void> {
    const rows = polls.map(pollToRow).sort((a, b) => a[0]! - b[0]!);
    for (let k = 0; k < this.columns.length; k++) {
      const c = this.columns[k]!;
      const name = NAMES[COLUMNS[c]!]!;
      let chunk = '';
      for (const r of rows) {
        const v = c === 1 ? (r[1] === 1 ? 1 : 0) : r[c]!;
        if (!Number.isNaN(v)) {
          chunk += `${name}{camera="${cameraId}"} ${v} ${(r[0]! / 1000).toFixed(3)}\n`;
          this.samples++;
        }
      }
      const { out } = this.parts[k]!;
      if (!out.write(chunk)) {
        await once(out, 'drain');
      }
    }
  }

  /** Joins the families into one file and makes TSDB blocks of it with promtool. */
  async makeBlocks(): Promise<{ samples: number; bytes: number }> {
    const file = join(this.dir, 'polls.om');
    const all = createWriteStream(file);
    for (const { file: part, out } of this.parts) {
      out.end();
      await once(out, 'finish');
      for await (const piece of createReadStream(part)) {
        if (!all.write(piece)) {
          await once(all, 'drain');
        }
      }
      rmSync(part);
    }
    all.end('# EOF\n');
    await once(all, 'finish');
    const data = join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, data], {
      encoding: 'utf8',
    });
    rmSync(file);
    if (r.status !== 0) {
      throw new Error(`promtool failed: ${r.stderr}`);
    }
    return { samples: this.samples, bytes: blockBytes(data) };
  }
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
