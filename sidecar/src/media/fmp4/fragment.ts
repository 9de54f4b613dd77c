/** fMP4 media fragments (moof + mdat) of H.264 samples, timed on the 90 kHz track clock. */
import { box, fullBox, u32, u64 } from './boxes.ts';
import { TRACK_ID } from './init.ts';

export interface Sample {
  /** 90 kHz ticks until the next sample. */
  duration: number;
  keyframe: boolean;
  /** AVCC: each NAL unit behind its 4-byte length. */
  data: Buffer;
}

// sample_flags (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on nothing; others are non-sync.
const SYNC = 0x02000000;
const NON_SYNC = 0x01010000;

// trun flags: data-offset, sample-duration, sample-size, sample-flags present.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400;
// tfhd flag: default-base-is-moof (data offsets count from the moof's first byte).
const DEFAULT_BASE_IS_MOOF = 0x020000;

function moof(seq: number, baseTime: number, samples: Sample[], dataOffset: number): Buffer {
  const rows = samples.flatMap((s) => [u32(s.duration, s.data.length, s.keyframe ? SYNC : NON_SYNC)]);
  const trun = fullBox('trun', 0, TRUN_FLAGS, u32(samples.length, dataOffset), ...rows);
  return box(
    'moof',
    fullBox('mfhd', 0, 0, u32(seq)),
    box('traf', fullBox('tfhd', 0, DEFAULT_BASE_IS_MOOF, u32(TRACK_ID)), fullBox('tfdt', 1, 0, u64(baseTime)), trun)
  );
}

/** One fragment: `baseTime` is the first sample's decode time in 90 kHz ticks. */
export function fragment(seq: number, baseTime: number, samples: Sample[]): Buffer {
  if (samples.length === 0) {
    throw new Error('a fragment needs at least one sample');
  }
  // The data offset is the moof's own size plus mdat's header; the moof's size does not depend on it.
  const size = moof(seq, baseTime, samples, 0).length;
  const mdat = box('mdat', ...samples.map((s) => s.data));
  return Buffer.concat([moof(seq, baseTime, samples, size + 8), mdat]);
}

// NAL unit types the samples leave out: parameter sets travel in the init segment, AUDs carry nothing.
const OUT_OF_BAND = new Set([7, 8, 9]);

/** NAL units (no start codes) as one AVCC sample. */
export function avccSample(nalus: Buffer[]): Buffer {
  const kept = nalus.filter((n) => n.length > 0 && !OUT_OF_BAND.has(n[0] & 0x1f));
  return Buffer.concat(kept.flatMap((n) => [u32(n.length), n]));
}
