/**
 * The gRPC server Grafana's plugin client talks to: pluginv2 Data, Diagnostics, Resource and
 * Stream, go-plugin's controller (Shutdown) and the standard health service. With a link key it
 * has no plain port: only connections that proved the shared secret at the TLS-PSK front reach it.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { loadServices } from './protocol.ts';
import type { PluginHandlers } from './handlers.ts';
import { startPskFront, type PskFront } from '../link/front.ts';

/**
 * As the Go SDK serves a plugin: requests up to 16 MiB (its default receive limit), answers as large
 * as Grafana's client takes (go-plugin dials with MaxCallRecvMsgSize(math.MaxInt32)). How large an
 * answer may grow is the queries' business (MAX_ANSWER_BYTES): a thousand cameras' 3
 * metrics with min/max at 1,000 points is ~46 MiB, which the old 16 MiB send limit refused with a bare gRPC error.
 */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_send_message_length': 2 ** 31 - 1,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

export interface GrpcServerOptions {
  /** host:port to listen on; port 0 picks a free one. */
  address: string;
  handlers: PluginHandlers;
  log: Logger;
  /** Called when the host asks the plugin to shut down. */
  onShutdown: () => void;
  /** The gRPC link key (from TAPO_GRPC_SECRET): serve `address` over TLS-PSK only. */
  linkKey?: Buffer | null;
}

export interface RunningGrpcServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

type Unary = (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => void;

/** Wraps a promise-returning handler so a thrown error becomes a gRPC INTERNAL with words, never a crash. */
function unary<Req, Res>(log: Logger, name: string, fn: (req: Req) => Promise<Res>): Unary {
  return (call, cb) => {
    fn(call.request as Req).then(
      (res) => cb(null, res),
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        log.error({ rpc: name, error: message }, 'rpc failed');
        cb({ code: grpc.status.INTERNAL, details: message });
      }
    );
  };
}

/** Until grpc-js has sent what it buffered, or the call is over. */
function drained(call: grpc.ServerWritableStream<any, any>, cancelled: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      cancelled.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    cancelled.addEventListener('abort', done, { once: true });
  });
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { handlers, log } = opts;
  const svc = loadServices();
  const server = new grpc.Server(SERVER_OPTIONS);

  server.addService(svc.Data, {
    QueryData: unary(log, 'QueryData', async (req: any) => ({ responses: await handlers.queryData(req) })),
  });

  server.addService(svc.Diagnostics, {
    CheckHealth: unary(log, 'CheckHealth', async (req: any) => {
      const r = await handlers.checkHealth(req.pluginContext ?? null);
      return {
        status: r.status,
        message: r.message,
        jsonDetails: r.details === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(r.details)),
      };
    }),
    CollectMetrics: unary(log, 'CollectMetrics', async (req: any) => ({
      metrics: { prometheus: Buffer.from(await handlers.collectMetrics(req.pluginContext ?? null)) },
    })),
  });

  server.addService(svc.Resource, {
    CallResource: (call: grpc.ServerWritableStream<any, any>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      handlers.callResource(call.request, abort.signal).then(
        async (res) => {
          const { stream, ...head } = res;
          call.write(head);
          if (stream) {
            // A long body (a recorded clip) goes out in pieces, as fast as Grafana takes them; a
            // failure midway ends it short.
            try {
              for await (const chunk of stream) {
                if (call.cancelled) {
                  break;
                }
                if (!call.write({ code: head.code, headers: {}, body: chunk })) {
                  await drained(call, abort.signal);
                }
              }
            } catch (err) {
              const message = err instanceof Error ? err.message : String(err);
              log.warn(
                { rpc: 'CallResource', path: call.request?.path, error: message },
                'resource stream ended early'
              );
            }
          }
          call.end();
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          log.error({ rpc: 'CallResource', path: call.request?.path, error: message }, 'resource failed');
          call.write({ code: 500, headers: jsonHeaders(), body: Buffer.from(JSON.stringify({ error: message })) });
          call.end();
        }
      );
    },
  });

  server.addService(svc.Stream, {
    SubscribeStream: unary(log, 'SubscribeStream', async (req: any) => {
      const r = await handlers.subscribeStream(req);
      return { status: r.status, data: r.data ?? Buffer.alloc(0) };
    }),
    PublishStream: unary(log, 'PublishStream', async (req: any) => handlers.publishStream(req)),
    RunStream: (call: grpc.ServerWritableStream<any, any>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      call.on('close', () => abort.abort());
      call.on('error', () => abort.abort());
      let draining = false;
      call.on('drain', () => {
        draining = false;
      });
      const sink = {
        signal: abort.signal,
        send(data: Buffer): boolean {
          if (abort.signal.aborted || draining) {
            return false;
          }
          // write() returns false once grpc-js buffers past its high-water mark: stop until drained.
          if (!call.write({ data })) {
            draining = true;
          }
          return true;
        },
      };
      handlers.runStream(call.request, sink).then(
        () => {
          if (!abort.signal.aborted) {
            call.end();
          }
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          log.warn({ rpc: 'RunStream', path: call.request?.path, error: message }, 'stream ended with an error');
          if (!abort.signal.aborted) {
            call.destroy({ name: 'StreamError', message, code: grpc.status.UNAVAILABLE } as any);
          }
        }
      );
    },
  });

  server.addService(svc.Controller, {
    Shutdown: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      cb(null, {});
      // Answer first, then stop: go-plugin waits for the reply before it waits for the exit.
      setImmediate(opts.onShutdown);
    },
  });

  server.addService(svc.Health, {
    Check: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => cb(null, { status: 'SERVING' }),
  });

  const [host, wantedPort] = splitHostPort(opts.address);
  let front: PskFront | null = null;
  let port: number;
  if (opts.linkKey) {
    // The TLS front decrypts; the gRPC server takes the HTTP/2 inside as if it had accepted it.
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    front = await startPskFront({
      host,
      port: wantedPort,
      key: opts.linkKey,
      log,
      onConnection: (socket) => injector.injectConnection(socket),
    });
    port = front.port;
  } else {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(opts.address, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p)
      );
    });
  }
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        void front?.close();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 300);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

export function jsonHeaders(): Record<string, { values: string[] }> {
  return { 'Content-Type': { values: ['application/json'] } };
}

export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  if (i < 0) {
    throw new Error(`address "${address}" must be host:port`);
  }
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`address "${address}" has no valid port`);
  }
  return [host, port];
}
