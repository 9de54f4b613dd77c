import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromIPC } from 'apache-arrow';
import { frameToArrow, frameToJSON, type Frame } from '../../src/grafana/frame.ts';

const frame: Frame = {
  name: 'latency_ms',
  refId: 'A',
  meta: { type: 'timeseries-multi' },
  fields: [
    { name: 'time', type: 'time', values: [1_700_000_000_000, 1_700_000_030_000] },
    { name: 'latency_ms', type: 'number', values: [12.5, null], labels: { camera_id: 'cam1' }, config: { unit: 'ms' } },
    { name: 'status', type: 'string', values: ['online', 'offline'] },
    { name: 'count', type: 'int', values: [3, 4] },
    { name: 'ok', type: 'boolean', values: [true, null] },
  ],
};

test('Arrow frames use the IPC file format, an explicit schema and nanosecond timestamps', () => {
  const bytes = frameToArrow(frame);
  const buf = Buffer.from(bytes);
  assert.equal(buf.subarray(0, 6).toString(), 'ARROW1');
  assert.equal(buf.subarray(buf.length - 6).toString(), 'ARROW1');
  const table = tableFromIPC(bytes);
  const types = table.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`);
  assert.deepEqual(types, [
    'time:Timestamp<NANOSECOND>:false',
    'latency_ms:Float64:true',
    'status:Utf8:false',
    'count:Int64:false',
    'ok:Bool:true',
  ]);
  assert.equal(table.schema.metadata.get('name'), 'latency_ms');
  assert.equal(table.schema.metadata.get('refId'), 'A');
  assert.deepEqual(JSON.parse(table.schema.metadata.get('meta')!), { type: 'timeseries-multi' });
  const lat = table.schema.fields[1];
  assert.deepEqual(JSON.parse(lat.metadata.get('labels')!), { camera_id: 'cam1' });
  assert.deepEqual(JSON.parse(lat.metadata.get('config')!), { unit: 'ms' });
  // The raw nanosecond value, as Grafana's reader sees it.
  const timeData = table.getChild('time')!.data[0].values as BigInt64Array;
  assert.equal(timeData[0], 1_700_000_000_000n * 1_000_000n);
  assert.equal(table.getChild('latency_ms')!.get(1), null);
  assert.equal(table.getChild('status')!.get(1), 'offline');
});

test('numbers and times keep their nulls past the first byte of validity bits, and a reused time array is read again', () => {
  const times: Array<number | null> = Array.from({ length: 19 }, (_, i) => 1_700_000_000_000 + i * 1000);
  times[17] = null;
  const values = Array.from({ length: 19 }, (_, i) => (i % 5 === 3 ? null : i === 4 ? NaN : i / 2));
  const encode = () =>
    tableFromIPC(
      frameToArrow({
        fields: [
          { name: 'time', type: 'time', values: times, nullable: true },
          { name: 'v', type: 'number', values },
        ],
      })
    );
  const t = encode();
  assert.deepEqual(
    Array.from({ length: 19 }, (_, i) => t.getChild('v')!.get(i)),
    values,
    'nulls where they were, NaN kept as a value'
  );
  assert.equal(t.getChild('time')!.get(17), null);
  assert.equal((t.getChild('time')!.data[0]!.values as BigInt64Array)[18], 1_700_000_018_000n * 1_000_000n);
  times[18] = 1_800_000_000_000;
  assert.equal((encode().getChild('time')!.data[0]!.values as BigInt64Array)[18], 1_800_000_000_000n * 1_000_000n);
});

test('typed time and number fields (NaN where unknown) encode as nulls, in Arrow and in frame JSON', () => {
  const typed: Frame = {
    fields: [
      { name: 'time', type: 'time', values: Float64Array.of(1_700_000_000_000, 1_700_000_060_000, 1_700_000_120_000) },
      { name: 'v', type: 'number', values: Float64Array.of(1.5, NaN, -2).subarray(0, 3) },
    ],
  };
  const t = tableFromIPC(frameToArrow(typed));
  assert.deepEqual(
    t.schema.fields.map((f) => `${f.name}:${f.nullable}`),
    ['time:false', 'v:true']
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => t.getChild('v')!.get(i)),
    [1.5, null, -2]
  );
  assert.equal((t.getChild('time')!.data[0]!.values as BigInt64Array)[2], 1_700_000_120_000n * 1_000_000n);
  assert.deepEqual(JSON.parse(frameToJSON(typed, false).toString()).data.values[1], [1.5, null, -2]);
});

test('a frame whose fields differ in length is refused', () => {
  assert.throws(
    () =>
      frameToArrow({
        fields: [
          { name: 'a', type: 'number', values: [1] },
          { name: 'b', type: 'number', values: [] },
        ],
      }),
    /field b has 0 values, expected 1/
  );
});

test('frame JSON carries the schema only when asked, and nulls for unknown values', () => {
  const text = frameToJSON(frame).toString();
  assert.ok(text.startsWith('{"schema":'), 'schema comes first, as the SDK reader requires');
  const withSchema = JSON.parse(text);
  assert.equal(withSchema.schema.fields[0].type, 'time');
  assert.equal(withSchema.schema.fields[1].typeInfo.nullable, true);
  assert.equal(withSchema.schema.fields[3].typeInfo.frame, 'int64');
  assert.deepEqual(withSchema.data.values[1], [12.5, null]);
  const dataOnly = JSON.parse(frameToJSON(frame, false).toString());
  assert.equal(dataOnly.schema, undefined);
  assert.deepEqual(dataOnly.data.values[0], [1_700_000_000_000, 1_700_000_030_000]);
});
