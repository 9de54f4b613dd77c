/**
 * Byte buffers for the chunk codec: a growable writer and a reader of unsigned varints (LEB128, up
 * to 2^53: plain arithmetic, since bitwise operators stop at 32 bits), zigzag signed integers and
 * raw little-endian Float64s.
 */

/** Signed to unsigned, small magnitudes first: 0, -1, 1, -2, ... → 0, 1, 2, 3, ... */
export const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);
export const unzigzag = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) {
      return;
    }
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  /** An unsigned integer below 2^53. */
  varint(u: number): void {
    this.room(8);
    while (u >= 128) {
      this.buf[this.length++] = u % 128 | 128;
      u = Math.floor(u / 128);
    }
    this.buf[this.length++] = u;
  }

  svarint(v: number): void {
    this.varint(zigzag(v));
  }

  float64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) {
      throw new CodecError('chunk ends early');
    }
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let u = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      u += (b & 127) * scale;
      if (b < 128) {
        return u;
      }
      scale *= 128;
      if (scale > 2 ** 56) {
        throw new CodecError('varint too long');
      }
    }
  }

  svarint(): number {
    return unzigzag(this.varint());
  }

  float64(): number {
    if (this.pos + 8 > this.end) {
      throw new CodecError('chunk ends early');
    }
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
}
