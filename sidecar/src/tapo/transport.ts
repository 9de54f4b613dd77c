/**
 * HTTPS POST to one camera: a bounded keep-alive pool, a timeout, a response size cap and
 * trust-on-first-use certificate pinning. The pin is checked on the socket BEFORE the request
 * body is written, so a login digest is never sent to a certificate we did not expect.
 */
import { constants } from 'node:crypto';
import https from 'node:https';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { TapoError } from './errors.ts';

export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface TransportOptions {
  host: string;
  port: number;
  timeoutMs: number;
  maxSockets: number;
  /** Returns the fingerprint the socket must have, or null when nothing is pinned yet. */
  expectedFingerprint: () => string | null;
}

export interface HttpReply {
  status: number;
  body: Buffer;
  /** SHA-256 of the certificate the reply came over (uppercase hex, no colons). */
  fingerprint: string;
}

/** Normalise 'aa:BB:..' / 'aabb..' to 'AABB..'. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

/** Each socket's certificate fingerprint, read once: getPeerCertificate costs ~40 µs, and a request asked twice. */
const fingerprints = new WeakMap<TLSSocket, string>();

function socketFingerprint(socket: TLSSocket): string | null {
  const known = fingerprints.get(socket);
  if (known !== undefined) {
    return known;
  }
  const cert = socket.getPeerCertificate?.();
  if (!cert || typeof cert.fingerprint256 !== 'string' || cert.fingerprint256 === '') {
    return null;
  }
  const fp = normalizeFingerprint(cert.fingerprint256);
  // Kept for the socket's life: it cannot change certificate, as the context refuses renegotiation.
  fingerprints.set(socket, fp);
  return fp;
}

/**
 * One TLS context for every camera: without it each new connection built its own (the default CA
 * store included), about 0.4 ms of CPU, while cameras are not verified against CAs at all. Sessions
 * are still never resumed (the agents cache none), so every socket presents its certificate; and
 * a camera's request to renegotiate is refused (Node's client would accept it, and with it another
 * certificate on a socket whose fingerprint was checked).
 */
let sharedContext: SecureContext | null = null;
const cameraTlsContext = (): SecureContext =>
  (sharedContext ??= createSecureContext({ secureOptions: constants.SSL_OP_NO_RENEGOTIATION }));

export class Transport {
  private readonly agent: https.Agent;
  private closed = false;

  constructor(private readonly opts: TransportOptions) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: Math.max(1, Math.min(2, opts.maxSockets)),
      maxFreeSockets: 1,
      // Cameras present self-signed certificates; identity comes from the pinned fingerprint.
      rejectUnauthorized: false,
      // No TLS session resumption: every new socket presents (and we check) the certificate.
      maxCachedSessions: 0,
      secureContext: cameraTlsContext(),
    });
  }

  /** POST `body` to `path`. One retry on a kept-alive socket the camera had already closed. */
  /** `sameAs`: additionally require this fingerprint (a login's second half must match its first). */
  async post(
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
    sameAs?: string
  ): Promise<HttpReply> {
    try {
      return await this.once(path, body, headers, sameAs);
    } catch (e) {
      if (e instanceof StaleSocketError) {
        return this.once(path, body, headers, sameAs);
      }
      throw e;
    }
  }

  private once(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
    sameAs: string | undefined
  ): Promise<HttpReply> {
    if (this.closed) {
      return Promise.reject(new TapoError('network', 'client is closed'));
    }
    const { host, port, timeoutMs } = this.opts;
    return new Promise<HttpReply>((resolve, reject) => {
      let settled = false;
      let fingerprint = '';
      const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const req = https.request({
        host,
        port,
        path,
        method: 'POST',
        agent: this.agent,
        headers: {
          'Content-Type': 'application/json; charset=UTF-8',
          Accept: 'application/json',
          'Content-Length': String(payload.length),
          ...headers,
        },
      });
      const fail = (err: Error) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new TapoError('timeout', `no answer from the camera within ${timeoutMs} ms`)),
        timeoutMs
      );

      const send = (socket: TLSSocket) => {
        if (settled) {
          return;
        }
        const fp = socketFingerprint(socket);
        if (fp === null) {
          return fail(new TapoError('network', 'camera presented no certificate'));
        }
        const expected = this.opts.expectedFingerprint();
        if (sameAs !== undefined && sameAs !== fp) {
          return fail(
            new TapoError(
              'tls_mismatch',
              'the camera certificate changed in the middle of a login; refusing to continue'
            )
          );
        }
        if (expected !== null && expected !== fp) {
          return fail(
            new TapoError(
              'tls_mismatch',
              'the camera presented a different TLS certificate than the one pinned at first login; refusing to talk to it (re-pin in the camera settings if the camera was replaced or reset)'
            )
          );
        }
        fingerprint = fp;
        req.end(payload);
      };
      req.on('socket', (s) => {
        const socket = s as TLSSocket;
        if (!socket.connecting && socket.encrypted && socketFingerprint(socket) !== null) {
          send(socket);
        } else {
          socket.once('secureConnect', () => send(socket));
        }
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            fail(new TapoError('protocol', `camera response larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) {
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), fingerprint });
        });
        res.on('error', (err) => fail(new TapoError('network', `connection to the camera broke: ${errCode(err)}`)));
        res.on('aborted', () => fail(new TapoError('network', 'connection to the camera broke mid-response')));
      });
      req.on('error', (err) => {
        if (settled) {
          return;
        }
        if (req.reusedSocket && isResetCode(err)) {
          return fail(new StaleSocketError());
        }
        fail(new TapoError('network', `cannot reach the camera at ${host}:${port}: ${errCode(err)}`));
      });
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }
}

class StaleSocketError extends Error {}

function errCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z_0-9]+$/.test(code)) {
    return code;
  }
  return 'connection error';
}

function isResetCode(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
