/** The Tapo datasource's answers to each pluginv2 call, over the fleet, media and controls. */
import type { PluginHandlers } from '../grafana/handlers.ts';
import { frameToArrow, type Frame } from '../grafana/frame.ts';
import type { DataResponse, DataSourceInstanceSettings, QueryDataRequest } from '../grafana/protocol.ts';
import type { TapoQuery } from '../../../src/shared/query.ts';
import type { DatasourceDeps } from './deps.ts';
import { InstanceManager } from './instances.ts';
import { parseQuery, QueryError } from './query/parse.ts';
import type { QueryContext } from './query/context.ts';
import { metricsQuery } from './query/metrics.ts';
import { statusQuery } from './query/status.ts';
import { eventsQuery } from './query/events.ts';
import { liveQuery } from './query/live.ts';
import { callResource } from './resources.ts';
import { run, subscribe } from './streams.ts';
import { checkHealth } from './health.ts';

const handlers: Record<NonNullable<TapoQuery['queryType']>, (ctx: QueryContext, q: TapoQuery) => Promise<Frame[]>> = {
  metrics: metricsQuery,
  status: statusQuery,
  events: eventsQuery,
  live: liveQuery,
};

class DatasourceInstance {
  constructor(readonly settings: DataSourceInstanceSettings) {}
  dispose(): void {}
}

export function createDatasource(deps: DatasourceDeps): PluginHandlers & { dispose(): Promise<void> } {
  const instances = new InstanceManager((settings) => {
    deps.applySettings?.(settings);
    return new DatasourceInstance(settings);
  });

  async function answer(uid: string, q: QueryDataRequest['queries'][number]): Promise<DataResponse> {
    try {
      const query = parseQuery(q);
      const now = Date.now();
      const ctx: QueryContext = {
        fleet: deps.fleet,
        uid,
        from: q.timeRange?.fromEpochMS || now - 3_600_000,
        to: q.timeRange?.toEpochMS || now,
        maxDataPoints: q.maxDataPoints,
        intervalMS: q.intervalMS,
      };
      const frames = await handlers[query.queryType ?? 'metrics'](ctx, query);
      return { frames: frames.map(frameToArrow), status: 200 };
    } catch (err) {
      if (err instanceof QueryError) {
        return { frames: [], error: err.message, status: err.status, errorSource: 'plugin' };
      }
      const message = err instanceof Error ? err.message : String(err);
      deps.log.error({ refId: q.refId, error: message }, 'query failed');
      return { frames: [], error: `query ${q.refId} failed: ${message}`, status: 500, errorSource: 'plugin' };
    }
  }

  return {
    async queryData(req) {
      const inst = instances.get(req.pluginContext);
      const uid = inst?.settings.uid ?? '';
      const entries = await Promise.all(req.queries.map(async (q) => [q.refId, await answer(uid, q)] as const));
      return Object.fromEntries(entries);
    },
    async checkHealth(ctx) {
      instances.get(ctx);
      return checkHealth(deps);
    },
    collectMetrics: () => deps.metricsText(),
    async callResource(req) {
      instances.get(req.pluginContext);
      return callResource(deps, req);
    },
    async subscribeStream(req) {
      instances.get(req.pluginContext);
      return subscribe(deps, req.path);
    },
    async runStream(req, sink) {
      instances.get(req.pluginContext);
      return run(deps, req.path, sink);
    },
    async publishStream() {
      // Browsers may not publish into camera channels.
      return { status: 'PERMISSION_DENIED' };
    },
    dispose: () => instances.disposeAll(),
  };
}
