/** What every query handler receives, and camera selection shared by them. */
import { ALL_CAMERAS_VALUES as ALL, type TapoQuery } from '../../../../src/shared/query.ts';
import type { CameraSnapshot, FleetView } from '../../model.ts';
import type { Frame } from '../../grafana/frame.ts';
import type { EventPictureReader, RecordingsProvider } from '../deps.ts';
import { QueryError } from './parse.ts';

export interface QueryContext {
  fleet: FleetView;
  /** The datasource uid, for Live channel addresses. */
  uid: string;
  from: number;
  to: number;
  maxDataPoints: number;
  intervalMS: number;
  /**
   * Grafana's alert evaluator asks (header FromAlert). Alerting reads a table only when it has one
   * numeric column (string columns become labels), so the table query types answer that shape.
   */
  fromAlert: boolean;
  /** The pictures kept with events, where the sidecar keeps them. */
  pictures?: EventPictureReader;
  /** The cameras' own recordings (the recordings query type). */
  recordings?: RecordingsProvider;
}

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

/**
 * The table shape Grafana's alerting reads as one instance per row: string columns (the camera's
 * labels) and exactly one numeric column.
 */
export function alertTable(
  name: string,
  refId: string,
  cameras: CameraSnapshot[],
  valueName: string,
  values: number[]
): Frame {
  return {
    name,
    refId,
    meta: { type: 'table' },
    fields: [
      { name: 'camera_id', type: 'string', values: cameras.map((c) => c.id) },
      { name: 'camera_name', type: 'string', values: cameras.map((c) => c.name) },
      { name: 'model', type: 'string', values: cameras.map((c) => c.last?.model ?? 'unknown') },
      { name: valueName, type: 'number', values },
    ],
  };
}
