/**
 * The `/stok=<stok>/ds` binary frame (fact sheet §8): uint32_be(seq) ‖ AES-128-CCM(plaintext) ‖
 * tag(16), nonce = base_nonce[0:8] ‖ uint32_be(seq). Both sides use these functions.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { ChannelKeys } from './key-schedule.ts';

const TAG = 16;

export function seqNonce(baseNonce: Uint8Array, seq: number): Buffer {
  const n = Buffer.alloc(12);
  Buffer.from(baseNonce).copy(n, 0, 0, 8);
  n.writeUInt32BE(seq >>> 0, 8);
  return n;
}

export function seal(keys: ChannelKeys, seq: number, plaintext: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-ccm', keys.key, seqNonce(keys.baseNonce, seq), { authTagLength: TAG });
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(seq >>> 0);
  return Buffer.concat([prefix, ct, c.getAuthTag()]);
}

/** The frame's seq and plaintext, or null when it is too short or its tag does not verify. */
export function open(keys: ChannelKeys, body: Uint8Array): { seq: number; plaintext: Buffer } | null {
  if (body.length < 4 + TAG) {
    return null;
  }
  const buf = Buffer.from(body);
  const seq = buf.readUInt32BE(0);
  try {
    const d = createDecipheriv('aes-128-ccm', keys.key, seqNonce(keys.baseNonce, seq), { authTagLength: TAG });
    d.setAuthTag(buf.subarray(buf.length - TAG));
    const plaintext = Buffer.concat([d.update(buf.subarray(4, buf.length - TAG)), d.final()]);
    return { seq, plaintext };
  } catch {
    return null;
  }
}

/**
 * A refusal is a plaintext JSON object with an error_code (§8.3): try the whole body as JSON
 * first, since a seq starting with 0x7B would also start with "{".
 */
export function plaintextRefusal(body: Uint8Array): number | null {
  if (body.length === 0 || body.length > 4096 || body[0] !== 0x7b) {
    return null;
  }
  try {
    const j: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    const code = (j as { error_code?: unknown })?.error_code;
    return typeof j === 'object' && j !== null && typeof code === 'number' && Number.isInteger(code) ? code : null;
  } catch {
    return null;
  }
}
