/**
 * An Arrow IPC *file* writer for frames of fixed-width columns only: Timestamp(NANOSECOND) and
 * Float64, each with an optional validity bitmap. A metrics answer is a thousand such frames, and
 * apache-arrow's general writer (tables, visitors, copies) cost more than the rest of the answer
 * bar the store; this one lays the bytes out directly into one buffer.
 *
 * Layout (Arrow columnar format, metadata version V5): "ARROW1" and two bytes of padding, the
 * Schema message, the RecordBatch message and its body, the end-of-stream marker, the Footer
 * (schema again, and the record batch's Block), the footer's length, "ARROW1". Messages are
 * encapsulated (0xFFFFFFFF, metadata length, flatbuffer, padding to 8); body buffers are 8-aligned.
 */
import { Builder } from 'flatbuffers';

/** One column of 8 bytes a row (time: epoch nanoseconds; number: float64); `validity` bit i = 1 when row i is present. */
export type FixedColumn = {
  name: string;
  nullable: boolean;
  /** Field metadata (Grafana: `labels`, `config` as JSON). */
  metadata: ReadonlyArray<readonly [string, string]>;
  /** Present when `nullCount` > 0: at least ceil(length / 8) bytes, least significant bit first. */
  validity: Uint8Array | undefined;
  nullCount: number;
} & ({ type: 'time'; values: BigInt64Array } | { type: 'number'; values: Float64Array });

// Flatbuffer enum values and union tags from Arrow's Schema.fbs, Message.fbs and File.fbs.
const METADATA_V5 = 4;
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;
const TYPE_FLOATING_POINT = 3;
const TYPE_TIMESTAMP = 10;
const PRECISION_DOUBLE = 2;
const UNIT_NANOSECOND = 3;

const MAGIC = new TextEncoder().encode('ARROW1');
const CONTINUATION = -1; // 0xFFFFFFFF

const pad8 = (n: number): number => (n + 7) & ~7;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string; ASCII (names, labels, JSON, mostly) without TextEncoder's per-call cost. */
function utf8(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      return encoder.encode(s);
    }
    out[i] = c;
  }
  return out;
}

/** Grafana's metadata keys, encoded once. */
const KEYS = new Map(['name', 'refId', 'meta', 'labels', 'config'].map((k) => [k, utf8(k)]));

/** Writes a non-negative integer below 2^53 as a little-endian int64 (the builder writes backwards: high word first). */
function writeInt64(b: Builder, n: number): void {
  b.writeInt32(Math.floor(n / 0x1_0000_0000));
  b.writeInt32(n >>> 0);
}

/** A table's int64 field without a bigint (Builder.addFieldInt64 takes one). */
function addFieldInt64(b: Builder, slot: number, n: number): void {
  if (n !== 0) {
    b.prep(8, 0);
    writeInt64(b, n);
    b.slot(slot);
  }
}

function offsetVector(b: Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) {
    b.addOffset(offsets[i]!);
  }
  return b.endVector();
}

/** A [KeyValue] vector, or 0 (absent, which readers take as empty) when there are none. */
function keyValues(b: Builder, pairs: ReadonlyArray<readonly [string, string]>): number {
  if (pairs.length === 0) {
    return 0;
  }
  const offsets = pairs.map(([k, v]) => {
    const key = b.createString(KEYS.get(k) ?? utf8(k));
    const value = b.createString(utf8(v));
    b.startObject(2);
    b.addFieldOffset(0, key, 0);
    b.addFieldOffset(1, value, 0);
    return b.endObject();
  });
  return offsetVector(b, offsets);
}

/** A type table, one for all fields of that type in a flatbuffer (tables may be shared). */
function typeTable(b: Builder, type: FixedColumn['type'], shared: Map<string, number>): number {
  let at = shared.get(type);
  if (at === undefined) {
    // Timestamp: unit 0, timezone 1 (none); FloatingPoint: precision 0.
    b.startObject(2);
    b.addFieldInt16(0, type === 'time' ? UNIT_NANOSECOND : PRECISION_DOUBLE, 0);
    at = b.endObject();
    shared.set(type, at);
  }
  return at;
}

/** Schema table: endianness (Little, the default) 0, fields 1, custom_metadata 2. */
function schemaTable(
  b: Builder,
  columns: readonly FixedColumn[],
  schemaMetadata: ReadonlyArray<readonly [string, string]>
): number {
  const types = new Map<string, number>();
  const fields = columns.map((c) => {
    const name = b.createString(utf8(c.name));
    const type = typeTable(b, c.type, types);
    const metadata = keyValues(b, c.metadata);
    // Field: name 0, nullable 1, type_type 2, type 3, dictionary 4, children 5 (none), custom_metadata 6.
    b.startObject(7);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt8(1, c.nullable ? 1 : 0, 0);
    b.addFieldInt8(2, c.type === 'time' ? TYPE_TIMESTAMP : TYPE_FLOATING_POINT, 0);
    b.addFieldOffset(3, type, 0);
    b.addFieldOffset(6, metadata, 0);
    return b.endObject();
  });
  const fieldVector = offsetVector(b, fields);
  const metadata = keyValues(b, schemaMetadata);
  b.startObject(4);
  b.addFieldOffset(1, fieldVector, 0);
  b.addFieldOffset(2, metadata, 0);
  return b.endObject();
}

/**
 * Copies what `source` has built since clear() (one table and what it references, vtables included:
 * one run of bytes at the buffer's end) into `target`, and returns the table's offset there. The
 * schema is built once per file and copied from the footer's flatbuffer into the Schema message's:
 * flatbuffer offsets are relative, so the bytes move as they are, provided their 8-byte alignment,
 * counted from the buffer's end as the builder counts it, is kept. The copy sits in a byte vector
 * whose length prefix nothing reads.
 */
function copyBuilt(target: Builder, source: Builder, table: number): number {
  source.prep(8, 0);
  const size = source.offset();
  const bb = source.dataBuffer();
  target.prep(8, size);
  const end = target.offset();
  target.createByteVector(bb.bytes().subarray(bb.capacity() - size, bb.capacity()));
  return end + table;
}

/** Message table: version 0, header_type 1, header 2, bodyLength 3. */
function message(b: Builder, headerType: number, header: number, bodyLength: number): Uint8Array {
  b.startObject(5);
  b.addFieldInt16(0, METADATA_V5, 0);
  b.addFieldInt8(1, headerType, 0);
  b.addFieldOffset(2, header, 0);
  addFieldInt64(b, 3, bodyLength);
  b.finish(b.endObject());
  return b.asUint8Array();
}

interface BodyBuffer {
  offset: number;
  length: number;
}

/** RecordBatch table: length 0, nodes 1 (FieldNode structs), buffers 2 (Buffer structs). */
function recordBatch(b: Builder, length: number, columns: readonly FixedColumn[], buffers: BodyBuffer[]): number {
  b.startVector(16, columns.length, 8);
  for (let i = columns.length - 1; i >= 0; i--) {
    // FieldNode { length: long; null_count: long }, written backwards.
    b.prep(8, 16);
    writeInt64(b, columns[i]!.nullCount);
    writeInt64(b, length);
  }
  const nodes = b.endVector();
  b.startVector(16, buffers.length, 8);
  for (let i = buffers.length - 1; i >= 0; i--) {
    // Buffer { offset: long; length: long }
    b.prep(8, 16);
    writeInt64(b, buffers[i]!.length);
    writeInt64(b, buffers[i]!.offset);
  }
  const bufferVector = b.endVector();
  b.startObject(5);
  addFieldInt64(b, 0, length);
  b.addFieldOffset(1, nodes, 0);
  b.addFieldOffset(2, bufferVector, 0);
  return b.endObject();
}

/** Footer table: version 0, schema 1, dictionaries 2 (none), recordBatches 3 (Block structs). */
function footer(b: Builder, schema: number, block: { offset: number; metaDataLength: number; bodyLength: number }) {
  b.startVector(24, 1, 8);
  // Block { offset: long; metaDataLength: int; (4 bytes padding) bodyLength: long }, written backwards.
  b.prep(8, 24);
  writeInt64(b, block.bodyLength);
  b.pad(4);
  b.writeInt32(block.metaDataLength);
  writeInt64(b, block.offset);
  const batches = b.endVector();
  b.startObject(5);
  b.addFieldInt16(0, METADATA_V5, 0);
  b.addFieldOffset(1, schema, 0);
  b.addFieldOffset(3, batches, 0);
  b.finish(b.endObject());
  return b.asUint8Array();
}

// One builder per flatbuffer of a file, reused (cleared) from file to file: encoding is synchronous.
// One grown past BUILDER_KEEP by a frame's long metadata is dropped after that file, not kept.
const BUILDER_KEEP = 1 << 20;
let schemaBuilder = new Builder(1024);
const batchBuilder = new Builder(1024);
let footerBuilder = new Builder(2048);

/** Bytes an encapsulated message's metadata takes: prefix, flatbuffer, padding to 8. */
const framed = (flatbuffer: Uint8Array): number => pad8(8 + flatbuffer.length);

function writeMessage(out: Uint8Array, at: number, flatbuffer: Uint8Array): void {
  const size = framed(flatbuffer);
  setInt32(out, at, CONTINUATION);
  setInt32(out, at + 4, size - 8);
  out.set(flatbuffer, at + 8);
}

/**
 * Files are carved from shared zeroed slabs (8-aligned), as Buffer's pool does for small buffers:
 * an ArrayBuffer of its own for each of a thousand frames cost more than building its flatbuffers.
 * A slab lives while any file carved from it does: an answer's files go out together. Every byte is
 * handed out once, so padding is zero without being written.
 */
const SLAB_BYTES = 1 << 20;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

function allocate(size: number): Uint8Array {
  if (size > SLAB_BYTES / 4) {
    return new Uint8Array(new ArrayBuffer(size));
  }
  if (slabUsed + size > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, size);
  slabUsed = pad8(slabUsed + size);
  return out;
}

/** A little-endian int32 (a DataView per file cost more than these few writes). */
function setInt32(out: Uint8Array, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >> 8;
  out[at + 2] = v >> 16;
  out[at + 3] = v >> 24;
}

/**
 * Encodes one record batch of `length` rows as an Arrow IPC file. Throws when a column's values or
 * validity are shorter than `length` says.
 */
export function fixedColumnsToArrowFile(
  columns: readonly FixedColumn[],
  length: number,
  schemaMetadata: ReadonlyArray<readonly [string, string]>
): Uint8Array {
  const bitmapBytes = (length + 7) >> 3;
  const buffers: BodyBuffer[] = [];
  let bodyLength = 0;
  for (const c of columns) {
    if (c.values.length < length) {
      throw new Error(`arrow: column ${c.name} has ${c.values.length} values, expected ${length}`);
    }
    const hasBitmap = c.nullCount > 0;
    if (hasBitmap && (c.validity === undefined || c.validity.length < bitmapBytes)) {
      throw new Error(`arrow: column ${c.name} has ${c.nullCount} nulls but no validity bitmap for ${length} rows`);
    }
    const validityLength = hasBitmap ? pad8(bitmapBytes) : 0;
    buffers.push({ offset: bodyLength, length: validityLength });
    bodyLength += validityLength;
    buffers.push({ offset: bodyLength, length: length * 8 });
    bodyLength += length * 8;
  }

  footerBuilder.clear();
  const footerSchema = schemaTable(footerBuilder, columns, schemaMetadata);
  schemaBuilder.clear();
  const schemaMessage = message(schemaBuilder, HEADER_SCHEMA, copyBuilt(schemaBuilder, footerBuilder, footerSchema), 0);
  batchBuilder.clear();
  const batchMessage = message(
    batchBuilder,
    HEADER_RECORD_BATCH,
    recordBatch(batchBuilder, length, columns, buffers),
    bodyLength
  );
  const batchOffset = 8 + framed(schemaMessage);
  const block = { offset: batchOffset, metaDataLength: framed(batchMessage), bodyLength };
  const footerBytes = footer(footerBuilder, footerSchema, block);

  const bodyAt = batchOffset + block.metaDataLength;
  const eosAt = bodyAt + bodyLength;
  const footerAt = eosAt + 8;
  const total = footerAt + footerBytes.length + 4 + MAGIC.length;
  const out = allocate(total);
  out.set(MAGIC, 0);
  writeMessage(out, 8, schemaMessage);
  writeMessage(out, batchOffset, batchMessage);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (c.nullCount > 0) {
      out.set(c.validity!.subarray(0, bitmapBytes), bodyAt + buffers[2 * i]!.offset);
    }
    out.set(new Uint8Array(c.values.buffer, c.values.byteOffset, length * 8), bodyAt + buffers[2 * i + 1]!.offset);
  }
  setInt32(out, eosAt, CONTINUATION);
  out.set(footerBytes, footerAt);
  setInt32(out, footerAt + footerBytes.length, footerBytes.length);
  out.set(MAGIC, footerAt + footerBytes.length + 4);
  if (schemaBuilder.dataBuffer().capacity() > BUILDER_KEEP) {
    schemaBuilder = new Builder(1024);
  }
  if (footerBuilder.dataBuffer().capacity() > BUILDER_KEEP) {
    footerBuilder = new Builder(2048);
  }
  return out;
}
