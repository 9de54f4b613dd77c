/** Metrics query: one time series per (camera, metric) from history, downsampled to maxDataPoints. */
import { METRIC_INFO, type MetricName, type TapoQuery } from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import { cameraLabels, selectCameras, type QueryContext } from './context.ts';

export const DEFAULT_MAX_POINTS = 1000;
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
      const s = byKey.get(`${cam.id}\u0000${metric}`);
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
