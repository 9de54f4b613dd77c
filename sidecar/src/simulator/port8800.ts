/**
 * What every simulated port-8800 server shares (hub live view, a camera's playback): the Digest
 * gate (challenge with realm "TP-Link IP-Camera", a digest over the uppercase SHA-256 or MD5 of
 * the cloud password, the request URI with or without its query), the Key-Exchange that keys the
 * AES-128-CBC media parts, and the device's multipart framing (hub sheet §8).
 */
import type net from 'node:net';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export const REALM = 'TP-Link IP-Camera';
export const DEVICE_BOUNDARY = '--device-stream-boundary--';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const upperHex = (alg: 'md5' | 'sha256', s: string) => createHash(alg).update(s).digest('hex').toUpperCase();

function digestFields(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(/([A-Za-z_-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) {
    out.set(m[1].toLowerCase(), m[2] ?? m[3]);
  }
  return out;
}

/** An answer that ends the connection (the device closes after a 401 or a refusal). */
export function refuse(sock: net.Socket, status: string, extra: string[] = []): void {
  const body = `HTTP ERROR ${status.slice(0, 3)}`;
  sock.end(
    [`HTTP/1.1 ${status}`, ...extra, 'Connection: close', `Content-Length: ${body.length}`, '', body].join('\r\n')
  );
}

/** One device → client part. */
export function devicePart(head: Record<string, string>, body: Buffer): Buffer {
  const lines = [`--${DEVICE_BOUNDARY}`, ...Object.entries(head).map(([k, v]) => `${k}: ${v}`)];
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body, Buffer.from('\r\n')]);
}

/** A JSON part (never encrypted). */
export function jsonPart(o: unknown): Buffer {
  return devicePart({ 'Content-Type': 'application/json', 'X-If-Encrypt': '0' }, Buffer.from(JSON.stringify(o)));
}

export interface MediaKeys {
  /** The 200 answer's head, with its Key-Exchange. */
  head: string;
  encrypt(plain: Buffer): Buffer;
}

export interface DigestGate {
  /** Answers 401 with a fresh challenge and closes. */
  challenge(sock: net.Socket): void;
  authorised(header: string, target: string): boolean;
  /** A fresh Key-Exchange nonce and the part cipher it keys. */
  mediaKeys(): MediaKeys;
}

export function digestGate(o: { username: string; password: string; sha256: boolean }): DigestGate {
  const nonces = new Set<string>();
  const hashes = [upperHex('sha256', o.password), upperHex('md5', o.password)];
  return {
    challenge(sock) {
      const nonce = randomBytes(16).toString('hex');
      nonces.add(nonce);
      const opaque = randomBytes(16).toString('hex');
      const enc = o.sha256 ? ',encrypt_type="3"' : '';
      refuse(sock, '401 Unauthorized', [
        `WWW-Authenticate: Digest realm="${REALM}",qop="auth",nonce="${nonce}",opaque="${opaque}",algorithm="MD5"${enc}`,
        `Set-Cookie: TP_HTTP_COOKIE=${nonce}`,
      ]);
    },
    authorised(header, target) {
      const f = digestFields(header);
      const nonce = f.get('nonce') ?? '';
      const uri = f.get('uri') ?? '';
      if (f.get('username') !== o.username || !nonces.has(nonce) || (uri !== target && uri !== target.split('?')[0])) {
        return false;
      }
      const ha2 = md5(`POST:${uri}`);
      return hashes.some((pwd) => {
        const ha1 = md5(`${o.username}:${f.get('realm') ?? ''}:${pwd}`);
        const want = f.get('qop')
          ? md5(`${ha1}:${nonce}:${f.get('nc') ?? ''}:${f.get('cnonce') ?? ''}:${f.get('qop') ?? ''}:${ha2}`)
          : md5(`${ha1}:${nonce}:${ha2}`);
        return want === f.get('response');
      });
    },
    mediaKeys() {
      const kxNonce = randomBytes(16).toString('hex');
      // The key is the password hash the client used; a client answering the SHA-256 challenge uses SHA-256.
      const pwd = o.sha256 ? hashes[0] : hashes[1];
      const key = createHash('md5').update(`${kxNonce}:${pwd}`).digest();
      const iv = createHash('md5').update(`${o.username}:${kxNonce}`).digest();
      return {
        head: [
          'HTTP/1.1 200 OK',
          `Content-Type: multipart/mixed;boundary=${DEVICE_BOUNDARY}`,
          `Key-Exchange: username="${o.username}" nonce="${kxNonce}"${o.sha256 ? ' encrypt_type="3"' : ''}`,
          'Connection: close',
          '',
          '',
        ].join('\r\n'),
        encrypt(plain) {
          const c = createCipheriv('aes-128-cbc', key, iv);
          return Buffer.concat([c.update(plain), c.final()]);
        },
      };
    },
  };
}
