/**
 * Prints, one JSON line each, edge frames of times and numbers as the sidecar's Arrow writer
 * encodes them (frameToArrow: the direct writer) with what each must decode to. The conformance
 * harness reads them with Grafana's Go SDK (test/conformance/cases_arrow.go).
 * Run: cd sidecar && node --import tsx scripts/arrow-edge-frames.ts
 */
import { frameToArrow, type Frame, type FrameField } from '../src/grafana/frame.ts';

const T0 = 1_765_000_000_000;
const times = (n: number) => Float64Array.from({ length: n }, (_, i) => T0 + i * 90_000);
const labels = { camera_id: 'cam1', camera_name: 'Garage', model: 'C210' };
const config = { displayNameFromDS: 'Garage Latency', unit: 'ms' };
const meta = { type: 'timeseries-multi', typeVersion: [0, 1] };

const cases: Array<{ name: string; frame: Frame }> = [
  {
    name: 'no rows',
    frame: {
      name: 'latency_ms',
      refId: 'A',
      meta,
      fields: [
        { name: 'time', type: 'time', values: times(0), nullable: false },
        { name: 'latency_ms', type: 'number', values: new Float64Array(0), nullable: true, labels, config },
      ],
    },
  },
  {
    name: 'one row',
    frame: {
      name: 'latency_ms',
      refId: 'A',
      meta,
      fields: [
        { name: 'time', type: 'time', values: times(1), nullable: false },
        { name: 'latency_ms', type: 'number', values: Float64Array.of(12.5), nullable: true, labels, config },
      ],
    },
  },
  {
    name: 'all null',
    frame: {
      name: 'rssi_dbm',
      refId: 'A',
      meta,
      fields: [
        { name: 'time', type: 'time', values: times(11), nullable: false },
        { name: 'rssi_dbm', type: 'number', values: new Float64Array(11).fill(NaN), nullable: true, labels },
      ],
    },
  },
  {
    name: 'nulls in time, NaN, ±Infinity and -0 as values',
    frame: {
      refId: 'B',
      fields: [
        {
          name: 'time',
          type: 'time',
          values: [T0, null, T0 + 2000, T0 + 3000, null, T0 + 5000, T0 + 6000, T0 + 7000, T0 + 8000],
        },
        {
          name: 'v',
          type: 'number',
          values: [NaN, Infinity, -Infinity, -0, 5e-324, Number.MAX_VALUE, null, 0.1, -1.5],
        },
        { name: 'no nulls', type: 'number', values: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
      ],
    },
  },
  {
    name: 'unicode names, labels, config and meta',
    frame: {
      name: 'カメラ 😀',
      refId: 'Ω',
      meta: { type: 'timeseries-multi', custom: { note: 'Küche e\u0301 👩‍💻 日本' } },
      fields: [
        { name: 'zeit ⏱', type: 'time', values: times(3), nullable: false },
        {
          name: 'temperatur °C',
          type: 'number',
          values: Float64Array.of(21.5, NaN, 22),
          labels: { camera_id: 'küche', camera_name: 'Küche 日本 😀', model: 'C4\u00e90' },
          config: { displayNameFromDS: 'Küche — Temperatur', unit: 'celsius' },
        },
      ],
    },
  },
  {
    name: 'long metadata',
    frame: {
      name: 'latency_ms',
      refId: 'A',
      meta: { type: 'timeseries-multi', custom: { note: 'n'.repeat(100_000) } },
      fields: [
        { name: 'time', type: 'time', values: times(5), nullable: false },
        {
          name: 'latency_ms',
          type: 'number',
          values: Float64Array.of(1, 2, 3, 4, 5),
          labels: { ...labels, long: 'l'.repeat(65_536) },
          config: { displayNameFromDS: 'd'.repeat(10_000), unit: 'ms' },
        },
      ],
    },
  },
  {
    name: 'three value fields, 960 rows with gaps',
    frame: {
      name: 'latency_ms',
      refId: 'A',
      meta: { type: 'timeseries-wide', typeVersion: [0, 1] },
      fields: [
        { name: 'time', type: 'time', values: times(960), nullable: false },
        ...(['', '_min', '_max'] as const).map(
          (suffix, k): FrameField => ({
            name: `latency_ms${suffix}`,
            type: 'number',
            values: Float64Array.from({ length: 960 }, (_, i) => (i % 37 === 3 ? NaN : 20 + k * 5 + (i % 11))),
            nullable: true,
            labels: suffix ? { ...labels, stat: suffix.slice(1) } : labels,
            config: { displayNameFromDS: `Garage Latency${suffix}`, unit: 'ms' },
          })
        ),
      ],
    },
  },
  {
    name: 'numbers without a time field',
    frame: { name: 'n', fields: [{ name: 'v', type: 'number', values: [3, null, 1] }] },
  },
];

/** What a cell must decode to: epoch nanoseconds, or the number as text (Go parses NaN, Infinity, -0), or null. */
function expectedValues(f: FrameField): Array<string | null> {
  const typed = f.values instanceof Float64Array;
  return Array.from(f.values as ArrayLike<number | null | undefined>, (v) => {
    if (v === null || v === undefined || (typed && Number.isNaN(v))) {
      return null;
    }
    if (f.type === 'time') {
      return String(BigInt(Math.trunc(v)) * 1_000_000n);
    }
    return Object.is(v, -0) ? '-0' : String(v);
  });
}

for (const { name, frame } of cases) {
  const expect = {
    name: frame.name ?? '',
    refId: frame.refId ?? '',
    meta: frame.meta ?? null,
    fields: frame.fields.map((f) => {
      const values = expectedValues(f);
      return {
        name: f.name,
        type: f.type,
        nullable: f.nullable ?? values.includes(null),
        labels: f.labels ?? {},
        config: f.config ?? null,
        values,
      };
    }),
  };
  const arrow = Buffer.from(frameToArrow(frame)).toString('base64');
  process.stdout.write(`${JSON.stringify({ case: name, arrow, expect })}\n`);
}
