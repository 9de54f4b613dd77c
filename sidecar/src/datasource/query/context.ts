/** What every query handler receives, and camera selection shared by them. */
import type { TapoQuery } from '../../../../src/shared/query.ts';
import type { CameraSnapshot, FleetView } from '../../fleet/model.ts';
import { QueryError } from './parse.ts';

export interface QueryContext {
  fleet: FleetView;
  /** The datasource uid, for Live channel addresses. */
  uid: string;
  from: number;
  to: number;
  maxDataPoints: number;
  intervalMS: number;
}

/** Values Grafana leaves for "All" when a variable is not expanded to ids. */
const ALL = new Set(['*', '$__all', 'all', 'All']);

/** The cameras a query names (all when none or "All"); an unknown id is the query's error. */
export function selectCameras(fleet: FleetView, query: TapoQuery): CameraSnapshot[] {
  const ids = (query.cameras ?? []).map((c) => c.trim()).filter(Boolean);
  const all = fleet.cameras();
  if (ids.length === 0 || ids.some((id) => ALL.has(id))) {
    return all;
  }
  const byId = new Map(all.map((c) => [c.id, c]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    const known = all.map((c) => c.id).join(', ') || 'none';
    throw new QueryError(`unknown camera ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${known})`, 404);
  }
  return [...new Set(ids)].map((id) => byId.get(id)!);
}

export function cameraLabels(c: CameraSnapshot): Record<string, string> {
  return { camera_id: c.id, camera_name: c.name, model: c.last?.model ?? 'unknown' };
}
