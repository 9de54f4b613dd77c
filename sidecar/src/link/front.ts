/**
 * The sidecar's public gRPC door when a link secret is set: a TLS-PSK listener that hands each
 * connection that proved the secret, decrypted, to the gRPC server (which has no port of its own
 * then). A connection without the secret never reaches a gRPC handler.
 */
import tls, { type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { LINK_TLS, PSK_IDENTITY } from './secret.ts';

export interface PskFrontOptions {
  host: string;
  port: number;
  key: Buffer;
  log: Logger;
  /** Called with each authenticated, decrypted connection. */
  onConnection(socket: TLSSocket): void;
}

export interface PskFront {
  port: number;
  close(): Promise<void>;
}

/** A stranger's refusal in words (the TLS library's codes mean little to a user). */
export function refusalReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC':
    case 'ERR_SSL_DECRYPT_ERROR':
      return 'wrong secret';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_HTTP_REQUEST':
    case 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING':
      return 'not the link’s TLS (a plain gRPC or HTTP client?)';
    case 'ERR_SSL_NO_SHARED_CIPHER':
      return 'no pre-shared key offered (a TLS client without the secret?)';
    default:
      return err.code ?? err.message;
  }
}

const QUIET_MS = 10_000;

export async function startPskFront(opts: PskFrontOptions): Promise<PskFront> {
  const { key, log } = opts;
  const server = tls.createServer({
    ...LINK_TLS,
    pskIdentityHint: PSK_IDENTITY,
    pskCallback: (_socket, identity) => (identity === PSK_IDENTITY ? key : null),
    // A stranger holding a half-open handshake ties up a socket: not for long.
    handshakeTimeout: 10_000,
  });
  const open = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    // gRPC's small frames must not wait for delayed ACKs (Nagle): 40 ms per call otherwise.
    s.setNoDelay(true);
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.on('error', () => socket.destroy());
    opts.onConnection(socket);
  });
  // Refusals are logged, but a stranger knocking in a loop must not flood the log.
  let lastLog = 0;
  let quiet = 0;
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.destroy();
    if (err.code === 'ECONNRESET' || /disconnected before secure TLS connection/i.test(err.message)) {
      // A port probe (e.g. the container's health check) that connected and left.
      log.debug({ remote }, 'gRPC link: a connection closed before its handshake');
      return;
    }
    const now = Date.now();
    if (now - lastLog < QUIET_MS) {
      quiet++;
      return;
    }
    log.warn(
      { remote, reason: refusalReason(err), ...(quiet ? { alsoRefusedSinceLastLog: quiet } : {}) },
      'gRPC link: refused a connection that did not prove the shared secret'
    );
    lastLog = now;
    quiet = 0;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) {
          s.destroy();
        }
      }),
  };
}
