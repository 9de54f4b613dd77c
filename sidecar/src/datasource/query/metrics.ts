/** Metrics query: one time series per (camera, metric) from history, downsampled to maxDataPoints. */
import { METRIC_INFO, STATE_METRICS, type MetricName, type TapoQuery } from '../../../../src/shared/query.ts';
import type { FleetView, HistoryRequest, SeriesColumns } from '../../model.ts';
import type { Frame, FrameField } from '../../grafana/frame.ts';
import { cameraLabels, selectCameras, type QueryContext } from './context.ts';
import { QueryError } from './parse.ts';
import { planBuckets } from '../../store/downsample.ts';

export const DEFAULT_MAX_POINTS = 1000;

/**
 * Shapes a stored series for Grafana: states are carried into empty buckets, and trailing empty
 * buckets (the current one, before its first poll) are dropped so that an alert rule's last()
 * sees the latest poll, not a gap. A series that never had a value keeps its nulls: the camera
 * does not report it, and that is not invented away.
 */
export function shapeSeries(
  metric: MetricName,
  times: number[],
  values: Array<number | null>
): { times: number[]; values: Array<number | null> } {
  const s = shapeColumns(
    metric,
    Float64Array.from(times),
    Float64Array.from(values, (v) => v ?? NaN)
  );
  return { times: Array.from(s.times), values: Array.from(s.values, (v) => (v === v ? v : null)) };
}

/** shapeSeries on typed arrays (NaN = null); the result's arrays are views of the times and a copy of the values. */
export function shapeColumns(
  metric: MetricName,
  times: Float64Array,
  values: Float64Array
): { times: Float64Array; values: Float64Array } {
  const out = Float64Array.from(values);
  if (STATE_METRICS.has(metric)) {
    let last = NaN;
    for (let i = 0; i < out.length; i++) {
      if (out[i] === out[i]) {
        last = out[i]!;
      } else {
        out[i] = last;
      }
    }
  }
  let end = out.length;
  while (end > 0 && out[end - 1] !== out[end - 1]) {
    end--;
  }
  if (end === 0) {
    return { times, values: out };
  }
  return { times: times.subarray(0, end), values: out.subarray(0, end) };
}
export const MAX_POINTS = 10_000;

/**
 * The most one metrics answer may carry (its frames' values; Arrow adds a little). Grafana's
 * client takes up to 2 GiB, but an answer this size already costs the sidecar, Grafana and the
 * browser seconds and hundreds of MiB each: beyond it the query is refused with what to change,
 * as Prometheus refuses a query that would load too many samples.
 */
export const MAX_ANSWER_BYTES = 256 * 2 ** 20;

/** Bytes of values an answer of `series` series with `valueFields` value fields each, at `points` points, carries. */
export function answerBytes(series: number, valueFields: number, points: number): number {
  // A time column and each value field: 8 bytes a point, and a validity bit for the values.
  return series * points * (8 + valueFields * (8 + 1 / 8));
}

/** Series as typed arrays: the fleet's own when it offers them, else its arrays converted. */
async function historyColumns(fleet: FleetView, req: HistoryRequest): Promise<SeriesColumns[]> {
  if (fleet.historyColumns) {
    return fleet.historyColumns(req);
  }
  const typed = (a: Array<number | null>) => Float64Array.from(a, (v) => v ?? NaN);
  return (await fleet.history(req)).map((s) => ({
    cameraId: s.cameraId,
    metric: s.metric,
    times: Float64Array.from(s.times),
    values: typed(s.values),
    ...(s.min && s.max ? { min: typed(s.min), max: typed(s.max) } : {}),
  }));
}

export async function metricsQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  const cameras = selectCameras(ctx.fleet, query);
  const metrics: MetricName[] = query.metrics?.length ? [...new Set(query.metrics)] : ['online'];
  const maxPoints = Math.min(ctx.maxDataPoints > 0 ? ctx.maxDataPoints : DEFAULT_MAX_POINTS, MAX_POINTS);
  const minMax = query.minMax === true;
  const points = planBuckets(ctx.from, ctx.to, maxPoints).count;
  const bytes = answerBytes(cameras.length * metrics.length, minMax ? 3 : 1, points);
  if (bytes > MAX_ANSWER_BYTES) {
    const mib = (n: number) => `${Math.round(n / 2 ** 20).toLocaleString('en')} MiB`;
    throw new QueryError(
      `this query would answer ${cameras.length.toLocaleString('en')} cameras x ${metrics.length} metrics` +
        `${minMax ? ' with min/max' : ''} at ${points.toLocaleString('en')} points (~${mib(bytes)}), more than the ${mib(MAX_ANSWER_BYTES)} one answer may carry: ` +
        'choose fewer cameras or metrics, turn off min/max, or lower Max data points in the query options',
      413
    );
  }
  const series = await historyColumns(ctx.fleet, {
    cameraIds: cameras.map((c) => c.id),
    metrics,
    from: ctx.from,
    to: ctx.to,
    maxPoints,
    ...(minMax ? { withMinMax: true } : {}),
  });
  const byKey = new Map(series.map((s) => [`${s.cameraId}\u0000${s.metric}`, s]));
  // Every series of one answer has the same buckets: equal lengths share one array, which the
  // Arrow encoder converts to nanoseconds once.
  const timesByLength = new Map<number, Float64Array>();
  const sharedTimes = (t: Float64Array) => timesByLength.get(t.length) ?? (timesByLength.set(t.length, t), t);
  const none = new Float64Array(0);
  const frames: Frame[] = [];
  for (const metric of metrics) {
    for (const cam of cameras) {
      const stored = byKey.get(`${cam.id}\u0000${metric}`);
      const s = stored ? shapeColumns(metric, stored.times, stored.values) : undefined;
      const times = s ? sharedTimes(s.times) : none;
      const info = METRIC_INFO[metric];
      const labels = cameraLabels(cam);
      const display = `${cam.name} ${info.label}`;
      const fields: FrameField[] = [
        { name: 'time', type: 'time', values: times, nullable: false },
        {
          name: metric,
          type: 'number',
          values: s?.values ?? none,
          nullable: true,
          labels,
          config: { displayNameFromDS: display, unit: info.unit },
        },
      ];
      if (minMax) {
        for (const stat of ['min', 'max'] as const) {
          fields.push({
            name: `${metric}_${stat}`,
            type: 'number',
            values: stored?.[stat]?.subarray(0, times.length) ?? none,
            nullable: true,
            labels: { ...labels, stat },
            config: { displayNameFromDS: `${display} ${stat}`, unit: info.unit },
          });
        }
      }
      frames.push({
        name: metric,
        refId: query.refId,
        // Several value fields on one time field are the wide shape; one is the multi shape's frame.
        meta: { type: minMax ? 'timeseries-wide' : 'timeseries-multi', typeVersion: [0, 1] },
        fields,
      });
    }
  }
  return frames;
}
