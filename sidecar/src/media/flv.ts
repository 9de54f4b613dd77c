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

/** Tag header (11 bytes) of a video tag with a body of `bodyLength` bytes at `at`. */
function writeTagHeader(out: Buffer, at: number, bodyLength: number, timeMs: number): void {
  const t = Math.max(0, Math.floor(timeMs)) >>> 0;
  out[at] = 9; // video
  out.writeUIntBE(bodyLength, at + 1, 3);
  out.writeUIntBE(t & 0xffffff, at + 4, 3);
  out[at + 7] = (t >>> 24) & 0xff;
  out.writeUIntBE(0, at + 8, 3); // stream id
}

function tag(body: Buffer, timeMs: number): Buffer {
  const out = Buffer.allocUnsafe(11 + body.length + 4);
  writeTagHeader(out, 0, body.length, timeMs);
  body.copy(out, 11);
  out.writeUInt32BE(11 + body.length, 11 + body.length);
  return out;
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

/**
 * One access unit (no B-frames from cameras, so composition time 0), written into one buffer: a
 * tag per picture of every camera that gives pictures, so one allocation and one copy of the NAL units.
 */
export function flvFrame(au: AccessUnit, timeMs: number): Buffer {
  let body = 5;
  for (const n of au.nalus) {
    body += 4 + n.length;
  }
  const out = Buffer.allocUnsafe(11 + body + 4);
  writeTagHeader(out, 0, body, timeMs);
  let at = 11;
  out[at++] = au.keyframe ? 0x17 : 0x27;
  out[at++] = 1; // AVC NALU
  out.writeUIntBE(0, at, 3); // composition time
  at += 3;
  for (const n of au.nalus) {
    out.writeUInt32BE(n.length, at);
    at += 4 + n.copy(out, at + 4);
  }
  out.writeUInt32BE(11 + body, at);
  return out;
}
