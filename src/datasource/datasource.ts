/**
 * The datasource's frontend: queries go to the sidecar through DataSourceWithBackend; template variables are
 * applied here; Live queries stream from the channels the sidecar names.
 */
import {
  type CoreApp,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  StreamingFrameAction,
} from '@grafana/data';
import {
  DataSourceWithBackend,
  HealthCheckError,
  HealthStatus,
  type StreamOptionsProvider,
  getTemplateSrv,
} from '@grafana/runtime';

import {
  CAMERA_STATUSES,
  type CameraListItem,
  DEFAULT_QUERY,
  type TapoQuery,
  type TapoVariableQuery,
  resources,
} from '../shared/query';
import { annotationSupport } from './annotations';
import { healthChecked, splitHealthMessage } from './healthChecks';
import { interpolateQuery } from './templating';
import type { TapoOptions } from './types';
import { TapoVariableSupport, camerasToVariableValues } from './variables';

/** A frames channel keeps one row (replace), so a panel holds only the latest JPEG per camera. */
export const tapoStreamOptions: StreamOptionsProvider<TapoQuery> = (request: DataQueryRequest<TapoQuery>, frame) => {
  const channel = frame.meta?.channel ?? '';
  if (/\/frames\/\d+\/\d+$/.test(channel)) {
    return { maxLength: 1, action: StreamingFrameAction.Replace };
  }
  const options: { maxLength: number; action: StreamingFrameAction; maxDelta?: number } = {
    maxLength: request.maxDataPoints ?? 500,
    action: StreamingFrameAction.Append,
  };
  if (request.rangeRaw?.to === 'now') {
    options.maxDelta = request.range.to.valueOf() - request.range.from.valueOf();
  }
  return options;
};

function isCameraListItem(value: unknown): value is CameraListItem {
  const v = value as CameraListItem;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.id === 'string' &&
    typeof v.name === 'string' &&
    (CAMERA_STATUSES as readonly string[]).includes(v.status)
  );
}

export class DataSource extends DataSourceWithBackend<TapoQuery, TapoOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<TapoOptions>) {
    super(instanceSettings);
    this.variables = new TapoVariableSupport(this);
    this.annotations = annotationSupport;
    this.streamOptionsProvider = tapoStreamOptions;
  }

  getDefaultQuery(_app: CoreApp): Partial<TapoQuery> {
    return { ...DEFAULT_QUERY, cameras: [], metrics: [...(DEFAULT_QUERY.metrics ?? [])] };
  }

  filterQuery(query: TapoQuery): boolean {
    return !query.hide;
  }

  applyTemplateVariables(query: TapoQuery, scopedVars: ScopedVars): TapoQuery {
    return interpolateQuery(query, scopedVars, getTemplateSrv());
  }

  /**
   * Save & test: the verdict as the title and each camera on its own line in the details (Grafana
   * runs the title into one paragraph); the config editor's rows refresh when it is done.
   */
  async testDatasource() {
    try {
      const res = await this.callHealthCheck();
      const { message, details } = splitHealthMessage(res.message ?? '');
      if (res.status === HealthStatus.OK) {
        return { status: 'success', message, details };
      }
      return Promise.reject({ status: 'error', message, details, error: new HealthCheckError(message, details ?? {}) });
    } finally {
      healthChecked(this.uid);
    }
  }

  /** The camera list served by the backend's `cameras` resource; malformed rows are dropped. */
  async listCameras(): Promise<CameraListItem[]> {
    const body: unknown = await this.getResource(resources.cameras);
    const rows = Array.isArray(body) ? body : (body as { cameras?: unknown })?.cameras;
    if (!Array.isArray(rows)) {
      throw new Error('the cameras resource did not answer with a list');
    }
    return rows.filter(isCameraListItem);
  }

  async metricFindQuery(query: TapoVariableQuery | string | undefined): Promise<MetricFindValue[]> {
    const filters = typeof query === 'object' && query !== null ? query : {};
    return camerasToVariableValues(await this.listCameras(), filters);
  }
}
