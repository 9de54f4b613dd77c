/**
 * The hub's port-8800 stream secrets (fact sheet §8.1–8.2): the password as the hub hashes it
 * (uppercase hex MD5, or SHA-256 when the challenge says encrypt_type="3"), and the AES-128-CBC
 * key and IV of the media parts derived from the Key-Exchange nonce. Every part is encrypted on
 * its own with the same IV, PKCS#7 padded.
 */
import { createDecipheriv, createHash } from 'node:crypto';

export function hashedPassword(password: string, sha256: boolean): string {
  return createHash(sha256 ? 'sha256' : 'md5')
    .update(password)
    .digest('hex')
    .toUpperCase();
}

export interface PartCipher {
  key: Buffer;
  iv: Buffer;
}

/** key = MD5(nonce ":" hashedPwd), iv = MD5(username ":" nonce), username from Key-Exchange. */
export function partCipher(nonce: string, hashedPwd: string, username: string): PartCipher {
  const md5 = (s: string) => createHash('md5').update(s).digest();
  return { key: md5(`${nonce}:${hashedPwd}`), iv: md5(`${username}:${nonce}`) };
}

/** Decrypts one part's body; throws on a length or padding that cannot be right (a corrupted part). */
export function decryptPart(c: PartCipher, body: Buffer): Buffer {
  if (body.length === 0 || body.length % 16 !== 0) {
    throw new Error(`an encrypted part of ${body.length} bytes (not a whole number of AES blocks)`);
  }
  const d = createDecipheriv('aes-128-cbc', c.key, c.iv);
  return Buffer.concat([d.update(body), d.final()]);
}
