/**
 * The direct Arrow writer (arrow-file.ts, chosen by frameToArrow for frames of times and numbers)
 * against apache-arrow's writer (frameToArrowGeneric): generated frames decode with apache-arrow's
 * reader to the same schema, values and nulls, and to what the frame said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageHeader, MessageReader, tableFromIPC, type Table } from 'apache-arrow';
import { fixedColumnsToArrowFile } from '../../src/grafana/arrow-file.ts';
import { frameToArrow, frameToArrowGeneric, type Frame, type FrameField } from '../../src/grafana/frame.ts';
import { seeded } from '../helpers/realistic-polls.ts';

/** Everything apache-arrow's reader says about a file, in comparable form (-0, NaN and int64 kept exact). */
function decoded(bytes: Uint8Array) {
  const t: Table = tableFromIPC(bytes);
  const cell = (x: unknown): string => (typeof x === 'bigint' ? `${x}n` : Object.is(x, -0) ? '-0' : String(x));
  return {
    metadata: [...t.schema.metadata].sort(),
    fields: t.schema.fields.map((f) => ({
      name: f.name,
      type: String(f.type),
      typeId: f.typeId,
      timezone: (f.type as { timezone?: string | null }).timezone ?? null,
      nullable: f.nullable,
      metadata: [...f.metadata].sort(),
    })),
    rows: t.numRows,
    batches: t.batches.length,
    columns: t.schema.fields.map((_, c) => {
      const v = t.getChildAt(c)!;
      // Raw values (a timestamp's get() is milliseconds as a number): the int64 nanoseconds themselves.
      const raw = v.data.flatMap((d) => Array.from(d.values as ArrayLike<unknown>).slice(0, d.length));
      return { nulls: v.nullCount, cells: raw.map((x, i) => (v.isValid(i) ? cell(x) : null)) };
    }),
  };
}

/** What the frame itself says each cell is: null where unknown, else the value (times as epoch ns). */
function expectedCells(f: FrameField): Array<string | null> {
  const typed = f.values instanceof Float64Array;
  return Array.from(f.values as ArrayLike<unknown>, (v) => {
    if (v === null || v === undefined || (typed && Number.isNaN(v))) {
      return null;
    }
    if (f.type === 'time') {
      return `${BigInt(Math.trunc(v as number)) * 1_000_000n}n`;
    }
    return Object.is(v, -0) ? '-0' : String(v);
  });
}

const CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  'é',
  'ß',
  '日',
  '本',
  '😀',
  '👩‍💻',
  'e\u0301',
  '\u200b',
  '\u0000',
  '\n',
  '\ud800',
];

function generator(seed: number) {
  const rnd = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const text = (max: number): string =>
    Array.from({ length: Math.floor(rnd() * max) }, () => (rnd() < 0.6 ? pick(CHARS.slice(0, 4)) : pick(CHARS))).join(
      ''
    );
  const longText = (): string => (rnd() < 0.08 ? text(8).repeat(2000) : text(24));
  const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE, -1e300, 1, 2 ** 53 + 2];

  function numberField(name: string, rows: number): FrameField {
    const typed = rnd() < 0.6;
    const nullRate = pick([0, 0, 0.1, 0.5, 1]);
    const values = Array.from({ length: rows }, () =>
      rnd() < nullRate ? (typed ? NaN : pick([null, undefined])) : rnd() < 0.15 ? pick(SPECIAL) : (rnd() - 0.5) * 1e3
    );
    const f: FrameField = {
      name,
      type: 'number',
      values: typed ? Float64Array.from(values, (v) => v ?? NaN) : (values as unknown[]),
    };
    const hasNulls = values.some((v) => v === null || v === undefined || (typed && Number.isNaN(v)));
    const nullable = pick([undefined, true, hasNulls ? undefined : false]);
    if (nullable !== undefined) {
      f.nullable = nullable;
    }
    if (rnd() < 0.7) {
      f.labels = Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [text(10), longText()]));
    }
    if (rnd() < 0.7) {
      f.config =
        rnd() < 0.5
          ? {}
          : { displayNameFromDS: longText(), unit: pick(['ms', 'dBm', '%']), custom: { x: [1, text(5)] } };
    }
    return f;
  }

  function timeField(rows: number): FrameField {
    const base = pick([1_700_000_000_000, 1_765_000_000_000, -86_400_000, 0]);
    const step = pick([1000, 30_000, 90_000, 0.5]);
    const nulls = rnd() < 0.25;
    const values = Array.from({ length: rows }, (_, i) => (nulls && rnd() < 0.3 ? null : base + i * step));
    const typed = rnd() < 0.6;
    return {
      name: rnd() < 0.8 ? 'time' : text(6),
      type: 'time',
      values: typed ? Float64Array.from(values, (v) => v ?? NaN) : values,
      ...(nulls ? { nullable: true } : rnd() < 0.5 ? { nullable: false } : {}),
    };
  }

  return (): Frame => {
    const rows = pick([0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 960]);
    const fields: FrameField[] = [];
    if (rnd() < 0.85) {
      fields.push(timeField(rows));
    }
    const numbers = Math.floor(rnd() * 4) + (fields.length === 0 ? 1 : 0);
    for (let i = 0; i < numbers; i++) {
      fields.push(numberField(rnd() < 0.3 ? text(12) : `v${i}`, rows));
    }
    const frame: Frame = { fields };
    if (rnd() < 0.8) {
      frame.name = text(12);
    }
    if (rnd() < 0.8) {
      frame.refId = pick(['A', 'B', text(4)]);
    }
    if (rnd() < 0.7) {
      frame.meta = { type: pick(['timeseries-multi', 'timeseries-wide']), typeVersion: [0, 1], custom: longText() };
    }
    return frame;
  };
}

test('generated frames of times and numbers decode the same from the direct writer as from apache-arrow’s, and as the frame said', () => {
  const next = generator(23);
  for (let n = 0; n < 400; n++) {
    const frame = next();
    const context = `frame #${n}: ${frame.fields.length} fields, ${frame.fields[0]?.values.length ?? 0} rows`;
    const direct = decoded(frameToArrow(frame));
    const reference = decoded(frameToArrowGeneric(frame));
    frame.fields.forEach((f, i) => {
      if (f.name === '') {
        // apache-arrow's writer leaves an empty name out, and its reader then names the field
        // "null" (Go's reader: ""); the direct writer writes "".
        assert.equal(direct.fields[i]!.name, '', context);
        reference.fields[i]!.name = '';
      }
    });
    assert.deepEqual(direct, reference, context);
    assert.deepEqual(
      direct.columns.map((c) => c.cells),
      frame.fields.map(expectedCells),
      context
    );
    assert.deepEqual(
      direct.fields.map((f) => f.type),
      frame.fields.map((f) => (f.type === 'time' ? 'Timestamp<NANOSECOND>' : 'Float64')),
      context
    );
  }
});

test('edge frames: no fields, all null, no null, 1 row, megabytes of metadata, unicode, several value fields', () => {
  const times = Float64Array.of(1_700_000_000_000, 1_700_000_060_000, 1_700_000_120_000);
  const frames: Frame[] = [
    { fields: [] },
    { name: 'n', refId: 'A', fields: [{ name: 'time', type: 'time', values: [] }] },
    {
      fields: [
        { name: 'time', type: 'time', values: [1_700_000_000_000] },
        { name: 'v', type: 'number', values: [-0] },
      ],
    },
    {
      fields: [
        { name: 'time', type: 'time', values: [null, null, null] },
        { name: 'all null', type: 'number', values: Float64Array.of(NaN, NaN, NaN) },
        { name: 'all null too', type: 'number', values: [null, undefined, null] },
      ],
    },
    // Metadata past the size the writer keeps its builders at, then frames after it.
    {
      meta: { note: 'm'.repeat(3_000_000) },
      fields: [{ name: 'v', type: 'number', values: [1], labels: { long: 'l'.repeat(2_000_000) } }],
    },
    {
      name: 'カメラ 😀',
      refId: 'Ω',
      meta: { note: 'x'.repeat(100_000), emoji: '👩‍💻' },
      fields: [
        { name: 'time', type: 'time', values: times, nullable: false },
        ...['latency_ms', 'latency_ms_min', 'latency_ms_max'].map(
          (name, k): FrameField => ({
            name,
            type: 'number',
            values: Float64Array.of(k, Infinity, -Infinity),
            nullable: true,
            labels: { camera_id: 'cam1', camera_name: 'Küche 日本', stat: String(k) },
            config: { displayNameFromDS: `Küche ${name}`, unit: 'ms' },
          })
        ),
      ],
    },
  ];
  for (const [n, frame] of frames.entries()) {
    assert.deepEqual(decoded(frameToArrow(frame)), decoded(frameToArrowGeneric(frame)), `edge frame #${n}`);
  }
  const wide = decoded(frameToArrow(frames[5]!));
  assert.equal(wide.metadata.find(([k]) => k === 'meta')![1].length > 100_000, true);
  assert.deepEqual(wide.columns[2]!.cells, ['1', 'Infinity', '-Infinity']);
});

test('the file holds a Schema message, then a RecordBatch (V5, 8-aligned buffers), EOS, and a footer pointing at the batch', () => {
  const frame: Frame = {
    name: 'latency_ms',
    refId: 'A',
    fields: [
      { name: 'time', type: 'time', values: Float64Array.from({ length: 13 }, (_, i) => 1_700_000_000_000 + i) },
      { name: 'v', type: 'number', values: Float64Array.from({ length: 13 }, (_, i) => (i % 4 ? i : NaN)) },
    ],
  };
  const bytes = frameToArrow(frame);
  const text = (a: number, b: number) => Buffer.from(bytes.subarray(a, b)).toString('latin1');
  assert.equal(text(0, 8), 'ARROW1\0\0');
  assert.equal(text(bytes.length - 6, bytes.length), 'ARROW1');

  // The stream part (after the magic) read as an Arrow stream: schema, batch, end of stream.
  const reader = new MessageReader(bytes.subarray(8));
  const schema = reader.readMessage()!;
  assert.equal(schema.headerType, MessageHeader.Schema);
  assert.equal(schema.version, 4, 'MetadataVersion V5');
  const batch = reader.readMessage(MessageHeader.RecordBatch)!;
  assert.equal(batch.headerType, MessageHeader.RecordBatch);
  const header = batch.header()!;
  assert.equal(header.length, 13);
  assert.deepEqual(
    header.nodes.map((n) => [n.length, n.nullCount]),
    [
      [13, 0],
      [13, 4],
    ]
  );
  for (const b of header.buffers) {
    assert.equal(b.offset % 8, 0, `buffer at ${b.offset} is 8-aligned`);
  }
  assert.deepEqual(
    header.buffers.map((b) => b.length),
    [0, 13 * 8, 8, 13 * 8]
  );
  assert.equal(batch.bodyLength, 13 * 8 * 2 + 8);
  reader.readMessageBody(batch.bodyLength);
  assert.equal(reader.readMessage(), null, 'end of stream');
  assert.deepEqual(decoded(bytes.subarray(8)), decoded(bytes), 'the stream part says what the file says');

  // The footer's length sits before the closing magic; its block is the batch's message.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLength = view.getInt32(bytes.length - 10, true);
  assert.ok(footerLength > 0 && footerLength < bytes.length);
  const footerAt = bytes.length - 10 - footerLength;
  assert.equal(footerAt % 8, 0);
  assert.deepEqual(
    [...bytes.subarray(footerAt - 8, footerAt)],
    [255, 255, 255, 255, 0, 0, 0, 0],
    'EOS before the footer'
  );
});

test('a file’s bytes depend only on its frame, whatever was encoded before, and its padding is zero', () => {
  const frame: Frame = {
    name: 'é',
    fields: [
      { name: 'time', type: 'time', values: Float64Array.from({ length: 13 }, (_, i) => 1_700_000_000_000 + i) },
      { name: 'v', type: 'number', values: Float64Array.from({ length: 13 }, (_, i) => (i % 3 ? i : NaN)) },
    ],
  };
  const first = Buffer.from(frameToArrow(frame));
  const next = generator(7);
  for (let i = 0; i < 300; i++) {
    frameToArrow(next());
  }
  const again = frameToArrow(frame);
  assert.ok(Buffer.from(again).equals(first));
  assert.deepEqual([...again.subarray(6, 8)], [0, 0], 'after the magic');
  // The validity bitmap of 13 rows is 2 bytes, padded to 8.
  const reader = new MessageReader(again.subarray(8));
  assert.equal(reader.readMessage()!.headerType, MessageHeader.Schema);
  const batch = reader.readMessage(MessageHeader.RecordBatch)!;
  const validity = batch.header()!.buffers[2]!;
  assert.equal(validity.length, 8);
  const body = reader.readMessageBody(batch.bodyLength);
  assert.deepEqual([...body.subarray(validity.offset + 2, validity.offset + 8)], [0, 0, 0, 0, 0, 0]);
});

test('a shared typed time column changed in place is converted again', () => {
  const times = Float64Array.of(1_700_000_000_000, 1_700_000_060_000);
  const frame = (): Frame => ({ fields: [{ name: 'time', type: 'time', values: times }] });
  const ns = (f: Frame) => decoded(frameToArrow(f)).columns[0]!.cells;
  assert.deepEqual(ns(frame()), ['1700000000000000000n', '1700000060000000000n']);
  times[1] = NaN;
  assert.deepEqual(ns(frame()), ['1700000000000000000n', null]);
  times[1] = 1_800_000_000_000;
  assert.deepEqual(ns(frame()), ['1700000000000000000n', '1800000000000000000n']);
});

test('the direct writer refuses columns shorter than the batch, and nulls without a bitmap', () => {
  const column = {
    name: 'v',
    type: 'number' as const,
    nullable: true,
    metadata: [],
    values: new Float64Array(3),
    validity: undefined,
    nullCount: 0,
  };
  assert.throws(() => fixedColumnsToArrowFile([column], 4, []), /column v has 3 values, expected 4/);
  assert.throws(
    () => fixedColumnsToArrowFile([{ ...column, nullCount: 1 }], 3, []),
    /column v has 1 nulls but no validity bitmap/
  );
  assert.throws(
    () => fixedColumnsToArrowFile([{ ...column, nullCount: 1, validity: new Uint8Array(0) }], 3, []),
    /no validity bitmap for 3 rows/
  );
});
