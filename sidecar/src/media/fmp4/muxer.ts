/**
 * Packages one H.264 stream's access units as fMP4, one fragment per picture: the init segment from
 * the stream's SPS/PPS, each fragment timed from the access unit's 90 kHz time. A fragment goes out
 * as soon as its picture is complete, so its duration is the previous picture's spacing (the next
 * one is not known yet); decode times come from the tfdt, so an estimate never drifts.
 */
import type { AccessUnit, StreamInfo } from '../video/types.ts';
import { fragment, type FragmentBuffer } from './fragment.ts';
import { initSegment, TIMESCALE } from './init.ts';
import { avcCodecString } from './sps.ts';

export interface Packaged {
  init: Buffer;
  codec: string;
  width: number;
  height: number;
}

export class UnsupportedCodecError extends Error {
  constructor(readonly codec: string) {
    super(`${codec.toUpperCase()} is not playable in the browser`);
    this.name = 'UnsupportedCodecError';
  }
}

/** The init segment and codec string of a stream; throws UnsupportedCodecError for H.265. */
export function packageInfo(info: StreamInfo): Packaged {
  if (info.codec !== 'h264') {
    throw new UnsupportedCodecError(info.codec);
  }
  return {
    init: initSegment(info),
    codec: avcCodecString(info.sps[0]),
    width: info.width,
    height: info.height,
  };
}

/** Beyond this, a jump in time is a new clock rather than lost pictures. */
const MAX_GAP = 10 * TIMESCALE;

export class Fmp4Muxer {
  private seq = 0;
  private origin: number | null = null;
  private lastTime: number | null = null;
  private lastDuration: number;
  private lastDecode = 0;

  constructor(fps = 15) {
    this.lastDuration = Math.round(TIMESCALE / (fps > 0 ? fps : 15));
  }

  /** One access unit as one fragment, timed from its 90 kHz time; written `into` a given buffer if any. */
  fragment(au: AccessUnit, into?: FragmentBuffer): { data: Buffer; seq: number; decodeTime: number } {
    if (this.origin === null || this.lastTime === null) {
      this.origin = au.time90k;
    } else {
      const delta = au.time90k - this.lastTime;
      if (delta <= 0 || delta > MAX_GAP) {
        // A new RTP clock (the camera reconnected): carry on right after the last picture.
        this.origin = au.time90k - (this.lastDecode + this.lastDuration);
      } else if (delta < TIMESCALE) {
        // A longer gap (lost pictures) is not a frame spacing: keep the last good one.
        this.lastDuration = delta;
      }
    }
    this.lastTime = au.time90k;
    const decodeTime = au.time90k - this.origin;
    this.lastDecode = decodeTime;
    this.seq++;
    const data = fragment(
      this.seq,
      decodeTime,
      [{ duration: this.lastDuration, keyframe: au.keyframe, nalus: au.nalus }],
      into
    );
    return { data, seq: this.seq, decodeTime };
  }
}
