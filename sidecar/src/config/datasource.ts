/**
 * Cameras from a datasource's settings: jsonData (`TapoDataSourceOptions`) plus the decrypted
 * secureJsonData keys `password.<id>`, `cameraPassword.<id>`, `restreamUser.<id>` and
 * `restreamPassword.<id>`. A restream URL with credentials in jsonData is refused.
 */
import { secretKeys, type TapoDataSourceOptions } from '../../../src/shared/query.ts';
import { credentialsInUrl } from './restream.ts';
import { intervalSchema, parseCameraList, retentionSchema } from './schema.ts';
import type { ConfigIssue, LoadedConfig } from './types.ts';

export function camerasFromDatasource(
  jsonData: unknown,
  secure: Record<string, string> | undefined,
  source = 'datasource'
): LoadedConfig {
  const issues: ConfigIssue[] = [];
  const data = (
    typeof jsonData === 'object' && jsonData !== null && !Array.isArray(jsonData) ? jsonData : {}
  ) as TapoDataSourceOptions & Record<string, unknown>;
  if (jsonData !== undefined && jsonData !== null && data !== jsonData) {
    issues.push({ severity: 'error', source, cameraId: null, field: 'jsonData', message: 'must be an object' });
  }
  const retention = optional(retentionSchema, data.retentionHours, 'jsonData.retentionHours', source, issues);
  const interval = optional(
    intervalSchema,
    data.defaultPollIntervalSeconds,
    'jsonData.defaultPollIntervalSeconds',
    source,
    issues
  );

  // Secrets never come from jsonData (it is stored in clear and sent to browsers): drop them there.
  const refusedUrl = new Set<string>();
  const list = Array.isArray(data.cameras)
    ? data.cameras.map((c, i) => {
        if (typeof c !== 'object' || c === null) {
          return c;
        }
        const { password, cameraPassword, ...rest } = c as unknown as Record<string, unknown>;
        if (password !== undefined || cameraPassword !== undefined) {
          issues.push({
            severity: 'warning',
            source,
            cameraId: typeof rest.id === 'string' ? rest.id : null,
            field: `jsonData.cameras[${i}]`,
            message: 'passwords in jsonData are ignored; they belong in secureJsonData',
          });
        }
        const id = typeof rest.id === 'string' ? rest.id : '';
        const inUrl = typeof rest.rtspUrlOverride === 'string' ? credentialsInUrl(rest.rtspUrlOverride) : null;
        if (inUrl) {
          refusedUrl.add(id);
          issues.push({
            severity: 'error',
            source,
            cameraId: id || null,
            field: `jsonData.cameras[${i}].rtspUrlOverride`,
            message: `carries ${inUrl}, but jsonData is stored unencrypted and sent to browsers: remove it from the URL and enter the restream user and password in their secure fields (secureJsonData ${secretKeys.restreamUser(id)} / ${secretKeys.restreamPassword(id)})`,
          });
        }
        return {
          ...rest,
          password: secure?.[secretKeys.password(id)],
          cameraPassword: secure?.[secretKeys.cameraPassword(id)],
        };
      })
    : data.cameras;
  const parsed = parseCameraList(list, { source, path: 'jsonData.cameras', defaultPollIntervalSeconds: interval });
  issues.push(...parsed.issues);
  // A camera whose restream URL carries credentials is left out (as any camera with an error is).
  parsed.cameras = parsed.cameras.filter((c) => !refusedUrl.has(c.id));
  for (const c of parsed.cameras) {
    c.restreamUser = secure?.[secretKeys.restreamUser(c.id)] || null;
    c.restreamPassword = secure?.[secretKeys.restreamPassword(c.id)] || null;
  }
  // A hub's camera added from its list has no password of its own: it is the hub's cloud password.
  for (const c of parsed.cameras) {
    const hub = c.hubChild && c.password === null ? parsed.cameras.find((h) => h.id === c.hubChild!.hubId) : undefined;
    if (hub?.kind === 'hub' && hub.host === c.host) {
      c.password = hub.password;
    }
  }
  const cameras = parsed.cameras.filter((c) => {
    if (c.password !== null || c.disabled) {
      return true;
    }
    issues.push({
      severity: 'error',
      source,
      cameraId: c.id,
      field: `secureJsonData.${secretKeys.password(c.id)}`,
      message: "is not set: enter the camera owner's TP-Link cloud password in the datasource settings",
    });
    return false;
  });
  return { cameras, issues, retentionHours: retention ?? null, defaultPollIntervalSeconds: interval ?? null };
}

function optional<T>(
  schema: {
    safeParse(
      v: unknown
    ): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } };
  },
  v: unknown,
  field: string,
  source: string,
  issues: ConfigIssue[]
): T | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  const r = schema.safeParse(v);
  if (r.success) {
    return r.data;
  }
  issues.push({
    severity: 'error',
    source,
    cameraId: null,
    field,
    message: `${r.error.issues[0]?.message ?? 'is invalid'} (default used)`,
  });
  return undefined;
}

export { optional as parseOptionalSetting };
