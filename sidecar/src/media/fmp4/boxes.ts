/** ISO-BMFF box writing: a box is a 32-bit size, a four-character type and its payload. */

export type Part = Buffer | Uint8Array;

export function box(type: string, ...payload: Part[]): Buffer {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...payload], size);
}

/** A "full box": version (8 bits) and flags (24 bits) before the payload. */
export function fullBox(type: string, version: number, flags: number, ...payload: Part[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...payload);
}

export function u8(...values: number[]): Buffer {
  return Buffer.from(values.map((v) => v & 0xff));
}

export function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v & 0xffff, i * 2));
  return b;
}

export function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

export function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(value))), 0);
  return b;
}

/** One box as read back: type, where its payload starts and ends. */
export interface BoxView {
  type: string;
  start: number;
  end: number;
  payload: Buffer;
}

/** Top-level boxes of a buffer; throws on a size that runs past the end (not ISO-BMFF). */
export function readBoxes(buf: Buffer, from = 0, to = buf.length): BoxView[] {
  const out: BoxView[] = [];
  let at = from;
  while (at < to) {
    if (to - at < 8) {
      throw new Error(`truncated box header at ${at}`);
    }
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let head = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      head = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < head || at + size > to || !/^[\x20-\x7e]{4}$/.test(type)) {
      throw new Error(`bad box "${type}" of size ${size} at ${at}`);
    }
    out.push({ type, start: at, end: at + size, payload: buf.subarray(at + head, at + size) });
    at += size;
  }
  return out;
}
