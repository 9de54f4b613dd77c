/**
 * One column of a chunk (Float64 values, NaN for null) in as few bytes as its values allow, the way
 * time-series stores do it. The encoder tries every kind that fits and keeps the shortest:
 *  - EMPTY: every value null (no bytes beyond the kind);
 *  - CONST: every value the same (8 bytes);
 *  - RUNS: small integers and nulls as (value, run length) pairs: states, statuses, booleans;
 *  - DELTA / DOD: decimals with at most 6 digits after the point, as scaled integers, each stored
 *    as its difference from the previous (DELTA) or the difference of differences (DOD: timestamps
 *    and counters, where a steady step costs one byte);
 *  - XOR: any other float, XORed with the previous, keeping only the bytes that changed.
 * DELTA, DOD and XOR store the values present and the null runs apart (a "mask").
 * XOR is tried only for values with no short decimal form. Every kind restores the exact Float64
 * written (bit for bit, NaN aside).
 */
import { ByteWriter, CodecError } from './bytes.ts';

export const Kind = { Empty: 0, Const: 1, Runs: 2, Delta: 3, Dod: 4, Xor: 5 } as const;
export type ColumnKind = (typeof Kind)[keyof typeof Kind];

/** Scaled integers stay well inside 2^53 so that their differences (and zigzag) do too. */
const MAX_SCALED = 2 ** 50;
const MAX_DECIMALS = 6;

/** Encodes a column; `values.length` is kept by the chunk, not here. */
export function encodeColumn(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const present: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === v) {
      present.push(v);
    }
  }
  const w = new ByteWriter();
  if (present.length === 0) {
    w.byte(Kind.Empty);
    return w.finish();
  }
  if (present.length === n && present.every((v) => Object.is(v, present[0]))) {
    w.byte(Kind.Const);
    w.float64(present[0]!);
    return w.finish();
  }
  const candidates: Uint8Array[] = [];
  if (present.every((v) => Number.isInteger(v) && Math.abs(v) < MAX_SCALED && !Object.is(v, -0))) {
    candidates.push(runs(values));
  }
  const scale = decimalScale(present);
  if (scale !== null) {
    const p = 10 ** scale;
    const ints = present.map((v) => Math.round(v * p));
    candidates.push(differences(values, ints, scale, Kind.Delta), differences(values, ints, scale, Kind.Dod));
  } else {
    // XOR only where no short decimal form exists: it is the slowest to try, and scaled
    // differences of short decimals come out smaller.
    candidates.push(xor(values, present));
  }
  return candidates.reduce((a, b) => (b.length < a.length ? b : a));
}

/** Where decoding reads: module state, so that the hot loops below call no closures and allocate nothing. */
let at = 0;
let end = 0;
let src: Uint8Array = new Uint8Array(0);
/** Scratch for XOR: the bytes of one Float64 (little-endian on every Node target). */
const scratchF64 = new Float64Array(1);
const scratchU8 = new Uint8Array(scratchF64.buffer);
/** The last mask read: lengths of alternating present/null runs (readMask). */
let maskLens: number[] = [];
let maskCount = 0;

function u8(): number {
  if (at >= end) {
    throw new CodecError('chunk ends early');
  }
  return src[at++]!;
}

function uv(): number {
  let b = u8();
  if (b < 128) {
    return b;
  }
  let u = b & 127;
  let scale = 128;
  for (;;) {
    b = u8();
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

function sv(): number {
  const u = uv();
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

function f64(): number {
  if (at + 8 > end) {
    throw new CodecError('chunk ends early');
  }
  for (let b = 0; b < 8; b++) {
    scratchU8[b] = src[at++]!;
  }
  return scratchF64[0]!;
}

/** Decodes `n` values from bytes[start, stop) into out[outAt, outAt + n) (a fresh array when not given). */
export function decodeColumn(
  bytes: Uint8Array,
  n: number,
  out: Float64Array = new Float64Array(n),
  start = 0,
  stop = bytes.length,
  outAt = 0
): Float64Array {
  src = bytes;
  at = start;
  end = stop;
  const kind = u8() as ColumnKind;
  switch (kind) {
    case Kind.Empty:
      out.fill(NaN, outAt, outAt + n);
      return out;
    case Kind.Const:
      out.fill(f64(), outAt, outAt + n);
      return out;
    case Kind.Runs: {
      const count = uv();
      let i = 0;
      for (let k = 0; k < count; k++) {
        const code = uv();
        const len = uv();
        if (i + len > n) {
          throw new CodecError('run past the end of the column');
        }
        out.fill(code === 0 ? NaN : unzig(code - 1), outAt + i, outAt + i + len);
        i += len;
      }
      expectAll(i, n);
      return out;
    }
    case Kind.Delta:
    case Kind.Dod: {
      const present = readMask(n);
      const p = 10 ** u8();
      signedVarintsInto(out, outAt, present);
      if (kind === Kind.Dod) {
        sumTwiceInPlace(out, outAt, present, p);
      } else {
        sumInPlace(out, outAt, present, p);
      }
      spreadByMask(out, outAt, n, present);
      return out;
    }
    case Kind.Xor: {
      const present = readMask(n);
      xorValuesInto(out, outAt, present);
      spreadByMask(out, outAt, n, present);
      return out;
    }
    default:
      throw new CodecError(`unknown column kind ${kind as number}`);
  }
}

/**
 * DELTA and DOD decode in three plain passes rather than one loop that branches on the kind, the
 * first values and the nulls for every value (the read path of a thousand cameras' day spends most
 * of its decoding here): the signed varints of the values present, then their running sum(s) in
 * place, then the nulls spread in from the back. Every read is still bounded by `end`.
 */
function signedVarintsInto(out: Float64Array, o: number, count: number): void {
  const bytes = src;
  // Varints of up to four bytes (below 2^28) in 32-bit operations while four bytes remain;
  // longer ones, and the column's last few bytes, through the careful reader.
  const last = end - 4;
  const stop = o + count;
  let pos = at;
  let k = o;
  for (; k < stop && pos <= last; k++) {
    let u = bytes[pos++]!;
    if (u >= 128) {
      let b = bytes[pos++]!;
      u = (u & 127) | ((b & 127) << 7);
      if (b >= 128) {
        b = bytes[pos++]!;
        u |= (b & 127) << 14;
        if (b >= 128) {
          b = bytes[pos++]!;
          u |= (b & 127) << 21;
          if (b >= 128) {
            at = pos - 4;
            out[k] = sv();
            pos = at;
            continue;
          }
        }
      }
    }
    out[k] = (u >>> 1) ^ -(u & 1);
  }
  at = pos;
  for (; k < stop; k++) {
    out[k] = sv();
  }
}

/**
 * DELTA: the first value, then differences from the previous. Scale 1 (timestamps, whole numbers)
 * has a loop without the division: exact either way, but a division per value is not free.
 */
function sumInPlace(out: Float64Array, o: number, count: number, p: number): void {
  let m = 0;
  if (p === 1) {
    for (let k = o; k < o + count; k++) {
      m += out[k]!;
      out[k] = m;
    }
    return;
  }
  for (let k = o; k < o + count; k++) {
    m += out[k]!;
    out[k] = m / p;
  }
}

/** DOD: the first value, the first difference, then differences of differences (scale 1 as in sumInPlace). */
function sumTwiceInPlace(out: Float64Array, o: number, count: number, p: number): void {
  if (count === 0) {
    return;
  }
  let m = out[o]!;
  out[o] = m / p;
  let d = 0;
  if (p === 1) {
    for (let k = o + 1; k < o + count; k++) {
      d += out[k]!;
      m += d;
      out[k] = m;
    }
    return;
  }
  for (let k = o + 1; k < o + count; k++) {
    d += out[k]!;
    m += d;
    out[k] = m / p;
  }
}

/** Moves the `present` values at out[o, o + present) to their places in out[o, o + n), NaN between (the mask read last). */
function spreadByMask(out: Float64Array, o: number, n: number, present: number): void {
  if (maskCount === 1) {
    return;
  }
  let from = o + present;
  let i = o + n;
  // From the back: a value only ever moves towards the end, so none is overwritten before it moved.
  for (let r = maskCount - 1; r >= 0; r--) {
    const len = maskLens[r]!;
    if (r % 2 === 1) {
      out.fill(NaN, i - len, i);
    } else {
      out.copyWithin(i - len, from - len, from);
      from -= len;
    }
    i -= len;
  }
}

/** XOR: the first value as it is, then each XORed with the previous, only the bytes that changed. */
function xorValuesInto(out: Float64Array, o: number, count: number): void {
  const bytes = src;
  const stop = end;
  const word = scratchU8;
  for (let k = 0; k < count; k++) {
    if (k === 0) {
      f64();
    } else {
      if (at >= stop) {
        throw new CodecError('chunk ends early');
      }
      const control = bytes[at++]!;
      if (control !== 0) {
        // Encoded most significant byte first: byte b is little-endian index 7 - b.
        const last = 8 - (control & 15);
        const first = (control >> 4) & 7;
        if (at + last - first > stop) {
          throw new CodecError('chunk ends early');
        }
        for (let b = first; b < last; b++) {
          word[7 - b] ^= bytes[at++]!;
        }
      }
    }
    out[o + k] = scratchF64[0]!;
  }
}

const unzig = (u: number) => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);
const zig = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1);

function expectAll(i: number, n: number): void {
  if (i !== n) {
    throw new CodecError(`column holds ${i} values, the chunk ${n}`);
  }
}

/** The fewest decimals that hold every value exactly as a scaled integer, or null. */
export function decimalScale(values: number[]): number | null {
  for (let k = 0; k <= MAX_DECIMALS; k++) {
    const p = 10 ** k;
    if (
      values.every((v) => {
        const m = Math.round(v * p);
        return Math.abs(m) < MAX_SCALED && m / p === v && !Object.is(v, -0);
      })
    ) {
      return k;
    }
  }
  return null;
}

function runs(values: ArrayLike<number>): Uint8Array {
  const pairs: number[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i]!;
    let j = i + 1;
    while (j < values.length && (values[j] === v || (v !== v && values[j] !== values[j]))) {
      j++;
    }
    pairs.push(v === v ? zig(v) + 1 : 0, j - i);
    i = j;
  }
  const w = new ByteWriter();
  w.byte(Kind.Runs);
  w.varint(pairs.length / 2);
  for (const u of pairs) {
    w.varint(u);
  }
  return w.finish();
}

/** Where the nulls are: lengths of alternating present/null runs, starting with a present run. */
function writeMask(w: ByteWriter, values: ArrayLike<number>): void {
  const lens: number[] = [];
  let present = true;
  let len = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if ((v === v) !== present) {
      lens.push(len);
      present = !present;
      len = 0;
    }
    len++;
  }
  lens.push(len);
  w.varint(lens.length);
  for (const l of lens) {
    w.varint(l);
  }
}

/**
 * Reads the mask into maskLens/maskCount (reused: a day of a thousand cameras reads 48,000 masks)
 * and returns how many values are present.
 */
function readMask(n: number): number {
  const count = uv();
  // Every length takes a byte at least: a longer count is damage, not a reason to allocate.
  if (count > end - at) {
    throw new CodecError('chunk ends early');
  }
  if (maskLens.length < count) {
    maskLens = new Array<number>(Math.max(count, 2 * maskLens.length)).fill(0);
  }
  maskCount = count;
  let total = 0;
  let present = 0;
  for (let k = 0; k < count; k++) {
    const len = uv();
    maskLens[k] = len;
    total += len;
    if (k % 2 === 0) {
      present += len;
    }
  }
  expectAll(total, n);
  return present;
}

function differences(
  values: ArrayLike<number>,
  ints: number[],
  scale: number,
  kind: typeof Kind.Delta | typeof Kind.Dod
): Uint8Array {
  const w = new ByteWriter();
  w.byte(kind);
  writeMask(w, values);
  w.byte(scale);
  let prev = 0;
  let prevDelta = 0;
  for (let k = 0; k < ints.length; k++) {
    const m = ints[k]!;
    if (k === 0) {
      w.svarint(m);
    } else {
      const d = m - prev;
      w.svarint(kind === Kind.Delta || k === 1 ? d : d - prevDelta);
      prevDelta = d;
    }
    prev = m;
  }
  return w.finish();
}

function xor(values: ArrayLike<number>, present: number[]): Uint8Array {
  const w = new ByteWriter();
  w.byte(Kind.Xor);
  writeMask(w, values);
  // Bytes of the previous and current value, little-endian: big-endian byte b is index 7 - b.
  const prevF = new Float64Array(1);
  const prev = new Uint8Array(prevF.buffer);
  const curF = new Float64Array(1);
  const cur = new Uint8Array(curF.buffer);
  for (let k = 0; k < present.length; k++) {
    curF[0] = present[k]!;
    if (k === 0) {
      w.float64(present[0]!);
    } else {
      let lead = 0;
      while (lead < 8 && cur[7 - lead] === prev[7 - lead]) {
        lead++;
      }
      if (lead === 8) {
        w.byte(0);
      } else {
        let trail = 0;
        while (cur[trail] === prev[trail]) {
          trail++;
        }
        // Changed: the top bit set (0 means unchanged), then the zero bytes before and after the change.
        w.byte(0x80 | (lead << 4) | trail);
        for (let b = lead; b < 8 - trail; b++) {
          w.byte(cur[7 - b]! ^ prev[7 - b]!);
        }
      }
    }
    prevF[0] = curF[0]!;
  }
  return w.finish();
}
