/** Applies dashboard variables to queries: camera ids, with "All" spelled the ways the shared model knows. */
import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

import { ALL_CAMERAS_VALUES as ALL_VALUES, clampLiveFps, clampLiveWidth, type TapoQuery } from '../shared/query';

/** Camera ids never contain a comma, so it can carry several values through replace(). */
const SEPARATOR = ',';

interface VariableLike {
  current?: { value?: unknown };
}

/** Names of the variables an entry refers to: `$name`, `${name}`, `${name:format}`, `[[name]]`. */
function variableNames(entry: string): string[] {
  return Array.from(entry.matchAll(/\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)/g), (m) => m[1] ?? m[2] ?? m[3]);
}

function isAllSelected(variable: VariableLike | undefined): boolean {
  const current = variable?.current?.value;
  if (Array.isArray(current)) {
    return current.some((v) => ALL_VALUES.has(String(v)));
  }
  return current !== undefined && ALL_VALUES.has(String(current));
}

/**
 * Expands camera entries: literal ids pass through, `$camera` becomes the ids it holds (several for a
 * multi-value variable). An entry that resolves to "All" empties the list, which the backend reads
 * as every camera, including ones added after the dashboard was saved.
 */
export function interpolateCameras(
  cameras: string[] | undefined,
  scopedVars: ScopedVars | undefined,
  templateSrv: TemplateSrv
): string[] {
  const ids: string[] = [];
  for (const entry of cameras ?? []) {
    const trimmed = entry?.trim();
    if (!trimmed) {
      continue;
    }
    if (ALL_VALUES.has(trimmed)) {
      return [];
    }
    // A custom all value (".*", "ALL", ...) is inserted without calling the format function below,
    // so "All" is read from the variable itself.
    const names = variableNames(trimmed).filter((name) => !scopedVars?.[name]);
    if (
      names.length > 0 &&
      templateSrv.getVariables().some((v) => names.includes(v.name) && isAllSelected(v as unknown as VariableLike))
    ) {
      return [];
    }
    let all = false;
    const replaced = templateSrv.replace(trimmed, scopedVars, (value: unknown, variable?: VariableLike) => {
      const values = (Array.isArray(value) ? value : [value]).map((v) => String(v ?? ''));
      if (isAllSelected(variable) || values.some((v) => ALL_VALUES.has(v))) {
        all = true;
        return '';
      }
      return values.join(SEPARATOR);
    });
    if (all || replaced.split(SEPARATOR).some((id) => ALL_VALUES.has(id.trim()))) {
      return [];
    }
    for (const id of replaced.split(SEPARATOR)) {
      const clean = id.trim();
      if (clean && !ids.includes(clean)) {
        ids.push(clean);
      }
    }
  }
  return ids;
}

/** The query as sent to the backend: variables expanded, live limits applied. */
export function interpolateQuery(
  query: TapoQuery,
  scopedVars: ScopedVars | undefined,
  templateSrv: TemplateSrv
): TapoQuery {
  const out: TapoQuery = { ...query, cameras: interpolateCameras(query.cameras, scopedVars, templateSrv) };
  if (query.queryType !== 'live') {
    // Left over from a switch of query type in an older editor; the sidecar validates it anyway.
    delete out.live;
  } else {
    const live = query.live ?? { kind: 'frames' };
    out.live =
      live.kind === 'frames'
        ? { kind: 'frames', fps: clampLiveFps(live.fps), width: clampLiveWidth(live.width) }
        : live.kind === 'video'
          ? {
              kind: 'video',
              ...(live.stream ? { stream: live.stream } : {}),
              fps: clampLiveFps(live.fps),
              width: clampLiveWidth(live.width),
            }
          : { kind: live.kind };
  }
  return out;
}
