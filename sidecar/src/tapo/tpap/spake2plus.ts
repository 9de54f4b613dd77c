/**
 * SPAKE2+ (RFC 9383) on P-256 as TPAP uses it (fact sheet §6): the prover's and the verifier's
 * shares and shared points. Point arithmetic is @noble/curves'; this file only wires the protocol.
 * Every incoming point is decoded with an on-curve check, and T is rejected when it is infinity.
 */
import { p256 } from '@noble/curves/nist.js';
import { TapoError } from '../errors.ts';

const Point = p256.Point;
type P = InstanceType<typeof Point>;

export const ORDER = Point.Fn.ORDER;

/** RFC 9383's M and N for P-256 (compressed SEC1). */
export const M = Point.fromHex('02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f');
export const N = Point.fromHex('03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49');

/** SEC1 uncompressed, 65 bytes: the only form we send and put in transcripts. */
export function encodePoint(pt: P): Buffer {
  return Buffer.from(pt.toBytes(false));
}

/** Decode a peer's point (uncompressed or compressed); off-curve or infinity is a protocol error. */
export function decodePoint(bytes: Uint8Array, what: string): P {
  try {
    const pt = Point.fromBytes(bytes);
    pt.assertValidity();
    return pt;
  } catch {
    throw new TapoError('protocol', `${what} is not a valid P-256 point (${bytes.length} bytes)`, { method: 'login' });
  }
}

export function scalarFrom(bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0')) % ORDER;
}

/** A random scalar in [1, n-1]. */
export function randomScalar(): bigint {
  return scalarFrom(p256.utils.randomSecretKey());
}

function mul(pt: P, k: bigint): P {
  const s = k % ORDER;
  if (s === 0n) {
    throw new TapoError('protocol', 'SPAKE2+ scalar is zero', { method: 'login' });
  }
  return pt.multiply(s);
}

export function scalarBytes(k: bigint): Buffer {
  return Buffer.from(k.toString(16).padStart(64, '0'), 'hex');
}

/** L = w1·G: what a verifier stores instead of the password. */
export function verifierL(w1: bigint): Buffer {
  return encodePoint(mul(Point.BASE, w1));
}

/** Prover share X = x·G + w0·M. */
export function proverShare(x: bigint, w0: bigint): Buffer {
  return encodePoint(mul(Point.BASE, x).add(mul(M, w0)));
}

/** Verifier share Y = y·G + w0·N. */
export function verifierShare(y: bigint, w0: bigint): Buffer {
  return encodePoint(mul(Point.BASE, y).add(mul(N, w0)));
}

export interface SharedPoints {
  Z: Buffer;
  V: Buffer;
}

/** Prover: T = Y − w0·N, Z = x·T, V = w1·T. */
export function proverFinish(x: bigint, w0: bigint, w1: bigint, Y: Uint8Array): SharedPoints {
  const T = decodePoint(Y, 'dev_share').subtract(mul(N, w0));
  if (T.is0()) {
    throw new TapoError('protocol', 'dev_share gives the point at infinity', { method: 'login' });
  }
  return { Z: encodePoint(mul(T, x)), V: encodePoint(mul(T, w1)) };
}

/** Verifier: T = X − w0·M, Z = y·T, V = y·L. */
export function verifierFinish(y: bigint, w0: bigint, L: Uint8Array, X: Uint8Array): SharedPoints {
  const T = decodePoint(X, 'user_share').subtract(mul(M, w0));
  if (T.is0()) {
    throw new TapoError('protocol', 'user_share gives the point at infinity', { method: 'login' });
  }
  return { Z: encodePoint(mul(T, y)), V: encodePoint(mul(decodePoint(L, 'L'), y)) };
}
