/**
 * The relay on Grafana's host: a plain TCP listener on 127.0.0.1 for Grafana's plugin client, and
 * for each connection Grafana opens, one TLS-PSK connection to the remote sidecar's front; bytes
 * are piped both ways untouched, so HTTP/2 and gRPC pass through as they are.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { LINK_TLS, PSK_IDENTITY, readSecret } from './secret.ts';

export interface RelayOptions {
  /** The remote sidecar's host:port. */
  remote: string;
  key: Buffer;
  log: Logger;
}

export interface Relay {
  /** The loopback port Grafana connects to. */
  port: number;
  /** One handshake with the remote: null when it accepted the secret, else why not, in words. */
  probe(timeoutMs?: number): Promise<string | null>;
  close(): Promise<void>;
}

/** The link secret as the plugin sees it: Grafana's [plugin.…] keys first, then TAPO_* variables. */
export function relaySecret(env: NodeJS.ProcessEnv): string | null {
  const file = env.GF_PLUGIN_GRPC_SECRET_FILE
    ? { name: 'grpc_secret_file', path: env.GF_PLUGIN_GRPC_SECRET_FILE }
    : env.GF_PLUGIN_GRPC_SECRET
      ? undefined
      : { name: 'TAPO_GRPC_SECRET_FILE', path: env.TAPO_GRPC_SECRET_FILE };
  const value = env.GF_PLUGIN_GRPC_SECRET
    ? { name: 'grpc_secret', value: env.GF_PLUGIN_GRPC_SECRET }
    : { name: 'TAPO_GRPC_SECRET', value: env.TAPO_GRPC_SECRET };
  return readSecret({ file, value });
}

export function splitRemote(remote: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(remote.trim());
  if (!m || Number(m[3]) > 65535 || Number(m[3]) === 0) {
    throw new Error(`the sidecar address must be host:port, got "${remote.slice(0, 100)}"`);
  }
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

/** Why a link to the sidecar failed, in words a user can act on. */
export function linkErrorMessage(err: NodeJS.ErrnoException, remote: string): string {
  switch (err.code) {
    case 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC':
    // OpenSSL 3.x as bundled with Node 22+ names the same alert this way.
    case 'ERR_SSL_SSL/TLS_ALERT_BAD_RECORD_MAC':
    case 'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR':
    case 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY':
      return `the sidecar at ${remote} refused the key: the gRPC link secret here differs from the sidecar's TAPO_GRPC_SECRET`;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `the sidecar at ${remote} answered without the link's TLS: it runs without a gRPC secret (set the same TAPO_GRPC_SECRET there) or is an older version`;
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return `the sidecar at ${remote} refused the handshake: it is not a Tapo sidecar with a gRPC link secret, or its version does not match`;
    case 'ECONNREFUSED':
      return `nothing listens at ${remote} (is the sidecar running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the sidecar's host in ${remote}`;
    case 'ETIMEDOUT':
      return `the sidecar at ${remote} did not answer in time`;
    case 'ECONNRESET':
      return `the sidecar at ${remote} closed the connection during the handshake (wrong secret, or not a Tapo sidecar)`;
    default:
      return `cannot link to the sidecar at ${remote}: ${err.code ?? err.message}`;
  }
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const { key, log, remote } = opts;
  const { host, port } = splitRemote(remote);
  const dial = () => {
    const socket = tls.connect({
      ...LINK_TLS,
      host,
      port,
      // The secret is the authentication: there is no certificate to check a name against.
      checkServerIdentity: () => undefined,
      pskCallback: () => ({ psk: key, identity: PSK_IDENTITY }),
      timeout: 15_000,
    });
    // gRPC's small frames must not wait for delayed ACKs (Nagle): 40 ms per call otherwise.
    socket.setNoDelay(true);
    return socket;
  };

  const open = new Set<Socket>();
  const server = net.createServer((local) => {
    open.add(local);
    local.setNoDelay(true);
    local.pause();
    const up = dial();
    open.add(up);
    let linked = false;
    const done = () => {
      open.delete(local);
      open.delete(up);
      local.destroy();
      up.destroy();
    };
    up.once('secureConnect', () => {
      linked = true;
      up.setTimeout(0);
      log.debug({ cipher: up.getCipher().name }, 'relay: linked a connection to the sidecar');
      local.pipe(up).pipe(local);
      local.resume();
    });
    up.on('timeout', () => up.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (!linked) {
        log.error({ sidecar: remote }, linkErrorMessage(err, remote));
      } else {
        log.debug({ error: err.code ?? err.message }, 'relay: the sidecar side of a connection failed');
      }
      done();
    });
    local.on('error', done);
    up.on('close', done);
    local.on('close', done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    probe: (timeoutMs = 15_000) =>
      new Promise<string | null>((resolve) => {
        const s = dial();
        s.setTimeout(timeoutMs);
        s.once('secureConnect', () => {
          s.destroy();
          resolve(null);
        });
        s.once('timeout', () => {
          s.destroy();
          resolve(linkErrorMessage(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), remote));
        });
        s.once('error', (err) => resolve(linkErrorMessage(err, remote)));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) {
          s.destroy();
        }
      }),
  };
}
