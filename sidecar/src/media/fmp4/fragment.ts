/**
 * fMP4 media fragments (moof + mdat) of H.264 samples, timed on the 90 kHz track clock. A fragment
 * is written straight into one buffer of its exact size (new, or the caller's): it is built for
 * every picture of every watched camera, so it allocates at most once and copies each NAL unit once.
 */
import { TRACK_ID } from './init.ts';

export interface Sample {
  /** 90 kHz ticks until the next sample. */
  duration: number;
  keyframe: boolean;
  /** NAL units without start codes; the sample carries each behind its 4-byte length (AVCC). */
  nalus: Buffer[];
}

// sample_flags (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on nothing; others are non-sync.
const SYNC = 0x02000000;
const NON_SYNC = 0x01010000;

// trun flags: data-offset, sample-duration, sample-size, sample-flags present.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400;
// tfhd flag: default-base-is-moof (data offsets count from the moof's first byte).
const DEFAULT_BASE_IS_MOOF = 0x020000;

// NAL unit types the samples leave out: parameter sets travel in the init segment, AUDs carry nothing.
const OUT_OF_BAND = (n: Buffer) => n.length === 0 || (n[0] & 0x1f) === 7 || (n[0] & 0x1f) === 8 || (n[0] & 0x1f) === 9;

/** Box sizes of a moof with `count` samples: mfhd 16, tfhd 16, tfdt (v1) 20, trun 20 + 12 per sample. */
const moofSize = (count: number) => 8 + 16 + 8 + 16 + 20 + 20 + 12 * count;

function sampleSize(s: Sample): number {
  let n = 0;
  for (const nal of s.nalus) {
    if (!OUT_OF_BAND(nal)) {
      n += 4 + nal.length;
    }
  }
  return n;
}

function header(buf: Buffer, at: number, size: number, type: string): number {
  buf.writeUInt32BE(size, at);
  buf.write(type, at + 4, 4, 'latin1');
  return at + 8;
}

function fullHeader(buf: Buffer, at: number, size: number, type: string, version: number, flags: number): number {
  at = header(buf, at, size, type);
  buf.writeUInt32BE((((version & 0xff) << 24) | (flags & 0xffffff)) >>> 0, at);
  return at + 4;
}

/** Where a fragment is written: a buffer of exactly `size` bytes (by default a new one). */
export type FragmentBuffer = (size: number) => Buffer;

const newBuffer: FragmentBuffer = (size) => Buffer.allocUnsafe(size);

/** One fragment: `baseTime` is the first sample's decode time in 90 kHz ticks. */
export function fragment(seq: number, baseTime: number, samples: Sample[], into: FragmentBuffer = newBuffer): Buffer {
  if (samples.length === 0) {
    throw new Error('a fragment needs at least one sample');
  }
  const sizes: number[] = new Array(samples.length);
  let mdatPayload = 0;
  for (let i = 0; i < samples.length; i++) {
    sizes[i] = sampleSize(samples[i]);
    mdatPayload += sizes[i];
  }
  const moof = moofSize(samples.length);
  const buf = into(moof + 8 + mdatPayload);
  let at = header(buf, 0, moof, 'moof');
  at = fullHeader(buf, at, 16, 'mfhd', 0, 0);
  buf.writeUInt32BE(seq >>> 0, at);
  at += 4;
  at = header(buf, at, moof - 24, 'traf');
  at = fullHeader(buf, at, 16, 'tfhd', 0, DEFAULT_BASE_IS_MOOF);
  buf.writeUInt32BE(TRACK_ID, at);
  at += 4;
  at = fullHeader(buf, at, 20, 'tfdt', 1, 0);
  // 64 bits as two halves (a BigInt per picture would be garbage; times stay below 2^53).
  const time = Math.max(0, Math.floor(baseTime));
  buf.writeUInt32BE(Math.floor(time / 2 ** 32), at);
  buf.writeUInt32BE(time % 2 ** 32, at + 4);
  at += 8;
  at = fullHeader(buf, at, 20 + 12 * samples.length, 'trun', 0, TRUN_FLAGS);
  buf.writeUInt32BE(samples.length, at);
  // The data offset counts from the moof's first byte to the first sample (behind mdat's header).
  buf.writeUInt32BE(moof + 8, at + 4);
  at += 8;
  for (let i = 0; i < samples.length; i++) {
    buf.writeUInt32BE(samples[i].duration >>> 0, at);
    buf.writeUInt32BE(sizes[i], at + 4);
    buf.writeUInt32BE(samples[i].keyframe ? SYNC : NON_SYNC, at + 8);
    at += 12;
  }
  at = header(buf, at, 8 + mdatPayload, 'mdat');
  for (const s of samples) {
    for (const nal of s.nalus) {
      if (!OUT_OF_BAND(nal)) {
        buf.writeUInt32BE(nal.length, at);
        at += 4 + nal.copy(buf, at + 4);
      }
    }
  }
  return buf;
}
