/**
 * The secure login's maths (pytapo and our notes agree): uppercase hex digests of UTF-8 strings,
 * keys derived from both nonces and the password hash, AES-128-CBC with PKCS#7, the Tapo_tag.
 * Plain functions; the simulator reuses them from the device side.
 */
import { createHash, createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';

export type HashAlgo = 'sha256' | 'md5';

export function sha256Upper(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex').toUpperCase();
}

export function md5Upper(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
}

/** The password hash H the firmware uses (newer: SHA256, older: MD5). */
export function passwordHash(password: string, algo: HashAlgo): string {
  return algo === 'sha256' ? sha256Upper(password) : md5Upper(password);
}

/** 8 random bytes as 16 uppercase hex chars; a new one per login. */
export function makeNonce(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** device_confirm = SHA256(C + H + N) + N + C */
export function deviceConfirm(cnonce: string, hash: string, nonce: string): string {
  return sha256Upper(cnonce + hash + nonce) + nonce + cnonce;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/**
 * Which hash the camera's confirmation proves it holds, or null when neither does — then the
 * password is wrong and nothing that counts as a failed attempt may be sent.
 */
export function matchDeviceConfirm(
  password: string,
  cnonce: string,
  nonce: string,
  confirm: string
): { algo: HashAlgo; hash: string } | null {
  for (const algo of ['sha256', 'md5'] as const) {
    const hash = passwordHash(password, algo);
    if (safeEqual(deviceConfirm(cnonce, hash, nonce), confirm)) {
      return { algo, hash };
    }
  }
  return null;
}

/** digest_passwd = SHA256(H + C + N) + C + N */
export function digestPasswd(hash: string, cnonce: string, nonce: string): string {
  return sha256Upper(hash + cnonce + nonce) + cnonce + nonce;
}

export interface SessionKeys {
  lsk: Buffer;
  ivb: Buffer;
}

export function deriveKeys(cnonce: string, nonce: string, hash: string): SessionKeys {
  const hk = sha256Upper(cnonce + hash + nonce);
  const derive = (label: string) =>
    createHash('sha256')
      .update(label + cnonce + nonce + hk, 'utf8')
      .digest()
      .subarray(0, 16);
  return { lsk: derive('lsk'), ivb: derive('ivb') };
}

export function encrypt(keys: SessionKeys, plain: Buffer): Buffer {
  const c = createCipheriv('aes-128-cbc', keys.lsk, keys.ivb);
  return Buffer.concat([c.update(plain), c.final()]);
}

/** Throws on bad padding/length (the caller treats that as a dead session). */
export function decrypt(keys: SessionKeys, data: Buffer): Buffer {
  const d = createDecipheriv('aes-128-cbc', keys.lsk, keys.ivb);
  return Buffer.concat([d.update(data), d.final()]);
}

/** SHA256(H + C), the per-session prefix of every Tapo_tag. */
export function tagPrefix(hash: string, cnonce: string): string {
  return sha256Upper(hash + cnonce);
}

/** Tapo_tag = SHA256(SHA256(H + C) + body + seq); covers the exact body bytes. */
export function tapoTag(prefix: string, body: string, seq: number): string {
  return sha256Upper(prefix + body + String(seq));
}

export { safeEqual };
