/** The frames of the Live video channel: fMP4 pieces as rows (VIDEO_FIELDS), and a video query's tiles. */
import { VIDEO_FIELDS as F, VIDEO_TILE_FIELDS as T } from '../../../src/shared/query.ts';
import { frameSchemaJSON, type Frame } from '../grafana/frame.ts';
import { allocPacketData } from '../grafana/protocol.ts';
import type { VideoPacket } from './video-relay.ts';

export function videoFrame(packets: VideoPacket[]): Frame {
  const col = <V>(f: (p: VideoPacket) => V) => packets.map(f);
  return {
    name: 'video',
    fields: [
      { name: F.time, type: 'time', values: col((p) => p.time) },
      { name: F.seq, type: 'number', values: col((p) => p.seq) },
      { name: F.kind, type: 'string', values: col((p) => p.kind) },
      { name: F.keyframe, type: 'boolean', values: col((p) => p.keyframe) },
      { name: F.codec, type: 'string', values: col((p) => p.codec) },
      { name: F.width, type: 'number', values: col((p) => p.width) },
      { name: F.height, type: 'number', values: col((p) => p.height) },
      { name: F.data, type: 'string', values: col((p) => p.data.toString('base64')) },
      { name: F.error, type: 'string', values: col((p) => p.error), nullable: true },
    ],
  };
}

// The schema never depends on the rows (no field but `error` is nullable, and that one always is).
const SCHEMA = JSON.stringify(frameSchemaJSON(videoFrame([])));

const base64Length = (n: number) => Math.ceil(n / 3) * 4;

/** Input bytes per base64 piece: a multiple of 3, so the pieces join into one base64 text. */
const BASE64_PIECE = 24 * 1024;

/**
 * `data` in base64 at `out[at]`, a piece at a time: a keyframe's base64 in one string would be
 * large enough for V8 to allocate it in its old generation, which only a full GC frees.
 */
function writeBase64(out: Buffer, at: number, data: Buffer): number {
  for (let i = 0; i < data.length; i += BASE64_PIECE) {
    at += out.write(data.toString('base64', i, Math.min(i + BASE64_PIECE, data.length)), at, 'latin1');
  }
  return at;
}
const num = (v: number) => (Number.isFinite(v) ? String(v) : 'null');
const list = (values: string[]) => `[${values.join(',')}]`;

/**
 * The Live packet of `videoFrame(packets)` as Grafana's frame JSON, byte for byte what frameToJSON
 * makes of it, written straight into one buffer: every picture of every watched camera goes through
 * here, and the fMP4 (base64, as frame JSON carries bytes) is by far the largest part, so it is
 * encoded once into place instead of being escaped, joined and re-encoded as one big string.
 */
export function videoPacketsJSON(packets: VideoPacket[], withSchema = true): Buffer {
  const head =
    (withSchema ? `{"schema":${SCHEMA},"data":{"values":[` : '{"data":{"values":[') +
    [
      list(packets.map((p) => num(p.time))),
      list(packets.map((p) => num(p.seq))),
      list(packets.map((p) => JSON.stringify(p.kind))),
      list(packets.map((p) => (p.keyframe ? 'true' : 'false'))),
      list(packets.map((p) => JSON.stringify(p.codec))),
      list(packets.map((p) => num(p.width))),
      list(packets.map((p) => num(p.height))),
    ].join(',') +
    ',[';
  const tail = `],${list(packets.map((p) => JSON.stringify(p.error)))}]}}`;
  const headBytes = Buffer.byteLength(head);
  let size = headBytes + Buffer.byteLength(tail) + Math.max(0, packets.length - 1);
  for (const p of packets) {
    size += base64Length(p.data.length) + 2;
  }
  const out = allocPacketData(size);
  let at = out.write(head, 0, 'utf8');
  packets.forEach((p, i) => {
    if (i > 0) {
      out[at++] = 0x2c; // ,
    }
    out[at++] = 0x22; // "
    at = writeBase64(out, at, p.data);
    out[at++] = 0x22;
  });
  at += out.write(tail, at, 'utf8');
  return at === size ? out : out.subarray(0, at);
}

export interface VideoTile {
  cameraId: string;
  cameraName: string;
  status: string;
  stream: string;
  videoChannel: string;
  framesChannel: string;
  error: string | null;
  privacyMode: boolean | null;
}

/** A video query's answer: one row per camera with the channels the panel subscribes to itself. */
export function videoTilesFrame(refId: string, tiles: VideoTile[]): Frame {
  const col = <V>(f: (t: VideoTile) => V) => tiles.map(f);
  return {
    name: 'video',
    refId,
    fields: [
      { name: T.cameraId, type: 'string', values: col((t) => t.cameraId) },
      { name: T.cameraName, type: 'string', values: col((t) => t.cameraName) },
      { name: T.status, type: 'string', values: col((t) => t.status) },
      { name: T.stream, type: 'string', values: col((t) => t.stream) },
      { name: T.videoChannel, type: 'string', values: col((t) => t.videoChannel) },
      { name: T.framesChannel, type: 'string', values: col((t) => t.framesChannel) },
      { name: T.error, type: 'string', values: col((t) => t.error), nullable: true },
      { name: T.privacy, type: 'boolean', values: col((t) => t.privacyMode), nullable: true },
    ],
  };
}
