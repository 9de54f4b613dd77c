/**
 * The sidecar's entry point. Launched by Grafana (go-plugin handshake on stdout, then gRPC), or
 * with --standalone in its own container, where a locator executable hands Grafana its address.
 */
import { checkPluginEnv, printHandshake } from './grafana/handshake.ts';
import { startGrpcServer, splitHostPort } from './grafana/server.ts';
import { createLogger } from './log.ts';
import { parseOptions, USAGE, type SidecarOptions } from './options.ts';
import { createApp } from './app.ts';
import { sidecarLinkKey } from './link/secret.ts';
import { nodeVersionProblem } from './node-version.ts';

// stdout belongs to the handshake: anything a library prints goes to stderr instead.
// eslint-disable-next-line no-console
console.log = console.error;
// eslint-disable-next-line no-console
console.info = console.error;

function fail(message: string): never {
  process.stderr.write(
    `${JSON.stringify({ '@level': 'error', '@message': message, '@timestamp': new Date().toISOString() })}\n`
  );
  process.exit(1);
}

async function main(): Promise<void> {
  const tooOld = nodeVersionProblem();
  if (tooOld) {
    fail(tooOld);
  }
  let parsed: SidecarOptions | { help: true };
  try {
    parsed = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if ('help' in parsed) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  const opts = parsed;
  if (!opts.standalone) {
    const problem = checkPluginEnv(process.env);
    if (problem) {
      fail(problem);
    }
  }
  // A gRPC port beyond loopback without the link secret is refused before anything starts.
  let key: Buffer | null = null;
  try {
    key = sidecarLinkKey(opts);
  } catch (err) {
    fail((err as Error).message);
  }
  const log = createLogger(opts.logLevel);
  const app = await createApp(opts, log);

  let grpc: Awaited<ReturnType<typeof startGrpcServer>> | undefined;
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ reason: why }, 'stopping');
    // go-plugin kills a plugin 2 s after Shutdown; finish well within a second.
    const deadline = setTimeout(() => process.exit(0), 900);
    deadline.unref();
    await Promise.allSettled([grpc?.close(), app.stop()]);
    process.exit(0);
  };
  // Before anything is announced: a signal that follows the "serving" line must find its handler.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('uncaughtException', (err) =>
    log.error({ error: err.message, stack: err.stack }, 'uncaught exception (kept running)')
  );
  process.on('unhandledRejection', (err) =>
    log.error({ error: err instanceof Error ? err.message : String(err) }, 'unhandled rejection (kept running)')
  );

  grpc = await startGrpcServer({
    address: opts.grpcAddress,
    handlers: app.handlers,
    log,
    linkKey: key,
    // A standalone sidecar serves many Grafana restarts: a host's Shutdown must not stop it.
    onShutdown: () =>
      opts.standalone
        ? log.info('Grafana disconnected (Shutdown ignored in standalone mode)')
        : void stop('shutdown requested by Grafana'),
  });
  if (!opts.standalone) {
    printHandshake('127.0.0.1', grpc.port);
  }
  const [host] = splitHostPort(opts.grpcAddress);
  log.info(
    {
      grpc: `${host}:${grpc.port}`,
      standalone: opts.standalone,
      link: key ? 'TLS with the shared secret' : 'plain (loopback)',
      dataDir: opts.dataDir,
      version: process.env.TAPO_SIDECAR_VERSION ?? 'dev',
    },
    'Tapo sidecar serving'
  );

  // Cameras, history and the HTTP API start after the handshake so Grafana is never kept waiting.
  await app.start();
}

main().catch((err) => fail(`the Tapo sidecar could not start: ${err instanceof Error ? err.message : String(err)}`));
