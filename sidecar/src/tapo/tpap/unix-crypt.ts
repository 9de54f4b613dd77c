/**
 * crypt(3) as glibc computes it, for the two schemes TPAP firmware asks for in `extra_crypt`:
 * SHA-256-crypt (`$5$`, Drepper's specification) and MD5-crypt (`$1$`, the FreeBSD/glibc one).
 * Written from the published algorithms; checked against glibc's reference outputs in the tests.
 * No npm package with both, pinned and maintained, exists, and passlib's defaults differ (535000 rounds).
 */
import { createHash, type Hash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt's base-64: `n` characters from a 24-bit group, least significant 6 bits first. */
function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

/** `len` bytes made of `block` repeated (the P and S sequences of SHA-crypt). */
function repeatTo(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += block.length) {
    block.copy(out, i, 0, Math.min(block.length, len - i));
  }
  return out;
}

export const SHA256_CRYPT_DEFAULT_ROUNDS = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;

/**
 * SHA-256-crypt of `key` with a setting like `$5$salt$`, `$5$rounds=R$salt$` or `$5$salt`.
 * The salt is cut to 16 characters; rounds are clamped to [1000, 999999999]; without `rounds=`,
 * 5000 rounds and no `rounds=` in the output (glibc's rules).
 */
export function sha256Crypt(key: string, setting: string): string {
  if (!setting.startsWith('$5$')) {
    throw new RangeError('not a $5$ setting');
  }
  let rest = setting.slice(3);
  let rounds = SHA256_CRYPT_DEFAULT_ROUNDS;
  let customRounds = false;
  const m = /^rounds=(\d{1,10})\$/.exec(rest);
  if (m) {
    rounds = Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Number(m[1])));
    customRounds = true;
    rest = rest.slice(m[0].length);
  }
  const saltStr = rest.split('$')[0]!.slice(0, 16);
  const k = Buffer.from(key, 'utf8');
  const s = Buffer.from(saltStr, 'utf8');
  const sha = (): Hash => createHash('sha256');

  const b = sha().update(k).update(s).update(k).digest();
  const ctxA = sha().update(k).update(s);
  let i: number;
  for (i = k.length; i > 32; i -= 32) {
    ctxA.update(b);
  }
  ctxA.update(b.subarray(0, i));
  for (let n = k.length; n > 0; n >>= 1) {
    ctxA.update(n & 1 ? b : k);
  }
  const a = ctxA.digest();

  const dp = sha();
  for (let n = 0; n < k.length; n++) {
    dp.update(k);
  }
  const p = repeatTo(dp.digest(), k.length);
  const ds = sha();
  for (let n = 0; n < 16 + a[0]!; n++) {
    ds.update(s);
  }
  const sSeq = repeatTo(ds.digest(), s.length);

  let c = a;
  for (let r = 0; r < rounds; r++) {
    const ctx = sha();
    ctx.update(r & 1 ? p : c);
    if (r % 3 !== 0) {
      ctx.update(sSeq);
    }
    if (r % 7 !== 0) {
      ctx.update(p);
    }
    ctx.update(r & 1 ? c : p);
    c = ctx.digest();
  }
  const order: Array<[number, number, number]> = [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
  ];
  let hash = order.map(([x, y, z]) => b64From24(c[x]!, c[y]!, c[z]!, 4)).join('');
  hash += b64From24(0, c[31]!, c[30]!, 3);
  return `$5$${customRounds ? `rounds=${rounds}$` : ''}${saltStr}$${hash}`;
}

/** MD5-crypt of `key` with a setting like `$1$salt$` (salt up to 8 characters). */
export function md5Crypt(key: string, setting: string): string {
  if (!setting.startsWith('$1$')) {
    throw new RangeError('not a $1$ setting');
  }
  const saltStr = setting.slice(3).split('$')[0]!.slice(0, 8);
  const k = Buffer.from(key, 'utf8');
  const s = Buffer.from(saltStr, 'utf8');
  const md5 = (): Hash => createHash('md5');

  const alt = md5().update(k).update(s).update(k).digest();
  const ctx = md5().update(k).update('$1$').update(s);
  for (let n = k.length; n > 0; n -= 16) {
    ctx.update(alt.subarray(0, Math.min(16, n)));
  }
  for (let n = k.length; n > 0; n >>= 1) {
    ctx.update(n & 1 ? Buffer.from([0]) : k.subarray(0, 1));
  }
  let f = ctx.digest();
  for (let r = 0; r < 1000; r++) {
    const c1 = md5();
    c1.update(r & 1 ? k : f);
    if (r % 3 !== 0) {
      c1.update(s);
    }
    if (r % 7 !== 0) {
      c1.update(k);
    }
    c1.update(r & 1 ? f : k);
    f = c1.digest();
  }
  const hash =
    b64From24(f[0]!, f[6]!, f[12]!, 4) +
    b64From24(f[1]!, f[7]!, f[13]!, 4) +
    b64From24(f[2]!, f[8]!, f[14]!, 4) +
    b64From24(f[3]!, f[9]!, f[15]!, 4) +
    b64From24(f[4]!, f[10]!, f[5]!, 4) +
    b64From24(0, 0, f[11]!, 2);
  return `$1$${saltStr}$${hash}`;
}
