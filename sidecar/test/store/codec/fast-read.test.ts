// The chunk decoder's fast paths (32-bit varints, reused directories, chunks decoded end to end)
// against a careful reader written from the format alone, on random columns and on damaged bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader, CodecError } from '../../../src/store/codec/bytes.ts';
import { decodeChunk, decodeChunks, decodeJoined, encodeChunk } from '../../../src/store/codec/chunk.ts';
import { Kind } from '../../../src/store/codec/column.ts';
import { seeded } from '../../helpers/realistic-polls.ts';

const T0 = 1_772_359_200_000;

/** A chunk read one byte at a time by ByteReader, exactly as chunk.ts and column.ts describe it. */
function carefulChunk(blob: Uint8Array, ncols: number): Float64Array[] {
  const r = new ByteReader(blob);
  if (r.byte() !== 1) {
    throw new CodecError('format');
  }
  const n = r.varint();
  const lens = Array.from({ length: r.varint() }, () => r.varint());
  let at = r.pos;
  if (lens.reduce((a, b) => a + b, at) !== blob.length) {
    throw new CodecError('length');
  }
  const cols: Float64Array[] = [];
  for (let c = 0; c < ncols; c++) {
    if (c >= lens.length) {
      cols.push(new Float64Array(n).fill(NaN));
      continue;
    }
    cols.push(carefulColumn(new ByteReader(blob, at, at + lens[c]!), n));
    at += lens[c]!;
  }
  return cols;
}

function carefulColumn(r: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  const kind = r.byte();
  if (kind === Kind.Empty || kind === Kind.Const) {
    return out.fill(kind === Kind.Empty ? NaN : r.float64());
  }
  if (kind === Kind.Runs) {
    let i = 0;
    for (let k = r.varint(); k > 0; k--) {
      const code = r.varint();
      const len = r.varint();
      if (i + len > n) {
        throw new CodecError('run');
      }
      out.fill(code === 0 ? NaN : code % 2 === 1 ? (code - 1) / 2 : -code / 2, i, i + len);
      i += len;
    }
    if (i !== n) {
      throw new CodecError('runs');
    }
    return out;
  }
  if (kind !== Kind.Delta && kind !== Kind.Dod && kind !== Kind.Xor) {
    throw new CodecError('kind');
  }
  const mask: number[] = [];
  for (let k = r.varint(); k > 0; k--) {
    mask.push(r.varint());
  }
  if (mask.reduce((a, b) => a + b, 0) !== n) {
    throw new CodecError('mask');
  }
  const present: number[] = [];
  const count = mask.reduce((a, b, i) => (i % 2 === 0 ? a + b : a), 0);
  if (kind === Kind.Xor) {
    const word = new Float64Array(1);
    const bytes = new Uint8Array(word.buffer);
    for (let k = 0; k < count; k++) {
      if (k === 0) {
        word[0] = r.float64();
      } else {
        const control = r.byte();
        if (control !== 0) {
          for (let b = (control >> 4) & 7; b < 8 - (control & 15); b++) {
            bytes[7 - b] = bytes[7 - b]! ^ r.byte();
          }
        }
      }
      present.push(word[0]!);
    }
  } else {
    const p = 10 ** r.byte();
    let m = 0;
    let d = 0;
    for (let k = 0; k < count; k++) {
      const s = r.svarint();
      if (k === 0) {
        m = s;
      } else if (kind === Kind.Delta || k === 1) {
        d = s;
        m += d;
      } else {
        d += s;
        m += d;
      }
      present.push(m / p);
    }
  }
  let i = 0;
  let k = 0;
  mask.forEach((len, run) => {
    for (let j = 0; j < len; j++, i++) {
      out[i] = run % 2 === 0 ? present[k++]! : NaN;
    }
  });
  return out;
}

/** Random columns of every kind: timestamps with jitter and steps back, decimals, states, floats, nulls, huge steps. */
function randomColumns(rnd: () => number, n: number): number[][] {
  const nulls = (v: number[]) => v.map((x) => (rnd() < 0.15 ? NaN : x));
  let t = T0 + Math.floor(rnd() * 1e9);
  let lat = 30;
  const step = [1, 100, 70_000, 2 ** 22, 2 ** 30, 2 ** 44][Math.floor(rnd() * 6)]!;
  return [
    Array.from({ length: n }, () => (t += Math.floor(rnd() * 60_000) - (rnd() < 0.05 ? 90_000 : 0))),
    nulls(Array.from({ length: n }, () => (lat = Math.max(0, Math.round((lat + (rnd() - 0.5) * 8) * 10) / 10)))),
    Array.from({ length: n }, () => (rnd() < 0.9 ? 1 : 2)),
    nulls(Array.from({ length: n }, () => rnd() * 100)),
    Array.from({ length: n }, () => NaN),
    Array.from({ length: n }, () => 64e9),
    nulls(Array.from({ length: n }, () => Math.floor((rnd() - 0.5) * step))),
    Array.from({ length: n }, (_, i) => i * step - (rnd() < 0.1 ? 3 * step : 0)),
  ];
}

/** The careful reader's columns, or the error it throws. */
function careful(blob: Uint8Array, ncols: number): Float64Array[] | Error {
  try {
    return carefulChunk(blob, ncols);
  } catch (err) {
    return err as Error;
  }
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Object.is(a[i], b[i]), `${what} value ${i}: ${a[i]} against the careful reader's ${b[i]}`);
  }
}

const NCOLS = 9; // one more than written: a column added later reads as nulls

test('fast decoding reads every random column as the careful reader does, bit for bit', () => {
  const rnd = seeded(21);
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(rnd() * (round % 10 === 0 ? 2000 : 150));
    const blob = encodeChunk(randomColumns(rnd, n));
    const want = carefulChunk(blob, NCOLS);
    const got = decodeChunk(blob, NCOLS);
    want.forEach((col, c) => sameBits(got.cols[c]!, col, `round ${round} column ${c}`));
    const some = decodeChunk(blob, NCOLS, [0, 6], []);
    sameBits(some.cols[6]!, want[6]!, `round ${round}, pooled column 6`);
  }
});

test('chunks joined end to end: visited one by one and decoded as one give the careful reader’s values', () => {
  const rnd = seeded(22);
  const pool: Array<Float64Array | undefined> = [];
  const joinedPool: Array<Float64Array | undefined> = [];
  for (let round = 0; round < 40; round++) {
    const blobs = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () =>
      encodeChunk(randomColumns(rnd, 1 + Math.floor(rnd() * 200)))
    );
    const joined = new Uint8Array(blobs.reduce((a, b) => a + b.length, 0));
    blobs.reduce((at, b) => (joined.set(b, at), at + b.length), 0);
    const want = blobs.map((b) => carefulChunk(b, NCOLS));
    const wanted = [0, 1, 3, 8];
    let i = 0;
    decodeChunks(joined, NCOLS, wanted, pool, (chunk) => {
      wanted.forEach((c) => sameBits(chunk.cols[c]!, want[i]![c]!, `round ${round} chunk ${i} column ${c}`));
      i++;
    });
    assert.equal(i, blobs.length);
    const all = decodeJoined(joined, NCOLS, wanted, joinedPool);
    assert.equal(
      all.n,
      want.reduce((a, w) => a + w[0]!.length, 0)
    );
    for (const c of wanted) {
      sameBits(
        all.cols[c]!,
        want.flatMap((w) => [...w[c]!]),
        `round ${round} joined column ${c}`
      );
    }
    assert.equal(all.cols[2], undefined, 'a column not asked for is not decoded');
  }
});

test('damaged chunks: the same values as the careful reader or a CodecError, never another error, never a read past the chunk', () => {
  const rnd = seeded(23);
  let damaged = 0;
  for (let round = 0; round < 3000; round++) {
    const good = encodeChunk(randomColumns(rnd, 1 + Math.floor(rnd() * 60)));
    const blob = Uint8Array.from(good);
    const how = round % 3;
    let bad = blob;
    if (how === 0) {
      bad = blob.subarray(0, 1 + Math.floor(rnd() * (blob.length - 1)));
    } else {
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
        // A random byte, or one continuation bit flipped (a varint that runs on, or stops early).
        const at = Math.floor(rnd() * blob.length);
        blob[at] = how === 1 ? Math.floor(rnd() * 256) : blob[at]! ^ 0x80;
      }
    }
    // Bytes after the chunk that would decode as more values: a read past its end would show.
    const padded = new Uint8Array(bad.length + 16).fill(0x02);
    padded.set(bad);
    const want = careful(bad, NCOLS);
    // The joined readers may find more than one chunk in damaged bytes: that is no error of theirs.
    for (const [what, decode, joined] of [
      ['decodeChunk', () => decodeChunk(bad, NCOLS).cols, false],
      ['decodeChunks', () => decodeWhole(bad), true],
      ['decodeJoined', () => decodeJoined(bad, NCOLS, [0, 1, 2, 3, 4, 5, 6, 7, 8], []).cols, true],
      ['decodeChunk in a longer buffer', () => decodeChunk(padded.subarray(0, bad.length), NCOLS).cols, false],
    ] as const) {
      let got: Array<Float64Array | undefined> | Error;
      try {
        got = decode();
      } catch (err) {
        got = err as Error;
      }
      if (want instanceof Error) {
        damaged++;
        assert.ok(
          got instanceof CodecError || (joined && !(got instanceof Error)),
          `round ${round} ${what}: ${String(got)} where the careful reader failed`
        );
      } else {
        assert.ok(!(got instanceof Error), `round ${round} ${what}: ${String(got)} where the careful reader read it`);
        want.forEach((col, c) => sameBits(got[c]!, col, `round ${round} ${what} column ${c}`));
      }
    }
  }
  assert.ok(damaged > 6000, `${damaged} decodes of damaged chunks failed as they should`);
});

function decodeWhole(blob: Uint8Array): Float64Array[] {
  const out: Float64Array[][] = [];
  decodeChunks(blob, NCOLS, [0, 1, 2, 3, 4, 5, 6, 7, 8], [], (c) => out.push(c.cols.map((x) => Float64Array.from(x!))));
  return out.length === 1
    ? out[0]!
    : Array.from({ length: NCOLS }, (_, c) => Float64Array.from(out.flatMap((o) => [...o[c]!])));
}

test('a damaged count of polls, columns or runs is a CodecError before it allocates', () => {
  const huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f];
  assert.throws(() => decodeChunk(Uint8Array.of(1, ...huge, 1, 1, Kind.Empty), 1), /holds \d+ polls/);
  assert.throws(() => decodeChunk(Uint8Array.of(1, 2, ...huge, 1, Kind.Empty), 1), /chunk ends early/);
  // A DELTA column whose mask says it has 2^48 runs.
  assert.throws(() => decodeChunk(Uint8Array.of(1, 2, 1, 10, Kind.Delta, ...huge, 0, 0), 1), CodecError);
});
