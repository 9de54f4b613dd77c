/**
 * What every H.264/H.265 source (RTP depacketising, MPEG-TS demuxing) does with one picture's NAL
 * units: parameter sets are learned (and leave the picture), AUDs, SEI and filler are dropped,
 * keyframes are marked; and the stream info once the sets are complete and the SPS gives a size.
 */
import type { StreamInfo, VideoCodec } from './types.ts';
import { h264SpsSize, h265SpsSize } from '../rtsp/sps.ts';

/** The parameter sets a stream sent last (one of each kind). */
export interface ParameterSets {
  sps: Buffer[];
  pps: Buffer[];
  vps: Buffer[];
}

export interface SortedUnit {
  /** The picture's NAL units, without parameter sets, AUDs, SEI or filler. */
  nalus: Buffer[];
  keyframe: boolean;
  /** A parameter set differed from the one known: the stream info is to be made again. */
  changed: boolean;
}

/**
 * Sorts one picture's NAL units, learning parameter sets into `sets`. The NAL units it returns are
 * views of the caller's buffers (subscribers copy what they keep); learned sets are copied, since
 * they outlive the buffer they came in.
 */
export function sortAccessUnit(codec: VideoCodec, nalus: Buffer[], sets: ParameterSets): SortedUnit {
  const h265 = codec === 'h265';
  const out: Buffer[] = [];
  let keyframe = false;
  let changed = false;
  const learn = (kind: keyof ParameterSets, n: Buffer) => {
    const list = sets[kind];
    if (list.length === 1 && list[0].equals(n)) {
      return;
    }
    sets[kind] = [Buffer.from(n)];
    changed = true;
  };
  for (const n of nalus) {
    if (h265) {
      const t = (n[0] >> 1) & 0x3f;
      if (t === 32 || t === 33 || t === 34) {
        learn(t === 32 ? 'vps' : t === 33 ? 'sps' : 'pps', n);
        continue;
      }
      if (t === 35 || t === 39 || t === 40) {
        continue; // AUD, SEI
      }
      keyframe ||= t >= 16 && t <= 21; // IRAP
    } else {
      const t = n[0] & 0x1f;
      if (t === 7 || t === 8) {
        learn(t === 7 ? 'sps' : 'pps', n);
        continue;
      }
      if (t === 9 || t === 6 || t === 12) {
        continue; // AUD, SEI, filler
      }
      keyframe ||= t === 5; // IDR
    }
    out.push(n);
  }
  return { nalus: out, keyframe, changed };
}

/** The stream info the sets make, or null while one is missing or the SPS gives no size. */
export function streamInfoOf(codec: VideoCodec, sets: ParameterSets, fps?: number): StreamInfo | null {
  const h265 = codec === 'h265';
  const sps = sets.sps[0];
  if (!sps || sets.pps.length === 0 || (h265 && sets.vps.length === 0)) {
    return null;
  }
  const size = h265 ? h265SpsSize(sps) : h264SpsSize(sps);
  if (!size) {
    return null;
  }
  const info: StreamInfo = { codec, ...size, sps: sets.sps, pps: sets.pps };
  if (h265) {
    info.vps = sets.vps;
  }
  if (fps !== undefined) {
    info.fps = fps;
  }
  return info;
}
