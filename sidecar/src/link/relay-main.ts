/**
 * The relay's entry point (bundled as tapo-relay.mjs beside the launchers): the launcher runs it in
 * locator mode when a gRPC link secret is set. It prints go-plugin's handshake with its own
 * loopback port, then carries Grafana's connections to the remote sidecar over TLS-PSK. It exits
 * when Grafana stops it (a signal), when its stdin pipe closes, or when its parent is gone.
 */
import { fstatSync } from 'node:fs';
import { checkPluginEnv, printHandshake } from '../grafana/handshake.ts';
import { createLogger } from '../log.ts';
import { nodeVersionProblem } from '../node-version.ts';
import { linkKey, LinkSecretError } from './secret.ts';
import { relaySecret, startRelay } from './relay.ts';

// Who started us, read first thing: if Grafana dies while we start, we are adopted before main runs.
const parent = process.ppid;

function fail(message: string): never {
  process.stderr.write(
    `${JSON.stringify({ '@level': 'error', '@message': message, '@timestamp': new Date().toISOString() })}\n`
  );
  process.exit(1);
}

async function main(): Promise<void> {
  const tooOld = nodeVersionProblem('the Tapo relay');
  if (tooOld) {
    fail(tooOld);
  }
  const problem = checkPluginEnv(process.env);
  if (problem) {
    fail(problem);
  }
  const remote = process.env.GF_PLUGIN_SIDECAR_ADDRESS || process.env.TAPO_SIDECAR_ADDRESS || '';
  if (!remote) {
    fail(
      'the relay needs the sidecar address (sidecar_address in [plugin.camwatch-tapo-datasource], or TAPO_SIDECAR_ADDRESS)'
    );
  }
  let secret: string | null;
  try {
    secret = relaySecret(process.env);
  } catch (err) {
    fail(err instanceof LinkSecretError ? err.message : String(err));
  }
  if (!secret) {
    fail(
      'the relay needs the gRPC link secret (grpc_secret_file in [plugin.camwatch-tapo-datasource], or TAPO_GRPC_SECRET)'
    );
  }
  const log = createLogger(process.env.TAPO_LOG_LEVEL ?? 'info');
  const relay = await startRelay({ remote, key: linkKey(secret), log }).catch((err: Error) => fail(err.message));
  printHandshake('127.0.0.1', relay.port);
  log.info(
    { sidecar: remote, port: relay.port },
    'relay: Grafana connects on loopback; each connection goes to the sidecar over TLS with the shared secret'
  );

  const exit = (why: string) => {
    log.info({ reason: why }, 'relay stopping');
    void relay.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.on('SIGTERM', () => exit('SIGTERM'));
  process.on('SIGINT', () => exit('SIGINT'));
  // go-plugin hands the plugin Grafana's own stdin: often /dev/null or a terminal, which say
  // nothing about Grafana. Only a pipe's end means whoever holds the other end has gone.
  let stdinIsPipe = false;
  try {
    const st = fstatSync(0);
    stdinIsPipe = st.isFIFO() || st.isSocket();
  } catch {
    // no stdin at all
  }
  if (stdinIsPipe) {
    process.stdin.on('end', () => exit('stdin closed'));
    process.stdin.on('error', () => exit('stdin closed'));
    process.stdin.resume();
  }
  // Grafana killed with SIGKILL cannot stop us: notice that our parent is gone.
  setInterval(() => {
    if (process.ppid !== parent) {
      exit('parent process gone');
    }
  }, 1000).unref();

  const why = await relay.probe();
  if (why) {
    log.error({ sidecar: remote }, why);
  } else {
    log.info({ sidecar: remote }, 'relay: the sidecar accepted the shared secret');
  }
}

main().catch((err) => fail(`the relay could not start: ${err instanceof Error ? err.message : String(err)}`));
