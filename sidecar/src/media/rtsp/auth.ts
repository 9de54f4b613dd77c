/**
 * RTSP authentication (RFC 2617/7616 as RTSP uses it): reading a 401's challenges and answering
 * with Digest (MD5 or SHA-256, with or without qop=auth) or, when only that is offered, Basic.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  scheme: 'digest' | 'basic';
  params: Map<string, string>;
}

/** The challenges of the WWW-Authenticate headers, Digest first. */
export function parseChallenges(headers: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const h of headers) {
    const m = /^\s*(digest|basic)\b(.*)$/i.exec(h);
    if (!m) {
      continue;
    }
    const params = new Map<string, string>();
    const re = /([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;
    let p: RegExpExecArray | null;
    while ((p = re.exec(m[2]))) {
      params.set(p[1].toLowerCase(), p[2] ?? p[3]);
    }
    out.push({ scheme: m[1].toLowerCase() as Challenge['scheme'], params });
  }
  return out.sort((a, b) => (a.scheme === b.scheme ? 0 : a.scheme === 'digest' ? -1 : 1));
}

export interface Credentials {
  username: string;
  password: string;
}

/** Answers a challenge for one request; `nc` counts the uses of this nonce. */
export function authorization(c: Challenge, creds: Credentials, method: string, uri: string, nc: number): string {
  if (c.scheme === 'basic') {
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  }
  const realm = c.params.get('realm') ?? '';
  const nonce = c.params.get('nonce') ?? '';
  const algorithm = c.params.get('algorithm');
  const hashName = /^sha-256/i.test(algorithm ?? '') ? 'sha256' : 'md5';
  const h = (s: string) => createHash(hashName).update(s).digest('hex');
  const ha1 = h(`${creds.username}:${realm}:${creds.password}`);
  const ha2 = h(`${method}:${uri}`);
  const qop = (c.params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : null;
  const fields = [
    `username="${creds.username.replace(/["\\]/g, '\\$&')}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${uri}"`,
  ];
  if (qop) {
    const ncHex = nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    fields.push(
      `response="${h(`${ha1}:${nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`)}"`,
      `qop=${qop}`,
      `nc=${ncHex}`,
      `cnonce="${cnonce}"`
    );
  } else {
    fields.push(`response="${h(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  if (algorithm) {
    fields.push(`algorithm=${algorithm}`);
  }
  const opaque = c.params.get('opaque');
  if (opaque !== undefined) {
    fields.push(`opaque="${opaque}"`);
  }
  return `Digest ${fields.join(', ')}`;
}
