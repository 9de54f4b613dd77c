/**
 * A small data-frame model and its two wire encodings: Arrow IPC *file* format for QueryData
 * (what the SDK's arrow reader accepts: explicit schema, Utf8 never dictionary-encoded,
 * Timestamp(NANOSECOND)), and Grafana's frame JSON for stream packets.
 */
import {
  Bool,
  Field as ArrowField,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { fixedColumnsToArrowFile, type FixedColumn } from './arrow-file.ts';

export type FieldType = 'time' | 'number' | 'int' | 'string' | 'boolean';

export interface FrameField {
  name: string;
  type: FieldType;
  /**
   * time: epoch ms; number/int: number; string; boolean. null where unknown (then nullable is
   * implied). Or, for time and number fields, a Float64Array with NaN where unknown.
   */
  values: unknown[] | Float64Array;
  nullable?: boolean;
  labels?: Record<string, string>;
  config?: Record<string, unknown>;
}

export interface Frame {
  name?: string;
  refId?: string;
  meta?: Record<string, unknown>;
  fields: FrameField[];
}

/** Whether a value stands for "unknown": null, undefined, or NaN in a Float64Array. */
function missing(values: unknown[] | Float64Array, i: number): boolean {
  const v = values[i];
  return v === null || v === undefined || (values instanceof Float64Array && v !== v);
}

/** Plain values (null where unknown), whatever the field holds. */
function plainValues(f: FrameField): unknown[] {
  return f.values instanceof Float64Array ? Array.from(f.values, (v) => (v === v ? v : null)) : f.values;
}

function isNullable(f: FrameField): boolean {
  if (f.nullable !== undefined) {
    return f.nullable;
  }
  for (let i = 0; i < f.values.length; i++) {
    if (missing(f.values, i)) {
      return true;
    }
  }
  return false;
}

function arrowType(t: FieldType): DataType {
  switch (t) {
    case 'time':
      return new TimestampNanosecond();
    case 'number':
      return new Float64();
    case 'int':
      return new Int64();
    case 'string':
      return new Utf8();
    case 'boolean':
      return new Bool();
  }
}

function arrowValues(f: FrameField): unknown[] {
  // Int64 vectors take bigint; everything else takes plain JS values (time as epoch ms).
  const values = plainValues(f);
  if (f.type === 'int') {
    return values.map((v) => (v === null || v === undefined ? null : BigInt(Math.trunc(Number(v)))));
  }
  return values.map((v) => (v === undefined ? null : v));
}

/** Validity bits (Arrow: one per value, least significant first, 1 = present), or null when every value is present. */
function validity(values: unknown[] | Float64Array): { bitmap: Uint8Array | undefined; nulls: number } {
  let bitmap: Uint8Array | undefined;
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    if (missing(values, i)) {
      if (!bitmap) {
        bitmap = new Uint8Array((values.length + 7) >> 3).fill(255);
      }
      bitmap[i >> 3]! &= ~(1 << (i & 7));
      nulls++;
    }
  }
  return { bitmap, nulls };
}

/** validity() of a typed column, where NaN is missing (the loop the metrics answer runs per point). */
function nanValidity(values: Float64Array): { bitmap: Uint8Array | undefined; nulls: number } {
  let bitmap: Uint8Array | undefined;
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x !== x) {
      bitmap ??= new Uint8Array((values.length + 7) >> 3).fill(255);
      bitmap[i >> 3]! &= ~(1 << (i & 7));
      nulls++;
    }
  }
  return { bitmap, nulls };
}

/**
 * Time columns already encoded, by array: a metrics answer's frames share one bucket array
 * (metrics.ts), so a thousand frames convert it (BigInt arithmetic per value) and find its nulls
 * once. What the array held is kept beside (a byte copy of a typed array, whose comparison is one
 * memcmp; the milliseconds of a plain one), so that an array changed since is converted again.
 */
interface TimeColumn {
  ns: BigInt64Array;
  bitmap: Uint8Array | undefined;
  nulls: number;
}
const timeCache = new WeakMap<object, TimeColumn & { held: Buffer | Float64Array; live?: Buffer }>();

const msOf = (v: unknown): number => (v === null || v === undefined || v !== v ? 0 : Math.trunc(Number(v)));

/** A byte view of a typed array (kept with its cache entry: views cost more than comparing). */
const bytesOf = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function unchanged(entry: { held: Buffer | Float64Array; live?: Buffer }, values: unknown[] | Float64Array): boolean {
  const { held, live } = entry;
  if (live) {
    return held instanceof Buffer && held.equals(live);
  }
  if (held instanceof Buffer || held.length !== values.length) {
    return false;
  }
  for (let i = 0; i < values.length; i++) {
    if (held[i] !== msOf(values[i])) {
      return false;
    }
  }
  return true;
}

function timeColumn(values: unknown[] | Float64Array): TimeColumn {
  const hit = timeCache.get(values);
  if (hit && unchanged(hit, values)) {
    return hit;
  }
  const ms = Float64Array.from({ length: values.length }, (_, i) => msOf(values[i]));
  const ns = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    ns[i] = BigInt(ms[i]!) * 1_000_000n;
  }
  const { bitmap, nulls } = values instanceof Float64Array ? nanValidity(values) : validity(values);
  if (values instanceof Float64Array) {
    const live = bytesOf(values);
    timeCache.set(values, { ns, bitmap, nulls, held: Buffer.from(live), live });
  } else {
    timeCache.set(values, { ns, bitmap, nulls, held: ms });
  }
  return { ns, bitmap, nulls };
}

/** A number field's float64 values and nulls. */
function numberColumn(
  f: FrameField,
  length: number
): { data: Float64Array; bitmap: Uint8Array | undefined; nulls: number } {
  if (f.values instanceof Float64Array) {
    // Taken as it is: a NaN slot is marked missing, and what a missing slot holds is not read.
    return { data: f.values, ...nanValidity(f.values) };
  }
  const data = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    data[i] = missing(f.values, i) ? 0 : (f.values[i] as number);
  }
  return { data, ...validity(f.values) };
}

/**
 * A field's Arrow data. Numbers and times go straight from the values into typed arrays (Arrow's
 * own builders, used for the other types, cost more than the rest of a metrics answer).
 */
function fieldData(f: FrameField, length: number) {
  if (f.type === 'number') {
    const { data, bitmap, nulls } = numberColumn(f, length);
    return makeData({ type: new Float64(), length, nullCount: nulls, nullBitmap: bitmap, data });
  }
  if (f.type === 'time') {
    const { ns, bitmap, nulls } = timeColumn(f.values);
    return makeData({ type: new TimestampNanosecond(), length, nullCount: nulls, nullBitmap: bitmap, data: ns });
  }
  return vectorFromArray(arrowValues(f), arrowType(f.type)).data[0]!;
}

/** Grafana's field metadata: labels and config as JSON, when there are any. */
function fieldMetadata(f: FrameField): Array<[string, string]> {
  const md: Array<[string, string]> = [];
  if (f.labels && Object.keys(f.labels).length > 0) {
    md.push(['labels', JSON.stringify(f.labels)]);
  }
  if (f.config && Object.keys(f.config).length > 0) {
    md.push(['config', JSON.stringify(f.config)]);
  }
  return md;
}

/** Grafana's schema metadata: name and refId always, meta as JSON. */
function schemaMetadata(frame: Frame): Array<[string, string]> {
  const md: Array<[string, string]> = [
    ['name', frame.name ?? ''],
    ['refId', frame.refId ?? ''],
  ];
  if (frame.meta) {
    md.push(['meta', JSON.stringify(frame.meta)]);
  }
  return md;
}

/** A time or number field as a fixed-width column (the same values, nulls and nullability as fieldData). */
function fixedColumn(f: FrameField, length: number): FixedColumn {
  const described = (bitmap: Uint8Array | undefined, nulls: number) => ({
    name: f.name,
    nullable: f.nullable ?? nulls > 0,
    metadata: fieldMetadata(f),
    validity: bitmap,
    nullCount: nulls,
  });
  if (f.type === 'time') {
    const { ns, bitmap, nulls } = timeColumn(f.values);
    return { ...described(bitmap, nulls), type: 'time', values: ns };
  }
  const { data, bitmap, nulls } = numberColumn(f, length);
  return { ...described(bitmap, nulls), type: 'number', values: data };
}

function checkLengths(frame: Frame): number {
  const length = frame.fields[0]?.values.length ?? 0;
  for (const f of frame.fields) {
    if (f.values.length !== length) {
      throw new Error(`frame ${frame.name ?? ''}: field ${f.name} has ${f.values.length} values, expected ${length}`);
    }
  }
  return length;
}

/** Encode one frame as Arrow IPC file bytes, as Grafana's QueryData expects. */
export function frameToArrow(frame: Frame): Uint8Array {
  // Frames of times and numbers only (every metrics answer) take the direct writer.
  if (frame.fields.every((f) => f.type === 'time' || f.type === 'number')) {
    const length = checkLengths(frame);
    return fixedColumnsToArrowFile(
      frame.fields.map((f) => fixedColumn(f, length)),
      length,
      schemaMetadata(frame)
    );
  }
  return frameToArrowGeneric(frame);
}

/**
 * Any frame through apache-arrow's writer: the path for strings, ints and booleans, and the
 * reference the direct writer is tested and benchmarked against.
 */
export function frameToArrowGeneric(frame: Frame): Uint8Array {
  const length = checkLengths(frame);
  const arrowFields = frame.fields.map(
    (f) => new ArrowField(f.name, arrowType(f.type), isNullable(f), new Map(fieldMetadata(f)))
  );
  const schema = new Schema(arrowFields, new Map(schemaMetadata(frame)));
  const children = frame.fields.map((f) => fieldData(f, length));
  const data = makeData({ type: new Struct(arrowFields), length, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, data)]), 'file');
}

const jsonType: Record<FieldType, { type: string; frame: string }> = {
  time: { type: 'time', frame: 'time.Time' },
  number: { type: 'number', frame: 'float64' },
  int: { type: 'number', frame: 'int64' },
  string: { type: 'string', frame: 'string' },
  boolean: { type: 'boolean', frame: 'bool' },
};

/** The schema part of Grafana's frame JSON. */
export function frameSchemaJSON(frame: Frame): Record<string, unknown> {
  return {
    ...(frame.name ? { name: frame.name } : {}),
    ...(frame.refId ? { refId: frame.refId } : {}),
    ...(frame.meta ? { meta: frame.meta } : {}),
    fields: frame.fields.map((f) => ({
      name: f.name,
      type: jsonType[f.type].type,
      typeInfo: { frame: jsonType[f.type].frame, ...(isNullable(f) ? { nullable: true } : {}) },
      ...(f.labels && Object.keys(f.labels).length > 0 ? { labels: f.labels } : {}),
      ...(f.config && Object.keys(f.config).length > 0 ? { config: f.config } : {}),
    })),
  };
}

function jsonValue(v: unknown): unknown {
  if (v === undefined) {
    return null;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    return null;
  }
  return v;
}

/**
 * Grafana's frame JSON: `{schema, data}`; a stream sends the schema with its first packet and
 * data only afterwards (`withSchema` false).
 */
export function frameToJSON(frame: Frame, withSchema = true): Buffer {
  // The SDK's reader wants "schema" before "data" (it streams the object in that order).
  const data = { values: frame.fields.map((f) => plainValues(f).map(jsonValue)) };
  return Buffer.from(JSON.stringify(withSchema ? { schema: frameSchemaJSON(frame), data } : { data }));
}
