/** Test helper: a CallResource request as Grafana sends it, from a user of `role` (null: no user). */
import type { CallResourceRequest, PluginContext } from '../../src/grafana/protocol.ts';

export function userContext(role: string | null): PluginContext {
  return {
    orgId: 1,
    pluginId: 'camwatch-tapo-datasource',
    user: role === null ? null : { login: 'u', name: 'u', email: '', role },
    dataSourceInstanceSettings: null,
    grafanaConfig: {},
    pluginVersion: 'test',
    userAgent: 'test',
  };
}

export function resourceRequest(
  role: string | null,
  path: string,
  { method = 'GET', body }: { method?: string; body?: unknown } = {}
): CallResourceRequest {
  return {
    pluginContext: userContext(role),
    path,
    method,
    url: path,
    headers: {},
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}
