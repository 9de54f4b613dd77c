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
 * Every kind restores the exact Float64 written (bit for bit, NaN aside).
 */
import { ByteReader, ByteWriter, CodecError } from './bytes.ts';

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
  const candidates: Uint8Array[] = [xor(values, present)];
  if (present.every((v) => Number.isInteger(v) && Math.abs(v) < MAX_SCALED && !Object.is(v, -0))) {
    candidates.push(runs(values));
  }
  const scale = decimalScale(present);
  if (scale !== null) {
    const p = 10 ** scale;
    const ints = present.map((v) => Math.round(v * p));
    candidates.push(differences(values, ints, scale, Kind.Delta), differences(values, ints, scale, Kind.Dod));
  }
  return candidates.reduce((a, b) => (b.length < a.length ? b : a));
}

/** Decodes `n` values into `out` (a fresh array when not given). */
export function decodeColumn(
  bytes: Uint8Array,
  n: number,
  out = new Float64Array(n),
  start = 0,
  end = bytes.length
): Float64Array {
  const r = new ByteReader(bytes, start, end);
  const kind = r.byte() as ColumnKind;
  switch (kind) {
    case Kind.Empty:
      out.fill(NaN, 0, n);
      return out;
    case Kind.Const:
      out.fill(r.float64(), 0, n);
      return out;
    case Kind.Runs: {
      const count = r.varint();
      let i = 0;
      for (let k = 0; k < count; k++) {
        const code = r.varint();
        const len = r.varint();
        if (i + len > n) {
          throw new CodecError('run past the end of the column');
        }
        out.fill(code === 0 ? NaN : unzig(code - 1), i, i + len);
        i += len;
      }
      expectAll(i, n);
      return out;
    }
    case Kind.Delta:
    case Kind.Dod: {
      const mask = readMask(r, n);
      const p = 10 ** r.byte();
      let m = 0;
      let d = 0;
      let k = 0;
      return fillMasked(out, n, mask, () => {
        if (k === 0) {
          m = r.svarint();
        } else if (kind === Kind.Delta || k === 1) {
          d = r.svarint();
          m += d;
        } else {
          d += r.svarint();
          m += d;
        }
        k++;
        return p === 1 ? m : m / p;
      });
    }
    case Kind.Xor: {
      const mask = readMask(r, n);
      const scratch = new DataView(new ArrayBuffer(8));
      let k = 0;
      return fillMasked(out, n, mask, () => {
        if (k++ === 0) {
          scratch.setFloat64(0, r.float64(), false);
        } else {
          const control = r.byte();
          if (control !== 0) {
            const lead = (control >> 4) & 7;
            const trail = control & 15;
            for (let b = lead; b < 8 - trail; b++) {
              scratch.setUint8(b, scratch.getUint8(b) ^ r.byte());
            }
          }
        }
        return scratch.getFloat64(0, false);
      });
    }
    default:
      throw new CodecError(`unknown column kind ${kind as number}`);
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
function decimalScale(values: number[]): number | null {
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

function readMask(r: ByteReader, n: number): number[] {
  const count = r.varint();
  const lens = new Array<number>(count);
  let total = 0;
  for (let k = 0; k < count; k++) {
    lens[k] = r.varint();
    total += lens[k]!;
  }
  expectAll(total, n);
  return lens;
}

function fillMasked(out: Float64Array, n: number, mask: number[], next: () => number): Float64Array {
  let i = 0;
  for (let k = 0; k < mask.length; k++) {
    const end = i + mask[k]!;
    if (k % 2 === 1) {
      out.fill(NaN, i, end);
      i = end;
      continue;
    }
    for (; i < end; i++) {
      out[i] = next();
    }
  }
  expectAll(i, n);
  return out;
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
  const prev = new DataView(new ArrayBuffer(8));
  const cur = new DataView(new ArrayBuffer(8));
  for (let k = 0; k < present.length; k++) {
    if (k === 0) {
      w.float64(present[0]!);
      prev.setFloat64(0, present[0]!, false);
      continue;
    }
    cur.setFloat64(0, present[k]!, false);
    let lead = 0;
    while (lead < 8 && (cur.getUint8(lead) ^ prev.getUint8(lead)) === 0) {
      lead++;
    }
    if (lead === 8) {
      w.byte(0);
    } else {
      let trail = 0;
      while ((cur.getUint8(7 - trail) ^ prev.getUint8(7 - trail)) === 0) {
        trail++;
      }
      // Changed: the top bit set (0 means unchanged), then the zero bytes before and after the change.
      w.byte(0x80 | (lead << 4) | trail);
      for (let b = lead; b < 8 - trail; b++) {
        w.byte(cur.getUint8(b) ^ prev.getUint8(b));
      }
    }
    prev.setFloat64(0, present[k]!, false);
  }
  return w.finish();
}
