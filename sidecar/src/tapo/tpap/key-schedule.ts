/**
 * TPAP's key schedule on Node's crypto (fact sheet §6.2, §6.5, §7): PBKDF2 to w0/w1, the
 * transcript, the confirmation MACs and the AES-128-CCM session key and base nonce.
 */
import { pbkdf2Sync, hkdfSync, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ORDER, M, N, encodePoint, scalarFrom, scalarBytes } from './spake2plus.ts';

export interface Registration {
  w0: bigint;
  w1: bigint;
}

/** PBKDF2-HMAC-SHA256 of the credential (80 bytes), split 40/40, each reduced mod n. */
export function deriveW0W1(credential: string, salt: Uint8Array, iterations: number): Registration {
  const dk = pbkdf2Sync(Buffer.from(credential, 'utf8'), salt, iterations, 80, 'sha256');
  return { w0: scalarFrom(dk.subarray(0, 40)) % ORDER, w1: scalarFrom(dk.subarray(40, 80)) % ORDER };
}

export function contextHash(userRandom: Uint8Array, devRandom: Uint8Array): Buffer {
  return createHash('sha256').update('PAKE V1').update(userRandom).update(devRandom).digest();
}

function lv(b: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([len, b]);
}

/**
 * w0 as it goes into the transcript: 32 bytes big-endian (RFC 9383, the app), or python-kasa's
 * minimal encoding (a sign byte when the length is odd and the top bit set), which a lenient
 * device accepts so stock python-kasa can log in.
 */
export function w0Encoding(w0: bigint, form: 'fixed' | 'kasa' = 'fixed'): Buffer {
  const fixed = scalarBytes(w0);
  if (form === 'fixed') {
    return fixed;
  }
  let i = 0;
  while (i < 31 && fixed[i] === 0) {
    i++;
  }
  const raw = fixed.subarray(i);
  if (raw.length % 2 === 0) {
    return raw;
  }
  return raw[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw;
}

const M_BYTES = encodePoint(M);
const N_BYTES = encodePoint(N);

/** TT = lv(context) ‖ lv("") ‖ lv("") ‖ lv(M) ‖ lv(N) ‖ lv(X) ‖ lv(Y) ‖ lv(Z) ‖ lv(V) ‖ lv(w0). */
export function transcript(
  context: Uint8Array,
  X: Uint8Array,
  Y: Uint8Array,
  Z: Uint8Array,
  V: Uint8Array,
  w0Bytes: Uint8Array,
  ids: { prover: Uint8Array; verifier: Uint8Array } = { prover: Buffer.alloc(0), verifier: Buffer.alloc(0) }
): Buffer {
  // TPAP: the context is SHA-256("PAKE V1" ‖ randoms) and both identities are empty.
  return Buffer.concat([context, ids.prover, ids.verifier, M_BYTES, N_BYTES, X, Y, Z, V, w0Bytes].map(lv));
}

function hkdf(ikm: Uint8Array, salt: string, info: string, len: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.from(salt, 'ascii'), Buffer.from(info, 'ascii'), len));
}

export interface ConfirmKeys {
  kMain: Buffer;
  kcA: Buffer;
  kcB: Buffer;
  kShared: Buffer;
  /** HMAC(KcA, Y): what the client sends. */
  userConfirm: Buffer;
  /** HMAC(KcB, X): what the camera answers. */
  devConfirm: Buffer;
}

export function confirmations(tt: Uint8Array, X: Uint8Array, Y: Uint8Array): ConfirmKeys {
  const kMain = createHash('sha256').update(tt).digest();
  const kc = hkdf(kMain, '', 'ConfirmationKeys', 64);
  const kcA = kc.subarray(0, 32);
  const kcB = kc.subarray(32, 64);
  return {
    kMain,
    kcA,
    kcB,
    kShared: hkdf(kMain, '', 'SharedKey', 32),
    userConfirm: createHmac('sha256', kcA).update(Y).digest(),
    devConfirm: createHmac('sha256', kcB).update(X).digest(),
  };
}

export interface ChannelKeys {
  key: Buffer;
  baseNonce: Buffer;
}

/** The aes_128_ccm key (16 bytes) and base nonce (12 bytes) from K_shared. */
export function channelKeys(kShared: Uint8Array): ChannelKeys {
  return {
    key: hkdf(kShared, 'tp-kdf-salt-aes128-key', 'tp-kdf-info-aes128-key', 16),
    baseNonce: hkdf(kShared, 'tp-kdf-salt-aes128-iv', 'tp-kdf-info-aes128-iv', 12),
  };
}

/** Constant-time comparison of two MACs (different lengths are simply unequal). */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
