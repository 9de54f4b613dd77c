import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

import { LIVE_DEFAULT_FPS, LIVE_DEFAULT_WIDTH, LIVE_MAX_FPS, LIVE_MAX_WIDTH, type TapoQuery } from '../shared/query';
import { LIMITS } from './types';

/** What Grafana substitutes for "All" when a variable has no custom all value, or a custom `*`. */
const ALL_VALUES = new Set(['$__all', '*']);
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

/** Rounds and caps a live rate/size so that a panel cannot ask for more than the sidecar will send. */
export function clampLive(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) {
    return fallback;
  }
  return Math.min(max, Math.max(min, Math.round(value)));
}

export function clampLiveFps(fps: number | undefined): number {
  return clampLive(fps, LIVE_DEFAULT_FPS, LIMITS.liveFps.min, LIVE_MAX_FPS);
}

export function clampLiveWidth(width: number | undefined): number {
  return clampLive(width, LIVE_DEFAULT_WIDTH, LIMITS.liveWidth.min, LIVE_MAX_WIDTH);
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
