/**
 * A chunk: the polls of one camera in one time window, every column encoded on its own (see
 * column.ts) behind a small directory, so that a query decodes only the columns it reads.
 *
 *   byte    format (1)
 *   varint  n, the number of polls
 *   varint  the number of columns stored (columns added later read as null in older chunks)
 *   varint  the byte length of each column, in column order
 *   bytes   the columns
 */
import { ByteReader, ByteWriter, CodecError } from './bytes.ts';
import { decodeColumn, encodeColumn } from './column.ts';

const FORMAT = 1;

/** Encodes the columns of a chunk; every column holds the same number of values. */
export function encodeChunk(cols: ReadonlyArray<ArrayLike<number>>): Uint8Array {
  const n = cols[0]?.length ?? 0;
  const parts = cols.map((c) => {
    if (c.length !== n) {
      throw new CodecError(`columns of one chunk differ in length (${c.length}, ${n})`);
    }
    return encodeColumn(c);
  });
  const w = new ByteWriter();
  w.byte(FORMAT);
  w.varint(n);
  w.varint(parts.length);
  for (const p of parts) {
    w.varint(p.length);
  }
  for (const p of parts) {
    w.bytes(p);
  }
  return w.finish();
}

/** The number of polls in a chunk, without decoding it. */
export function chunkLength(blob: Uint8Array): number {
  const r = new ByteReader(blob);
  checkFormat(r.byte());
  return r.varint();
}

/** Decoded columns of one chunk (see decodeChunk). */
export interface DecodedChunk {
  n: number;
  cols: Array<Float64Array | undefined>;
}

/**
 * Decodes the columns whose indexes are in `wanted` (all when not given); the others stay
 * undefined. A wanted column the chunk does not hold (added after it was written) reads as nulls.
 */
export function decodeChunk(
  blob: Uint8Array,
  ncols: number,
  wanted?: readonly number[],
  /** Arrays to decode into, by column, grown as needed (the result's columns are views of them: use before the next call). */
  pool?: Array<Float64Array | undefined>
): DecodedChunk {
  const { chunk, end } = decodeAt(blob, 0, ncols, wanted, pool);
  if (end !== blob.length) {
    throw new CodecError(`chunk is ${blob.length} bytes, its directory says ${end}`);
  }
  return chunk;
}

/**
 * Decodes chunks stored one after another in `blob` (as SQL's group_concat joins them), calling
 * `visit` with each before decoding the next into the same `pool`.
 */
export function decodeChunks(
  blob: Uint8Array,
  ncols: number,
  wanted: readonly number[],
  pool: Array<Float64Array | undefined>,
  visit: (chunk: DecodedChunk) => void
): void {
  let at = 0;
  while (at < blob.length) {
    const { chunk, end } = decodeAt(blob, at, ncols, wanted, pool);
    if (end > blob.length) {
      throw new CodecError(`chunk at byte ${at} runs past the end (${end} > ${blob.length})`);
    }
    visit(chunk);
    at = end;
  }
}

function decodeAt(
  blob: Uint8Array,
  start: number,
  ncols: number,
  wanted: readonly number[] | undefined,
  pool: Array<Float64Array | undefined> | undefined
): { chunk: DecodedChunk; end: number } {
  const r = new ByteReader(blob, start);
  checkFormat(r.byte());
  const n = r.varint();
  const stored = r.varint();
  const offsets = new Array<number>(stored + 1);
  let at = 0;
  for (let c = 0; c < stored; c++) {
    offsets[c] = at;
    at += r.varint();
  }
  offsets[stored] = at;
  const base = r.pos;
  const end = base + at;
  if (end > blob.length) {
    return { chunk: { n, cols: [] }, end };
  }
  const cols = new Array<Float64Array | undefined>(ncols);
  for (const c of wanted ?? Array.from({ length: ncols }, (_, i) => i)) {
    let into: Float64Array;
    if (pool) {
      if (!pool[c] || pool[c]!.length < n) {
        pool[c] = new Float64Array(Math.max(n, 2 * (pool[c]?.length ?? 0)));
      }
      into = pool[c]!.subarray(0, n);
    } else {
      into = new Float64Array(n);
    }
    cols[c] = c < stored ? decodeColumn(blob, n, into, base + offsets[c]!, base + offsets[c + 1]!) : into.fill(NaN);
  }
  return { chunk: { n, cols }, end };
}

function checkFormat(b: number): void {
  if (b !== FORMAT) {
    throw new CodecError(`unknown chunk format ${b}`);
  }
}
