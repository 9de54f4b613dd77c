/**
 * The plugin protocol's figures, against the built plugin as Grafana launches it: time from
 * launch to handshake, QueryData round trips (1 and 50 queries per request), idle RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, collect, pluginClients, pluginContext } from '../test/helpers/grpc-client.ts';
import { fmt, rssMiB, summary } from './_stats.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const exe = join(root, 'dist', 'datasource', 'gpx_tapo_linux_amd64');

function launch(extraEnv: Record<string, string> = {}): {
  child: ChildProcess;
  handshake: Promise<{ address: string; ms: number }>;
} {
  const started = process.hrtime.bigint();
  const child = spawn(exe, [], {
    env: {
      ...process.env,
      grafana_plugin_type: 'datasource',
      PLUGIN_PROTOCOL_VERSIONS: '2',
      TAPO_DATA_DIR: mkdtempSync(join(tmpdir(), 'tapo-bench-')),
      TAPO_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const handshake = new Promise<{ address: string; ms: number }>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        resolve({ address: buf.slice(0, nl).split('|')[3], ms });
      }
    });
    child.on('exit', (code) => reject(new Error(`sidecar exited with ${code} before the handshake`)));
  });
  return { child, handshake };
}

async function stop(child: ChildProcess, address: string): Promise<void> {
  const c = pluginClients(address);
  const exited = new Promise((r) => child.once('exit', r));
  await call(c.controller, 'Shutdown', {}).catch(() => undefined);
  await exited;
  c.controller.close();
}

export async function run(): Promise<void> {
  if (!existsSync(exe)) {
    console.log(`skipped: ${exe} is not built (npm run build)`);
    return;
  }
  const launches: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { child, handshake } = launch();
    const h = await handshake;
    launches.push(h.ms);
    await stop(child, h.address);
  }
  const l = summary(launches);
  console.log(`launch → handshake: p50 ${fmt(l.p50, 0)} ms, max ${fmt(Math.max(...launches), 0)} ms (n=${l.n})`);

  {
    // Idle and empty: no camera, no demo fleet; give it a moment to settle after the handshake.
    const bare = launch({ TAPO_DEMO: '0' });
    const h = await bare.handshake;
    const c0 = pluginClients(h.address);
    await call(c0.diagnostics, 'CheckHealth', { pluginContext: pluginContext() });
    await new Promise((res) => setTimeout(res, 2000));
    console.log(`RSS of an idle sidecar without cameras: ${fmt(rssMiB(bare.child.pid!), 1)} MiB`);
    c0.diagnostics.close();
    await stop(bare.child, h.address);
  }

  const { child, handshake } = launch();
  const { address } = await handshake;
  const c = pluginClients(address);
  const ctx = pluginContext();
  const deadline = Date.now() + 30_000;
  let cameras = 0;
  while (Date.now() < deadline) {
    const r: any[] = await collect(c.resource.CallResource({ pluginContext: ctx, path: 'cameras', method: 'GET' }));
    cameras = JSON.parse(r[0].body.toString()).length;
    if (cameras > 0) {
      break;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  const now = Date.now();
  const q = (i: number) => ({
    refId: `Q${i}`,
    maxDataPoints: 500,
    intervalMS: 1000,
    timeRange: { fromEpochMS: now - 3_600_000, toEpochMS: now },
    json: Buffer.from(
      JSON.stringify(i % 2 ? { queryType: 'status' } : { queryType: 'metrics', metrics: ['latency_ms', 'online'] })
    ),
    queryType: '',
  });
  for (const n of [1, 50]) {
    const samples: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = process.hrtime.bigint();
      await call(c.data, 'QueryData', { pluginContext: ctx, queries: Array.from({ length: n }, (_, k) => q(k)) });
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const s = summary(samples);
    console.log(
      `QueryData, ${n} ${n === 1 ? 'query' : 'queries'}/request over ${cameras} cameras: p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms (n=${s.n})`
    );
  }
  console.log(
    `RSS of the sidecar (demo fleet of ${cameras} cameras, idle between queries): ${fmt(rssMiB(child.pid!), 1)} MiB`
  );
  await stop(child, address);
  for (const k of Object.values(c)) {
    k.close();
  }
}
