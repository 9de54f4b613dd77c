/**
 * Just enough FLV (Adobe FLV 10.1, video only) to hand ffmpeg H.264 with the stream's own
 * timestamps: the header, an AVC sequence header (avcC) and one tag per access unit with
 * length-prefixed NAL units. Timestamps from the RTP clock let ffmpeg's fps filter pick pictures
 * evenly however bursty their arrival (wall-clock stamps would make it duplicate pictures after a
 * late burst).
 */
import type { AccessUnit, StreamInfo } from './video/types.ts';

/** FLV file header (video only) and the first PreviousTagSize. */
export function flvHeader(): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0]);
}

function tag(body: Buffer, timeMs: number): Buffer {
  const t = Math.max(0, Math.floor(timeMs)) >>> 0;
  const head = Buffer.alloc(11);
  head[0] = 9; // video
  head.writeUIntBE(body.length, 1, 3);
  head.writeUIntBE(t & 0xffffff, 4, 3);
  head[7] = (t >>> 24) & 0xff;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + body.length);
  return Buffer.concat([head, body, prev]);
}

/** The AVC decoder configuration record (ISO 14496-15) of the stream's parameter sets. */
export function avcC(info: StreamInfo): Buffer {
  const sps = info.sps[0];
  const parts: Buffer[] = [Buffer.from([1, sps[1], sps[2], sps[3], 0xff, 0xe0 | info.sps.length])];
  for (const s of info.sps) {
    parts.push(Buffer.from([s.length >> 8, s.length & 0xff]), s);
  }
  parts.push(Buffer.from([info.pps.length]));
  for (const p of info.pps) {
    parts.push(Buffer.from([p.length >> 8, p.length & 0xff]), p);
  }
  return Buffer.concat(parts);
}

/** The sequence header tag: sent first and whenever the parameter sets change. */
export function flvSequenceHeader(info: StreamInfo, timeMs: number): Buffer {
  return tag(Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), avcC(info)]), timeMs);
}

/** One access unit (no B-frames from cameras, so composition time 0). */
export function flvFrame(au: AccessUnit, timeMs: number): Buffer {
  const parts: Buffer[] = [Buffer.from([au.keyframe ? 0x17 : 0x27, 1, 0, 0, 0])];
  for (const n of au.nalus) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(n.length);
    parts.push(len, n);
  }
  return tag(Buffer.concat(parts), timeMs);
}
