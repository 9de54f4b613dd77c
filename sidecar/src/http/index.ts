/** The sidecar's own HTTP API (standalone mode) and the fleet's Prometheus metrics. */
export {
  createHttpApi,
  startHttpApi,
  HttpApiConfigError,
  type HttpApiOptions,
  type HttpFrameProvider,
  type RunningHttpApi,
} from './api.ts';
export { createFleetMetrics, fleetMetrics, fleetMetricsText, type FleetMetrics } from './prometheus.ts';
