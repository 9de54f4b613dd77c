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
const HEAD_SCHEMA = `{"schema":${SCHEMA},"data":{"values":[`;
const HEAD_DATA = '{"data":{"values":[';
const TAIL = ']}}';

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

/** The most a number takes as JSON text (String(-Number.MIN_VALUE) is 8, "-1.7976931348623157e+308" 24). */
const NUMBER_MAX = 24;
const NULL = [0x6e, 0x75, 0x6c, 0x6c];
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];

function writeBytes(out: Buffer, at: number, bytes: number[]): number {
  for (let i = 0; i < bytes.length; i++) {
    out[at + i] = bytes[i];
  }
  return at + bytes.length;
}

/**
 * A number as JSON writes it, at `out[at]`: integers (times, sequence numbers, sizes: every number
 * of a video row) digit by digit, without a string per number; anything else through String().
 */
function writeNumber(out: Buffer, at: number, v: number): number {
  if (!Number.isFinite(v)) {
    return writeBytes(out, at, NULL);
  }
  if (!Number.isSafeInteger(v)) {
    return at + out.write(String(v), at, 'latin1');
  }
  if (v < 0) {
    out[at++] = 0x2d; // -
    v = -v;
  }
  let digits = 1;
  for (let n = v; n >= 10; n = Math.floor(n / 10)) {
    digits++;
  }
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

/** The JSON text of the short strings a row repeats (kinds, codec strings), made once each. */
const quoted = new Map<string, string>();
const QUOTED_MAX = 64;

function quote(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size < QUOTED_MAX) {
      quoted.set(s, q);
    }
  }
  return q;
}

/** One column of numbers (or booleans) as a JSON list at `out[at]`. */
function writeColumn(
  out: Buffer,
  at: number,
  packets: VideoPacket[],
  column: 'time' | 'seq' | 'width' | 'height'
): number {
  out[at++] = 0x5b; // [
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) {
      out[at++] = 0x2c; // ,
    }
    at = writeNumber(out, at, packets[i][column]);
  }
  out[at++] = 0x5d; // ]
  return at;
}

/** One column of strings (JSON text from `text`) as a JSON list at `out[at]`. */
function writeStrings(out: Buffer, at: number, texts: string[]): number {
  out[at++] = 0x5b;
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) {
      out[at++] = 0x2c;
    }
    at += out.write(texts[i], at, 'utf8');
  }
  out[at++] = 0x5d;
  return at;
}

/**
 * The Live packet of `videoFrame(packets)` as Grafana's frame JSON, byte for byte what frameToJSON
 * makes of it, written straight into one buffer: every picture of every watched camera goes through
 * here, so the small columns are written in place (no string or array per value) and the fMP4
 * (base64, as frame JSON carries bytes, by far the largest part) is encoded once into place.
 */
export function videoPacketsJSON(packets: VideoPacket[], withSchema = true): Buffer {
  const n = packets.length;
  const kinds: string[] = new Array(n);
  const codecs: string[] = new Array(n);
  const errors: string[] = new Array(n);
  const head = withSchema ? HEAD_SCHEMA : HEAD_DATA;
  // An upper bound (numbers at their longest): the buffer is shortened to what was written.
  let size = Buffer.byteLength(head) + TAIL.length + 9 * 3 + 4 * (NUMBER_MAX + 1) * n;
  for (let i = 0; i < n; i++) {
    const p = packets[i];
    kinds[i] = quote(p.kind);
    codecs[i] = quote(p.codec);
    errors[i] = p.error === null ? 'null' : JSON.stringify(p.error);
    size += 6 + 4 + Buffer.byteLength(kinds[i]) + Buffer.byteLength(codecs[i]) + Buffer.byteLength(errors[i]);
    size += base64Length(p.data.length) + 3;
  }
  const out = allocPacketData(size);
  let at = out.write(head, 0, 'utf8');
  at = writeColumn(out, at, packets, 'time');
  out[at++] = 0x2c;
  at = writeColumn(out, at, packets, 'seq');
  out[at++] = 0x2c;
  at = writeStrings(out, at, kinds);
  out[at++] = 0x2c;
  out[at++] = 0x5b;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      out[at++] = 0x2c;
    }
    at = writeBytes(out, at, packets[i].keyframe ? TRUE : FALSE);
  }
  out[at++] = 0x5d;
  out[at++] = 0x2c;
  at = writeStrings(out, at, codecs);
  out[at++] = 0x2c;
  at = writeColumn(out, at, packets, 'width');
  out[at++] = 0x2c;
  at = writeColumn(out, at, packets, 'height');
  out[at++] = 0x2c;
  out[at++] = 0x5b;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      out[at++] = 0x2c;
    }
    out[at++] = 0x22; // "
    at = writeBase64(out, at, packets[i].data);
    out[at++] = 0x22;
  }
  out[at++] = 0x5d;
  out[at++] = 0x2c;
  at = writeStrings(out, at, errors);
  at += out.write(TAIL, at, 'latin1');
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
