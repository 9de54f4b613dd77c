/** The Tapo datasource's answers to each pluginv2 call, over the fleet, media and controls. */
import type { PluginHandlers } from '../grafana/handlers.ts';
import { frameToArrow, type Frame } from '../grafana/frame.ts';
import type { DataResponse, DataSourceInstanceSettings, PluginContext, QueryDataRequest } from '../grafana/protocol.ts';
import type { TapoQuery } from '../../../src/shared/query.ts';
import type { DatasourceDeps } from './deps.ts';
import { InstanceManager } from './instances.ts';
import { parseQuery, QueryError } from './query/parse.ts';
import type { QueryContext } from './query/context.ts';
import { metricsQuery } from './query/metrics.ts';
import { statusQuery } from './query/status.ts';
import { eventsQuery } from './query/events.ts';
import { liveQuery } from './query/live.ts';
import { recordingsQuery } from './query/recordings.ts';
import { sensorsQuery } from './query/sensors.ts';
import { callResource } from './resources.ts';
import { run, subscribe } from './streams.ts';
import { checkHealth } from './health.ts';
import { datasourceSource, ownCamerasOnly, scopedFleet, visibility } from './scope.ts';

const handlers: Record<NonNullable<TapoQuery['queryType']>, (ctx: QueryContext, q: TapoQuery) => Promise<Frame[]>> = {
  metrics: metricsQuery,
  status: statusQuery,
  events: eventsQuery,
  live: liveQuery,
  recordings: recordingsQuery,
  sensors: sensorsQuery,
};

class DatasourceInstance {
  readonly deps: DatasourceDeps;
  constructor(
    readonly settings: DataSourceInstanceSettings,
    shared: DatasourceDeps,
    /** Settles when the settings' cameras are in the fleet. */
    readonly ready: Promise<void>
  ) {
    const { cameraSource } = shared;
    const source = datasourceSource(settings.uid || String(settings.id));
    const visible = cameraSource ? visibility(source, ownCamerasOnly(settings.jsonData), cameraSource) : null;
    this.deps = { ...shared, source, ...(visible ? { fleet: scopedFleet(shared.fleet, visible) } : {}) };
  }
  dispose(): void {}
}

export function createDatasource(deps: DatasourceDeps): PluginHandlers & { dispose(): Promise<void> } {
  const instances = new InstanceManager((settings) => {
    const ready = (deps.applySettings?.(settings) ?? Promise.resolve()).catch((err: Error) =>
      deps.log.error({ datasource: settings.uid, error: err.message }, 'could not apply the datasource settings')
    );
    return new DatasourceInstance(settings, deps, ready);
  });
  // Calls without a datasource (none in practice) see the whole fleet.
  const depsOf = async (ctx: PluginContext | null) => {
    const inst = instances.get(ctx);
    const settings = ctx?.dataSourceInstanceSettings;
    if (settings && deps.datasourceSeen) {
      await deps
        .datasourceSeen(settings)
        .catch((err: Error) =>
          deps.log.error({ datasource: settings.uid, error: err.message }, 'could not note the datasource call')
        );
    }
    await inst?.ready;
    return inst?.deps ?? deps;
  };

  async function answer(
    d: DatasourceDeps,
    uid: string,
    fromAlert: boolean,
    q: QueryDataRequest['queries'][number]
  ): Promise<DataResponse> {
    try {
      const query = parseQuery(q);
      const now = Date.now();
      const ctx: QueryContext = {
        fleet: d.fleet,
        uid,
        from: q.timeRange?.fromEpochMS || now - 3_600_000,
        to: q.timeRange?.toEpochMS || now,
        maxDataPoints: q.maxDataPoints,
        intervalMS: q.intervalMS,
        fromAlert,
        ...(d.eventPictures ? { pictures: d.eventPictures } : {}),
        ...(d.recordings ? { recordings: d.recordings } : {}),
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
      const d = await depsOf(req.pluginContext);
      const uid = req.pluginContext?.dataSourceInstanceSettings?.uid ?? '';
      const fromAlert = Object.entries(req.headers ?? {}).some(
        ([k, v]) => k.toLowerCase() === 'fromalert' && v === 'true'
      );
      const entries = await Promise.all(
        req.queries.map(async (q) => [q.refId, await answer(d, uid, fromAlert, q)] as const)
      );
      return Object.fromEntries(entries);
    },
    checkHealth: async (ctx) => checkHealth(await depsOf(ctx)),
    collectMetrics: () => deps.metricsText(),
    callResource: async (req, signal) => callResource(await depsOf(req.pluginContext), req, signal),
    subscribeStream: async (req) => subscribe(await depsOf(req.pluginContext), req.path),
    runStream: async (req, sink) => run(await depsOf(req.pluginContext), req.path, sink),
    async publishStream() {
      // Browsers may not publish into camera channels.
      return { status: 'PERMISSION_DENIED' };
    },
    dispose: () => instances.disposeAll(),
  };
}
