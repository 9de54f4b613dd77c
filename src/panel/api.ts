/**
 * The panel's calls to a Tapo datasource's sidecar (camera list, snapshot, PTZ, presets, privacy, what the user
 * may do), through getDataSourceSrv() and the datasource's resource calls.
 */
import { type DataSourceSrv, type DataSourceWithBackend, getDataSourceSrv } from '@grafana/runtime';
import { type Observable, from, map } from 'rxjs';

import {
  PTZ_DIRECTIONS,
  eventPictureResources,
  resources,
  type EventRecording,
  type CallerAccess,
  type CameraListItem,
  type PrivacyRequest,
  type PtzPreset,
  type PtzRequest,
} from '../shared/query';

export type PtzDirection = keyof typeof PTZ_DIRECTIONS;

/** The datasource's CallResource endpoints the panel uses. */
export interface CameraApi {
  /** An observable so that a panel can drop the answer when it unmounts (unsubscribe cancels the request). */
  cameras(): Observable<CameraListItem[]>;
  /** What the sidecar lets this user do; unsubscribing cancels the request. */
  access(): Observable<CallerAccess>;
  snapshot(cameraId: string): Promise<Blob>;
  move(cameraId: string, direction: PtzDirection): Promise<void>;
  presets(cameraId: string): Promise<PtzPreset[]>;
  gotoPreset(cameraId: string, presetId: string): Promise<void>;
  setPrivacy(cameraId: string, enabled: boolean): Promise<void>;
}

/** Resource calls go through the datasource instance (Grafana builds the URL and headers). */
export function cameraApi(uid: string, srv: DataSourceSrv = getDataSourceSrv()): CameraApi {
  const ds = () => srv.get(uid) as Promise<DataSourceWithBackend>;
  const get = async <T>(path: string, responseType?: 'blob'): Promise<T> =>
    (await ds()).getResource<T>(path, undefined, { responseType, showErrorAlert: false });
  const post = async (path: string, data: unknown): Promise<void> => {
    await (await ds()).postResource(path, data, { showErrorAlert: false });
  };
  const id = (cameraId: string) => encodeURIComponent(cameraId);
  return {
    cameras: () =>
      from(get<unknown>(resources.cameras)).pipe(
        map((body) => (Array.isArray(body) ? (body as CameraListItem[]) : []))
      ),
    access: () =>
      from(get<unknown>(resources.me)).pipe(
        map((body) => {
          const b = (typeof body === 'object' && body !== null ? body : {}) as Partial<CallerAccess>;
          // Anything but an explicit yes keeps the controls hidden.
          return { role: typeof b.role === 'string' ? b.role : '', controls: b.controls === true };
        })
      ),
    snapshot: (cameraId) => get<Blob>(resources.snapshot(id(cameraId)), 'blob'),
    move: (cameraId, direction) =>
      post(resources.ptz(id(cameraId)), { direction: PTZ_DIRECTIONS[direction] } satisfies PtzRequest),
    presets: async (cameraId) => {
      const body = await get<unknown>(resources.presets(id(cameraId)));
      return Array.isArray(body) ? (body as PtzPreset[]) : [];
    },
    gotoPreset: (cameraId, presetId) => post(resources.ptz(id(cameraId)), { preset: presetId } satisfies PtzRequest),
    setPrivacy: (cameraId, enabled) => post(resources.privacy(id(cameraId)), { enabled } satisfies PrivacyRequest),
  };
}

/** An event's full-size picture (GET events/<id>/picture), for whoever may see the live view. */
export async function eventPicture(
  uid: string,
  eventId: string,
  srv: DataSourceSrv = getDataSourceSrv()
): Promise<Blob> {
  const ds = (await srv.get(uid)) as DataSourceWithBackend;
  return ds.getResource<Blob>(eventPictureResources.picture(encodeURIComponent(eventId)), undefined, {
    responseType: 'blob',
    showErrorAlert: false,
  });
}

/**
 * The clip to play for an event at `timeMs` (GET cameras/<id>/recordings/at/<s>), for whoever may
 * see live view. Rejects with Grafana's fetch error, whose `data` is an EventRecordingRefusal.
 */
export async function eventRecording(
  uid: string,
  cameraId: string,
  timeMs: number,
  srv: DataSourceSrv = getDataSourceSrv()
): Promise<EventRecording> {
  const ds = (await srv.get(uid)) as DataSourceWithBackend;
  const body = await ds.getResource<unknown>(
    resources.recordingAt(encodeURIComponent(cameraId), Math.floor(timeMs / 1000)),
    undefined,
    { showErrorAlert: false }
  );
  // Only a whole answer is played: an older sidecar's or a proxy's body is not a clip.
  const r = (typeof body === 'object' && body !== null ? body : {}) as Partial<EventRecording>;
  const numbers = [r.start, r.end, r.offsetS].every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!numbers || typeof r.channel !== 'string' || !r.channel.startsWith('camera/')) {
    throw new Error('The datasource did not answer with a recording');
  }
  return r as EventRecording;
}
