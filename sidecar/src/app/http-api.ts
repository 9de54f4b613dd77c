/**
 * Starts the standalone HTTP API when an address is configured. The API is an extra: a mistake in
 * its settings (an address in use, say) is logged and the sidecar keeps serving Grafana.
 */
import type { Logger } from 'pino';
import type { FrameProvider } from '../datasource/deps.ts';
import { fleetMetrics, startHttpApi, type RunningHttpApi } from '../http/index.ts';
import type { Fleet } from '../fleet/index.ts';
import type { SidecarOptions } from '../options.ts';

/** The running API, or null when none is configured or it did not start. */
export async function startOptionalHttpApi(
  opts: Pick<SidecarOptions, 'httpAddress' | 'apiToken' | 'noAuth'>,
  fleet: Fleet,
  frames: FrameProvider,
  log: Logger
): Promise<RunningHttpApi | null> {
  if (!opts.httpAddress) {
    return null;
  }
  try {
    const http = await startHttpApi({
      address: opts.httpAddress,
      fleet,
      token: opts.apiToken,
      noAuth: opts.noAuth,
      frameProvider: {
        latest: (id) => frames.latest(id),
        snapshot: (id) => frames.snapshot(id, { width: 320 }),
      },
      metrics: fleetMetrics(fleet),
    });
    log.info({ url: http.url }, 'HTTP API serving');
    return http;
  } catch (err) {
    log.error({ address: opts.httpAddress, error: (err as Error).message }, 'the HTTP API did not start');
    return null;
  }
}
