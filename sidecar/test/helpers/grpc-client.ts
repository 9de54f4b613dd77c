/** A plain grpc-js client of our own .proto, to drive the sidecar's gRPC server in tests. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir } from '../../src/grafana/protocol.ts';
import type { PluginHandlers } from '../../src/grafana/handlers.ts';
import { startGrpcServer, type RunningGrpcServer } from '../../src/grafana/server.ts';
import { createLogger, type Logger } from '../../src/log.ts';

export function pluginClients(address: string, options: grpc.ChannelOptions = {}) {
  const def = protoLoader.loadSync(['pluginv2.proto', 'plugin.proto', 'health.proto'], {
    includeDirs: [protoDir()],
    keepCase: true,
    longs: Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const creds = grpc.credentials.createInsecure();
  const make = (Ctor: any) => new Ctor(address, creds, options);
  return {
    data: make(pkg.pluginv2.Data),
    diagnostics: make(pkg.pluginv2.Diagnostics),
    resource: make(pkg.pluginv2.Resource),
    stream: make(pkg.pluginv2.Stream),
    controller: make(pkg.plugin.GRPCController),
    health: make(pkg.grpc.health.v1.Health),
  };
}

export function call<T>(client: any, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res)))
  );
}

export function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (d: T) => out.push(d));
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

export function pluginContext(over: Record<string, unknown> = {}) {
  return {
    orgId: 1,
    pluginId: 'camwatch-tapo-datasource',
    user: { login: 'admin', name: 'Admin', email: '', role: 'Admin' },
    dataSourceInstanceSettings: {
      id: 1,
      uid: 'tapo-test',
      name: 'Tapo Cameras',
      jsonData: Buffer.from('{}'),
      decryptedSecureJsonData: {},
      lastUpdatedMS: 1,
    },
    ...over,
  };
}

/**
 * Our gRPC server on a free loopback port serving `handlers`, and a client of each service;
 * `close` closes the clients, then the server.
 */
export async function servePlugin(
  handlers: PluginHandlers,
  opts: { log?: Logger; onShutdown?: () => void } = {}
): Promise<{ server: RunningGrpcServer; clients: ReturnType<typeof pluginClients>; close(): Promise<void> }> {
  const server = await startGrpcServer({
    address: '127.0.0.1:0',
    handlers,
    log: opts.log ?? createLogger('silent'),
    onShutdown: opts.onShutdown ?? (() => undefined),
  });
  const clients = pluginClients(`127.0.0.1:${server.port}`);
  return {
    server,
    clients,
    close: async () => {
      for (const c of Object.values(clients)) {
        c.close();
      }
      await server.close();
    },
  };
}
