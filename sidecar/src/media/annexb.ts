/**
 * An access unit as an Annex B byte stream: start codes before each NAL unit, the parameter sets
 * before every keyframe, and an access unit delimiter after the picture (so ffmpeg's parser hands
 * the picture on at once instead of waiting for the next one).
 */
import type { AccessUnit, StreamInfo } from './video/types.ts';

const START = Buffer.from([0, 0, 0, 1]);
const AUD_H264 = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]);
const AUD_H265 = Buffer.from([0, 0, 0, 1, 0x46, 0x01, 0x50]);

export function annexB(au: AccessUnit, info: StreamInfo | undefined): Buffer {
  const parts: Buffer[] = [];
  if (au.keyframe && info) {
    for (const n of [...(info.vps ?? []), ...info.sps, ...info.pps]) {
      parts.push(START, n);
    }
  }
  for (const n of au.nalus) {
    parts.push(START, n);
  }
  parts.push(info?.codec === 'h265' ? AUD_H265 : AUD_H264);
  return Buffer.concat(parts);
}
