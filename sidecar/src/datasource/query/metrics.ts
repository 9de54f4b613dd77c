/** Metrics query: one time series per (camera, metric) from history, downsampled to maxDataPoints. */
import { METRIC_INFO, STATE_METRICS, type MetricName, type TapoQuery } from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import { cameraLabels, selectCameras, type QueryContext } from './context.ts';

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
  let out = values;
  if (STATE_METRICS.has(metric)) {
    let last: number | null = null;
    out = values.map((v) => (v === null ? last : (last = v)));
  }
  let end = out.length;
  while (end > 0 && out[end - 1] === null) {
    end--;
  }
  if (end === 0) {
    return { times, values: out };
  }
  return { times: times.slice(0, end), values: out.slice(0, end) };
}
export const MAX_POINTS = 10_000;

export async function metricsQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  const cameras = selectCameras(ctx.fleet, query);
  const metrics: MetricName[] = query.metrics?.length ? [...new Set(query.metrics)] : ['online'];
  const maxPoints = Math.min(ctx.maxDataPoints > 0 ? ctx.maxDataPoints : DEFAULT_MAX_POINTS, MAX_POINTS);
  const series = await ctx.fleet.history({
    cameraIds: cameras.map((c) => c.id),
    metrics,
    from: ctx.from,
    to: ctx.to,
    maxPoints,
  });
  const byKey = new Map(series.map((s) => [`${s.cameraId}\u0000${s.metric}`, s]));
  const frames: Frame[] = [];
  for (const metric of metrics) {
    for (const cam of cameras) {
      const stored = byKey.get(`${cam.id}\u0000${metric}`);
      const s = stored ? shapeSeries(metric, stored.times, stored.values) : undefined;
      const info = METRIC_INFO[metric];
      frames.push({
        name: metric,
        refId: query.refId,
        meta: { type: 'timeseries-multi', typeVersion: [0, 1] },
        fields: [
          { name: 'time', type: 'time', values: s?.times ?? [], nullable: false },
          {
            name: metric,
            type: 'number',
            values: s?.values ?? [],
            nullable: true,
            labels: cameraLabels(cam),
            config: { displayNameFromDS: `${cam.name} ${info.label}`, unit: info.unit },
          },
        ],
      });
    }
  }
  return frames;
}
