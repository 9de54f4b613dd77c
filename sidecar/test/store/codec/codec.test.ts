import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../../../src/store/codec/bytes.ts';
import { chunkLength, decodeChunk, decodeChunks, encodeChunk } from '../../../src/store/codec/chunk.ts';
import { Kind, decodeColumn, encodeColumn, type ColumnKind } from '../../../src/store/codec/column.ts';
import { COLUMNS, NCOLS, colIndex, pollToRow, rowsToBlock } from '../../../src/store/columns.ts';
import { realisticPolls, seeded } from '../../helpers/realistic-polls.ts';

/** Encodes, decodes, and checks every value bit for bit (NaN as NaN); returns the encoded bytes. */
function roundTrip(values: number[], kind?: ColumnKind): Uint8Array {
  const bytes = encodeColumn(values);
  if (kind !== undefined) {
    assert.equal(bytes[0], kind, `expected kind ${kind} for ${JSON.stringify(values.slice(0, 6))}…`);
  }
  const back = decodeColumn(bytes, values.length);
  assert.equal(back.length, values.length);
  for (let i = 0; i < values.length; i++) {
    assert.ok(Object.is(back[i], values[i]), `value ${i}: wrote ${values[i]}, read ${back[i]}`);
  }
  return bytes;
}

const T0 = 1_772_359_200_000;

test('an empty column costs one byte, a constant one nine, whatever their length', () => {
  assert.equal(roundTrip(new Array(1000).fill(NaN), Kind.Empty).length, 1);
  assert.equal(roundTrip(new Array(1000).fill(64e9), Kind.Const).length, 9);
  assert.equal(roundTrip([-0, -0, -0], Kind.Const).length, 9, 'minus zero kept as it is');
});

test('steady timestamps cost about a byte each (delta of deltas), jitter and clock steps back included', () => {
  const steady = Array.from({ length: 120 }, (_, i) => T0 + i * 30_000);
  const bytes = roundTrip(steady, Kind.Dod);
  assert.ok(bytes.length < 140, `${bytes.length} bytes for 120 timestamps`);
  const rnd = seeded(3);
  const jittered = steady.map((t) => t + Math.floor(rnd() * 3000));
  jittered[50] = jittered[49]! - 20_000; // the clock stepped back
  jittered[51] = jittered[49]! - 19_000;
  roundTrip(jittered);
  roundTrip([T0]);
  roundTrip([T0, T0 - 1]);
});

test('states, statuses and booleans with null runs are stored as runs', () => {
  const status = [...new Array(50).fill(1), ...new Array(30).fill(2), ...new Array(40).fill(1), 6, 6, 0];
  assert.ok(roundTrip(status, Kind.Runs).length < 16);
  const bool = [...new Array(10).fill(NaN), ...new Array(100).fill(1), 0, ...new Array(9).fill(NaN)];
  assert.ok(roundTrip(bool, Kind.Runs).length < 16);
  roundTrip([NaN, 1], Kind.Runs);
  roundTrip([-3, -3, NaN, 2 ** 40, -(2 ** 40)]);
});

test('decimals wander as scaled integers, by delta; nulls apart', () => {
  const rnd = seeded(5);
  let v = 30;
  const latency = Array.from({ length: 360 }, (_, i) => {
    v = Math.max(1, v + (rnd() - 0.5) * 4);
    return i >= 100 && i < 200 ? NaN : Math.round(v * 10) / 10;
  });
  const bytes = roundTrip(latency);
  assert.ok(bytes[0] === Kind.Delta || bytes[0] === Kind.Dod, `kind ${bytes[0]}`);
  assert.ok(bytes.length < 260 * 2, `${bytes.length} bytes for 260 latencies`);
  const rssi = Array.from({ length: 120 }, () => -60 + Math.round(rnd() * 6));
  assert.ok(roundTrip(rssi).length < 130);
  roundTrip([0.000001, -0.000002, 123456.123456]);
  roundTrip([NaN, NaN, 0.5, NaN, 0.25]);
});

test('floats with no short decimal form round-trip through XOR, bit for bit', () => {
  const rnd = seeded(9);
  const pct = Array.from({ length: 200 }, (_, i) => (i === 7 ? NaN : ((1e10 + i * rnd() * 1e6) / 64e9) * 100));
  const bytes = roundTrip(pct, Kind.Xor);
  assert.ok(bytes.length < 200 * 8, `${bytes.length} bytes, less than raw Float64s`);
  roundTrip([Math.PI, Math.PI, -Math.E, Number.MIN_VALUE, Number.MAX_VALUE, -0, 0, 1e-300, 2 ** 60 + 2 ** 10]);
  roundTrip([1 / 3, NaN, 1 / 3, 2 / 3], Kind.Xor);
});

test('a chunk holds every column of every poll, and decodes only the columns asked for', () => {
  const polls = [
    ...realisticPolls(
      { cameraId: 'a', battery: true, sensor: true, offline: [[T0 + 600_000, T0 + 1_200_000]] },
      T0,
      T0 + 3_600_000,
      30_000,
      4
    ),
  ];
  const block = rowsToBlock(polls.map(pollToRow));
  const blob = encodeChunk(block.cols as Float64Array[]);
  assert.equal(chunkLength(blob), polls.length);
  const all = decodeChunk(blob, NCOLS);
  assert.equal(all.n, polls.length);
  for (let c = 0; c < NCOLS; c++) {
    assert.deepEqual(all.cols[c], block.cols[c], `column ${COLUMNS[c]}`);
  }
  for (const c of ['hum', 'open', 'mot', 'leak'] as const) {
    const values = all.cols[colIndex(c)]!;
    assert.ok(
      values.some((v) => v === v),
      `the sensors' ${c} column holds values`
    );
  }
  const some = decodeChunk(blob, NCOLS, [0, 2]);
  assert.deepEqual(some.cols[2], block.cols[2]);
  assert.equal(some.cols[3], undefined, 'a column not asked for is not decoded');
  const raw = polls.length * NCOLS * 8;
  assert.ok(blob.length * 5 < raw, `${blob.length} bytes against ${raw} raw: at least 5x smaller`);
});

test('a chunk written with fewer columns reads the newer ones as null', () => {
  const blob = encodeChunk([
    [T0, T0 + 1],
    [1, 1],
  ]);
  const b = decodeChunk(blob, 4);
  assert.deepEqual([...b.cols[3]!], [NaN, NaN]);
  assert.deepEqual([...b.cols[1]!], [1, 1]);
});

test('a damaged chunk is a CodecError, never a crash or a wrong value', () => {
  const blob = encodeChunk([
    Array.from({ length: 50 }, (_, i) => T0 + i * 1000),
    Array.from({ length: 50 }, (_, i) => i / 7),
  ]);
  assert.throws(() => decodeChunk(blob.subarray(0, blob.length - 3), 2), CodecError);
  assert.throws(() => decodeChunk(Uint8Array.of(9, 1, 1, 1, 0), 1), /unknown chunk format/);
  const badKind = Uint8Array.from(blob);
  badKind[4] = 77; // the first column's kind (format, n, count, two lengths of one byte each)
  assert.throws(() => decodeChunk(badKind, 2), CodecError);
  assert.throws(() => decodeColumn(encodeColumn([1, 1, 2]), 5), /column holds 3 values, the chunk 5/);
  assert.throws(() => encodeChunk([[1, 2], [1]]), /differ in length/);
});

test('differences of every varint length read back exactly, up to the last byte of the column', () => {
  // Steps of 1 to 8 bytes as zigzag varints (the decoder reads up to four in 32-bit operations).
  const steps = [0, 1, -1, 63, -64, 64, 8191, -8192, 8192, 2 ** 20, -(2 ** 27), 2 ** 28, -(2 ** 35), 2 ** 45];
  const values = [0];
  for (const s of [...steps, ...steps.reverse()]) {
    values.push(values.at(-1)! + s);
  }
  roundTrip(values, Kind.Delta);
  roundTrip(values.map((v) => v / 1000));
  const bytes = encodeColumn(values);
  assert.throws(() => decodeColumn(bytes.subarray(0, bytes.length - 1), values.length), /chunk ends early/);
});

test('chunks joined end to end (as SQL joins them) decode one by one into the same arrays', () => {
  const a = [
    [T0, T0 + 30_000, T0 + 60_000],
    [1.5, NaN, 2.5],
  ];
  const b = [[T0 + 3_600_000], [7]];
  const blobA = encodeChunk(a);
  const blobB = encodeChunk(b);
  const joined = new Uint8Array(blobA.length + blobB.length);
  joined.set(blobA);
  joined.set(blobB, blobA.length);
  const seen: number[][][] = [];
  decodeChunks(joined, 2, [0, 1], [], (c) => seen.push(c.cols.map((col) => [...col!])));
  assert.deepEqual(seen, [a, b]);
  assert.throws(
    () => decodeChunks(joined.subarray(0, joined.length - 1), 2, [0, 1], [], () => undefined),
    /runs past the end/
  );
  const none: unknown[] = [];
  decodeChunks(new Uint8Array(0), 2, [0, 1], [], (c) => none.push(c));
  assert.deepEqual(none, []);
});
