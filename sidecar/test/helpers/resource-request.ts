/** CallResource requests as Grafana sends them for a user of a given role (null: anonymous), and their JSON answers. */
import type { CallResourceRequest, PluginContext } from '../../src/grafana/protocol.ts';

/** A plugin context for a user of `role` (null: no user), without datasource settings. */
export function roleContext(role: string | null): PluginContext {
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

/** A resource call on `path`; a body that is not a string is sent as JSON. */
export function resourceRequest(
  role: string | null,
  path: string,
  opts: { method?: string; body?: unknown } = {}
): CallResourceRequest {
  const body = opts.body;
  return {
    pluginContext: roleContext(role),
    path,
    method: opts.method ?? 'POST',
    url: path,
    headers: {},
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

/** A resource answer's body as JSON. */
export const parseBody = (body: Buffer) => JSON.parse(body.toString('utf8'));

/** A GET on `path` by a user of `role`, as the panel and the editors make it. */
export const getRequest = (path: string, role: string | null = 'Viewer') =>
  resourceRequest(role, path, { method: 'GET' });
