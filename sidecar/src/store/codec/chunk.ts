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
  const chunk: DecodedChunk = { n: 0, cols: new Array<Float64Array | undefined>(ncols) };
  const end = decodeAt(blob, 0, ncols, wanted, pool, chunk);
  if (end !== blob.length) {
    throw new CodecError(`chunk is ${blob.length} bytes, its directory says ${end}`);
  }
  return chunk;
}

/**
 * Decodes chunks stored one after another in `blob` (as SQL's group_concat joins them), calling
 * `visit` with each before decoding the next into the same `pool`. The chunk passed to `visit` is
 * one object, overwritten by the next: a day of a thousand cameras is 24,000 chunks, and an
 * object, a directory and a reader for each cost as much as decoding their columns did.
 */
export function decodeChunks(
  blob: Uint8Array,
  ncols: number,
  wanted: readonly number[],
  pool: Array<Float64Array | undefined>,
  visit: (chunk: DecodedChunk) => void
): void {
  const chunk: DecodedChunk = { n: 0, cols: new Array<Float64Array | undefined>(ncols) };
  const views = new Array<Float64Array | undefined>(ncols);
  let at = 0;
  while (at < blob.length) {
    const end = decodeAt(blob, at, ncols, wanted, pool, chunk, views);
    if (end > blob.length) {
      throw new CodecError(`chunk at byte ${at} runs past the end (${end} > ${blob.length})`);
    }
    visit(chunk);
    at = end;
  }
}

/** A chunk's directory: column c is bytes [base + offsets[c], base + offsets[c + 1]) (reused by every decode). */
let offsets: number[] = [0];
/** Where the directory reader stands in the blob (dirVarint). */
let pos = 0;

/** A damaged poll count must not allocate gigabytes; no chunk comes near this (an hour at a poll a second is 3,600). */
const MAX_POLLS = 1 << 24;

/** The directory readDirectory read last: the chunk's poll count, its stored columns, where they start. */
let dirN = 0;
let dirStored = 0;
let dirBase = 0;

/** Reads the directory of the chunk at `start` (into offsets and dir*) and returns where the chunk ends. */
function readDirectory(blob: Uint8Array, start: number): number {
  pos = start;
  checkFormat(dirByte(blob));
  const n = dirVarint(blob);
  const stored = dirVarint(blob);
  if (n > MAX_POLLS) {
    throw new CodecError(`chunk says it holds ${n} polls`);
  }
  // Every length takes a byte at least: a longer count is damage, not a reason to allocate.
  if (stored > blob.length - pos) {
    throw new CodecError('chunk ends early');
  }
  if (offsets.length < stored + 1) {
    offsets = new Array<number>(2 * (stored + 1)).fill(0);
  }
  let at = 0;
  for (let c = 0; c < stored; c++) {
    offsets[c] = at;
    at += dirVarint(blob);
  }
  offsets[stored] = at;
  dirN = n;
  dirStored = stored;
  dirBase = pos;
  return pos + at;
}

/** Decodes column c of the chunk whose directory was read last into out[outAt, outAt + n). */
function decodeStored(blob: Uint8Array, c: number, out: Float64Array, outAt: number): Float64Array {
  const n = dirN;
  if (c >= dirStored) {
    return out.fill(NaN, outAt, outAt + n);
  }
  return decodeColumn(blob, n, out, dirBase + offsets[c]!, dirBase + offsets[c + 1]!, outAt);
}

/** Reads the chunk at `start` into `chunk` (its columns undefined unless wanted) and returns where it ends. */
function decodeAt(
  blob: Uint8Array,
  start: number,
  ncols: number,
  wanted: readonly number[] | undefined,
  pool: Array<Float64Array | undefined> | undefined,
  chunk: DecodedChunk,
  views?: Array<Float64Array | undefined>
): number {
  const end = readDirectory(blob, start);
  const n = dirN;
  chunk.n = n;
  chunk.cols.fill(undefined);
  if (end > blob.length) {
    return end;
  }
  const cols = chunk.cols;
  const count = wanted ? wanted.length : ncols;
  for (let k = 0; k < count; k++) {
    const c = wanted ? wanted[k]! : k;
    cols[c] = decodeStored(blob, c, arrayFor(c, n, pool, views), 0);
  }
  return end;
}

/**
 * Decodes the `wanted` columns of every chunk in `blob` (joined as decodeChunks reads them) end to
 * end, as one chunk: for a reader that adds values up in any order, one call per camera rather
 * than a visit per chunk. The columns are views of the pool's arrays (grown as needed): use them
 * before the next call.
 */
export function decodeJoined(
  blob: Uint8Array,
  ncols: number,
  wanted: readonly number[],
  pool: Array<Float64Array | undefined>
): DecodedChunk {
  let total = 0;
  let at = 0;
  while (at < blob.length) {
    const end = readDirectory(blob, at);
    if (end > blob.length) {
      throw new CodecError(`chunk at byte ${at} runs past the end (${end} > ${blob.length})`);
    }
    const n = dirN;
    for (let k = 0; k < wanted.length; k++) {
      const c = wanted[k]!;
      let buf = pool[c];
      if (!buf || buf.length < total + n) {
        const grown = new Float64Array(Math.max(total + n, 2 * (buf?.length ?? 0)));
        if (buf) {
          grown.set(buf.subarray(0, total));
        }
        buf = pool[c] = grown;
      }
      decodeStored(blob, c, buf, total);
    }
    total += n;
    at = end;
  }
  const cols = new Array<Float64Array | undefined>(ncols);
  for (const c of wanted) {
    cols[c] = (pool[c] ?? new Float64Array(0)).subarray(0, total);
  }
  return { n: total, cols };
}

/**
 * Where column c of n values decodes: a fresh array, or a view of the pool's (grown as needed),
 * the same view again while chunks keep their length (most do: one object less per column and chunk).
 */
function arrayFor(
  c: number,
  n: number,
  pool: Array<Float64Array | undefined> | undefined,
  views: Array<Float64Array | undefined> | undefined
): Float64Array {
  if (!pool) {
    return new Float64Array(n);
  }
  let buf = pool[c];
  if (!buf || buf.length < n) {
    buf = pool[c] = new Float64Array(Math.max(n, 2 * (buf?.length ?? 0)));
  }
  const last = views?.[c];
  if (last && last.length === n && last.buffer === buf.buffer) {
    return last;
  }
  const view = buf.subarray(0, n);
  if (views) {
    views[c] = view;
  }
  return view;
}

function dirByte(blob: Uint8Array): number {
  if (pos >= blob.length) {
    throw new CodecError('chunk ends early');
  }
  return blob[pos++]!;
}

/** An unsigned varint of the directory (as ByteReader.varint, without a reader per chunk). */
function dirVarint(blob: Uint8Array): number {
  let u = 0;
  let scale = 1;
  for (;;) {
    const b = dirByte(blob);
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

function checkFormat(b: number): void {
  if (b !== FORMAT) {
    throw new CodecError(`unknown chunk format ${b}`);
  }
}
