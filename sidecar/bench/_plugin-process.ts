/**
 * A sidecar process started as Grafana starts a backend plugin (magic cookie, protocol version 2,
 * the handshake line on stdout), from this checkout's source, and spoken to over its gRPC server
 * with the test suite's client of our own .proto files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { call, pluginClients, pluginContext } from '../test/helpers/grpc-client.ts';

const sidecarDir = fileURLToPath(new URL('..', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface PluginProcess {
  readonly child: ChildProcess;
  /** host:port of its gRPC server. */
  readonly address: string;
  readonly clients: ReturnType<typeof pluginClients>;
  /** Shutdown over gRPC, as Grafana ends a plugin; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Starts the sidecar on `dataDir` without the demo fleet and waits (bounded) for its handshake. */
export async function startPlugin(dataDir: string, timeoutMs = 60_000): Promise<PluginProcess> {
  // TAPO_BENCH_CPU_PROF=DIR profiles the sidecar (a .cpuprofile written there when it exits).
  const prof = process.env.TAPO_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.TAPO_BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', main, '--no-demo'], {
    cwd: sidecarDir,
    env: {
      PATH: process.env.PATH ?? '',
      grafana_plugin_type: 'datasource',
      PLUGIN_PROTOCOL_VERSIONS: '2',
      TAPO_DATA_DIR: dataDir,
      TAPO_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).split('|')[3]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code} before its handshake`));
    });
  });
  const clients = pluginClients(address, { 'grpc.max_receive_message_length': 512 * 2 ** 20 });
  return {
    child,
    address,
    clients,
    stop: async () => {
      const exited = child.exitCode === null ? once(child, 'exit') : Promise.resolve();
      await call(clients.controller, 'Shutdown', {}).catch(() => child.kill('SIGTERM'));
      await exited;
      for (const c of Object.values(clients)) {
        c.close();
      }
    },
  };
}

/** A plugin context whose datasource lists `cameraIds` (disabled: history is read, nothing is polled). */
export function datasourceWith(cameraIds: string[]): ReturnType<typeof pluginContext> {
  const jsonData = { cameras: cameraIds.map((id) => ({ id, name: id, host: '127.0.0.1', disabled: true })) };
  const ctx = pluginContext();
  return {
    ...ctx,
    dataSourceInstanceSettings: { ...ctx.dataSourceInstanceSettings, jsonData: Buffer.from(JSON.stringify(jsonData)) },
  };
}

/** One QueryData of one metrics query; the answer's frames as Arrow bytes, per refId. */
export async function queryMetrics(
  p: PluginProcess,
  ctx: ReturnType<typeof pluginContext>,
  q: { metrics: string[]; from: number; to: number; maxDataPoints: number; minMax?: boolean }
): Promise<{ frames: number; bytes: number }> {
  const res = await call<{ responses: Record<string, { frames: Buffer[]; error: string }> }>(
    p.clients.data,
    'QueryData',
    {
      pluginContext: ctx,
      queries: [
        {
          refId: 'A',
          maxDataPoints: q.maxDataPoints,
          intervalMS: Math.ceil((q.to - q.from) / q.maxDataPoints),
          timeRange: { fromEpochMS: q.from, toEpochMS: q.to },
          json: Buffer.from(
            JSON.stringify({ queryType: 'metrics', metrics: q.metrics, ...(q.minMax ? { minMax: true } : {}) })
          ),
          queryType: 'metrics',
        },
      ],
    }
  );
  const a = res.responses.A;
  if (!a || a.error) {
    throw new Error(`QueryData failed: ${a?.error ?? 'no response for A'}`);
  }
  return { frames: a.frames.length, bytes: a.frames.reduce((n, f) => n + f.length, 0) };
}
