/** What the plugin's behaviour provides to the gRPC layer: one function per pluginv2 call. */
import type {
  CallResourceRequest,
  CallResourceResponse,
  DataResponse,
  HealthStatus,
  PluginContext,
  QueryDataRequest,
  StreamRequest,
  SubscribeStatus,
} from './protocol.ts';

export interface StreamSink {
  /** Sends one packet (frame JSON). Returns false when the consumer is behind: drop, don't queue. */
  send(data: Buffer): boolean;
  /** Aborted when Grafana cancels the stream (last subscriber gone) or the sidecar stops. */
  signal: AbortSignal;
}

export interface PluginHandlers {
  queryData(req: QueryDataRequest): Promise<Record<string, DataResponse>>;
  checkHealth(ctx: PluginContext | null): Promise<{ status: HealthStatus; message: string; details?: unknown }>;
  collectMetrics(ctx: PluginContext | null): Promise<string>;
  /** `signal` is aborted when Grafana cancels the call (the browser went away). */
  callResource(req: CallResourceRequest, signal?: AbortSignal): Promise<CallResourceResponse>;
  subscribeStream(req: StreamRequest): Promise<{ status: SubscribeStatus; data?: Buffer }>;
  runStream(req: StreamRequest, sink: StreamSink): Promise<void>;
  publishStream(req: StreamRequest): Promise<{ status: SubscribeStatus }>;
}
