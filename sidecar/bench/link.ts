/**
 * What the gRPC link secret costs: the same gRPC server reached in plain gRPC on loopback (the
 * floor: managed mode) and through the relay and the TLS-PSK front (sidecar mode with a secret),
 * in one run. Unary round trips (Health.Check) and a 256 KiB CallResource answer.
 */
import type { PluginHandlers } from '../src/grafana/handlers.ts';
import { startGrpcServer } from '../src/grafana/server.ts';
import { startRelay } from '../src/link/relay.ts';
import { linkKey } from '../src/link/secret.ts';
import { createLogger } from '../src/log.ts';
import { call, pluginClients } from '../test/helpers/grpc-client.ts';
import { fmt, summary } from './_stats.ts';

const BODY = Buffer.alloc(256 * 1024, 7);

async function measure(address: string): Promise<{ unary: number[]; resource: number[] }> {
  const c = pluginClients(address);
  const resource = () =>
    new Promise<void>((resolve, reject) => {
      const s = c.resource.CallResource({ path: 'bench' });
      s.on('data', () => undefined);
      s.on('end', resolve);
      s.on('error', reject);
    });
  for (let i = 0; i < 200; i++) {
    await call(c.health, 'Check', { service: 'plugin' });
  }
  const unary: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = process.hrtime.bigint();
    await call(c.health, 'Check', { service: 'plugin' });
    unary.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const big: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = process.hrtime.bigint();
    await resource();
    big.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  for (const client of Object.values(c)) {
    client.close();
  }
  return { unary, resource: big };
}

export async function run(): Promise<void> {
  const log = createLogger('error');
  const handlers = {
    callResource: async () => ({ code: 200, headers: {}, body: BODY }),
  } as unknown as PluginHandlers;
  const key = linkKey('bench-link-secret-0123456789abcdef');
  const plain = await startGrpcServer({ address: '127.0.0.1:0', handlers, log, onShutdown: () => undefined });
  const front = await startGrpcServer({
    address: '127.0.0.1:0',
    handlers,
    log,
    onShutdown: () => undefined,
    linkKey: key,
  });
  const relay = await startRelay({ remote: `127.0.0.1:${front.port}`, key, log });
  const rows: Array<[string, { unary: number[]; resource: number[] }]> = [
    ['plain gRPC on loopback (floor)', await measure(`127.0.0.1:${plain.port}`)],
    ['relay + TLS-PSK front', await measure(`127.0.0.1:${relay.port}`)],
  ];
  console.log('path                            unary p50 ms  unary p99 ms  256 KiB p50 ms  256 KiB p99 ms');
  for (const [name, r] of rows) {
    const u = summary(r.unary);
    const b = summary(r.resource);
    console.log(
      `${name.padEnd(32)}${fmt(u.p50, 3).padStart(12)}  ${fmt(u.p99, 3).padStart(12)}  ${fmt(b.p50).padStart(14)}  ${fmt(b.p99).padStart(14)}`
    );
  }
  await relay.close();
  await Promise.all([plain.close(), front.close()]);
}
