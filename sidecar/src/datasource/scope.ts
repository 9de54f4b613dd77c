/**
 * Which cameras a datasource sees. A datasource with cameras in its settings sees exactly those;
 * one without (a fresh or provisioned-empty datasource) sees the sidecar's shared cameras: the
 * YAML file's and the demo fleet's. Never another datasource's. A hub's children go with their hub.
 */
import type { FleetEvents, FleetView, HistoryRequest } from '../model.ts';

export const SHARED_SOURCES = new Set(['yaml', 'demo']);
/** The fleet's source of a hub's children: `hub:<the hub's camera id>`. */
const HUB_SOURCE_PREFIX = 'hub:';

export function datasourceSource(uidOrId: string): string {
  return `datasource:${uidOrId}`;
}

/** True when the datasource's jsonData lists at least one camera. */
export function hasOwnCameras(jsonData: Buffer | undefined): boolean {
  try {
    const parsed = jsonData?.length ? JSON.parse(jsonData.toString('utf8')) : {};
    return Array.isArray(parsed?.cameras) && parsed.cameras.length > 0;
  } catch {
    return false;
  }
}

/** Why a datasource's jsonData is not settings at all (not JSON, not an object, cameras not a list), or null. */
export function jsonDataProblem(jsonData: Buffer | undefined): string | null {
  if (!jsonData?.length) {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonData.toString('utf8'));
  } catch {
    return 'is not valid JSON';
  }
  if (parsed === null) {
    return null;
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    return 'must be an object';
  }
  const cameras = (parsed as { cameras?: unknown }).cameras;
  return cameras === undefined || cameras === null || Array.isArray(cameras) ? null : 'cameras must be a list';
}

/**
 * True when the datasource sees only its own cameras: it lists some, or its settings are not
 * valid (then it sees none, and its Save & test shows the settings error, not the demo's health).
 */
export function ownCamerasOnly(jsonData: Buffer | undefined): boolean {
  return hasOwnCameras(jsonData) || jsonDataProblem(jsonData) !== null;
}

export function visibility(
  ownSource: string,
  ownCameras: boolean,
  sourceOf: (id: string) => string | undefined
): (id: string) => boolean {
  return (id) => {
    let src = sourceOf(id);
    // A hub's children (source `hub:<hub id>`) are seen wherever their hub is.
    if (src?.startsWith(HUB_SOURCE_PREFIX)) {
      src = sourceOf(src.slice(HUB_SOURCE_PREFIX.length));
    }
    return ownCameras ? src === ownSource : src !== undefined && SHARED_SOURCES.has(src);
  };
}

/** A FleetView that shows only the cameras `visible` admits (lists, lookups and live events). */
export function scopedFleet(fleet: FleetView, visible: (id: string) => boolean): FleetView {
  return {
    cameras: () => fleet.cameras().filter((c) => visible(c.id)),
    camera: (id) => (visible(id) ? fleet.camera(id) : undefined),
    history: (req) => fleet.history({ ...req, cameraIds: req.cameraIds.filter(visible) }),
    ...(fleet.historyColumns
      ? {
          historyColumns: (req: HistoryRequest) =>
            fleet.historyColumns!({ ...req, cameraIds: req.cameraIds.filter(visible) }),
        }
      : {}),
    events: (ids, from, to, kinds) => fleet.events(ids.filter(visible), from, to, kinds),
    statusChanges: (ids, from, to) => fleet.statusChanges(ids.filter(visible), from, to),
    on<K extends keyof FleetEvents>(event: K, listener: FleetEvents[K]): () => void {
      const filtered = ((x: { cameraId: string }) => {
        if (visible(x.cameraId)) {
          (listener as (v: typeof x) => void)(x);
        }
      }) as FleetEvents[K];
      return fleet.on(event, filtered);
    },
  };
}
