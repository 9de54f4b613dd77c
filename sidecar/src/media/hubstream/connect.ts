/**
 * Opening a port-8800 media connection (hub sheet §8.1–8.2), shared by the hub's live view and a
 * camera's recordings: the request without credentials gets a Digest challenge and a closed
 * socket; the same request on a new socket with the digest over the hashed cloud password gets
 * the answer head; its Key-Exchange keys the AES-CBC parts. The password is used only for
 * hashing: it, its hashes and the keys never appear in an error.
 */
import net from 'node:net';

import type { MediaError, MediaErrorKind } from '../types.ts';
import { authorization, parseChallenges } from '../rtsp/auth.ts';
import { hashedPassword, partCipher, type PartCipher } from './cipher.ts';
import { takeHead, type Head } from './multipart.ts';

export const CLIENT_BOUNDARY = '--client-stream-boundary--';
export const DEVICE_BOUNDARY = '--device-stream-boundary--';

export interface Port8800Target {
  host: string;
  port: number;
  /** The request URI, as hashed into the digest: `/stream` on a camera, `/stream?deviceId=…` on a hub. */
  uri: string;
  username: string;
  password: string;
  timeoutMs: number;
  /** The outer request's Content-Length: -1 (an endless part stream) unless a device wants 0 (the H500's hub storage). */
  contentLength?: -1 | 0;
  /** Builds the caller's errors (they name the device and never quote a secret). */
  error(kind: MediaErrorKind, detail?: string): MediaError;
  /** The socket of the attempt under way (so the caller can drop it when closed meanwhile). */
  onSocket?(socket: net.Socket): void;
  onBytes?(n: number): void;
}

export interface Port8800Answer {
  socket: net.Socket;
  head: Head;
  /** Bytes after the head (the first parts, if any came with it). */
  rest: Buffer;
  /** The password hash the device asked for (SHA-256 when its challenge said encrypt_type="3"). */
  hashedPwd: string;
}

function requestHead(t: Port8800Target, auth: string | null): string {
  const lines = [
    `POST ${t.uri} HTTP/1.1`,
    `Content-Type: multipart/mixed; boundary=${CLIENT_BOUNDARY}`,
    'Connection: keep-alive',
    `Content-Length: ${t.contentLength ?? -1}`,
    `Host: ${net.isIPv6(t.host) ? `[${t.host}]` : t.host}:${t.port}`,
  ];
  if (auth) {
    lines.push(`Authorization: ${auth}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

/** Opens a connection, sends the stream request and reads the answer head. */
function exchange(t: Port8800Target, auth: string | null): Promise<{ head: Head; rest: Buffer; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: t.host, port: t.port });
    t.onSocket?.(sock);
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let connected = false;
    let done = false;
    const finish = (err: MediaError | null, value?: { head: Head; rest: Buffer; socket: net.Socket }) => {
      if (done) {
        return;
      }
      done = true;
      clearTimeout(timer);
      sock.removeListener('data', onData);
      if (err) {
        sock.destroy();
        reject(err);
      } else if (value) {
        resolve(value);
      }
    };
    const timer = setTimeout(
      () =>
        finish(
          t.error(
            'unreachable',
            `${connected ? 'no answer' : 'no connection'} within ${Math.round(t.timeoutMs / 1000)} s`
          )
        ),
      t.timeoutMs
    );
    const onData = (chunk: Buffer) => {
      t.onBytes?.(chunk.length);
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        const got = takeHead(buf);
        if (got) {
          sock.pause();
          finish(null, { ...got, socket: sock });
        }
      } catch (err) {
        finish(t.error('protocol', (err as Error).message));
      }
    };
    sock.once('connect', () => {
      connected = true;
      sock.write(requestHead(t, auth));
    });
    sock.on('data', onData);
    sock.on('error', (err: NodeJS.ErrnoException) =>
      finish(t.error(connected ? 'stream_ended' : 'unreachable', err.code ?? 'connection error'))
    );
    sock.on('close', () => finish(t.error(connected ? 'protocol' : 'unreachable', 'the connection was closed')));
  });
}

/** The Digest round trip: the answer to the authenticated request (any status; the caller judges it). */
export async function open8800(t: Port8800Target): Promise<Port8800Answer> {
  // Without credentials the device answers 401 with its Digest challenge and closes.
  const first = await exchange(t, null);
  if (first.head.status !== 401) {
    return { ...first, hashedPwd: hashedPassword(t.password, false) };
  }
  first.socket.destroy();
  const header = first.head.headers.get('www-authenticate') ?? '';
  const challenge = parseChallenges([header])[0];
  if (!challenge || challenge.scheme !== 'digest') {
    throw t.error('protocol', 'a 401 without a Digest challenge');
  }
  const sha256 = /encrypt_type\s*=\s*"?3/i.test(header);
  const hashedPwd = hashedPassword(t.password, sha256);
  const auth = authorization(challenge, { username: t.username, password: hashedPwd }, 'POST', t.uri, 1);
  return { ...(await exchange(t, auth)), hashedPwd };
}

/** The part cipher the answer's Key-Exchange gives; null without one (parts must then be clear). */
export function keyExchangeCipher(head: Head, hashedPwd: string, error: Port8800Target['error']): PartCipher | null {
  const kx = head.headers.get('key-exchange');
  if (!kx) {
    return null;
  }
  const fields = new Map([...kx.matchAll(/([A-Za-z_]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]));
  const nonce = fields.get('nonce');
  const user = fields.get('username');
  if (!nonce || !user) {
    throw error('protocol', 'a Key-Exchange without username and nonce');
  }
  if (user === 'none') {
    // Media encryption switched off on the device: its fixed key is not something we carry.
    throw error(
      'protocol',
      'media encryption is switched off on the device (Key-Exchange username "none"), which is not supported'
    );
  }
  return partCipher(nonce, hashedPwd, user);
}
