import { type BackendSrv, getBackendSrv } from '@grafana/runtime';
import { type Observable, lastValueFrom, map } from 'rxjs';

import {
  PTZ_DIRECTIONS,
  resources,
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
  snapshot(cameraId: string): Promise<Blob>;
  move(cameraId: string, direction: PtzDirection): Promise<void>;
  presets(cameraId: string): Promise<PtzPreset[]>;
  gotoPreset(cameraId: string, presetId: string): Promise<void>;
  setPrivacy(cameraId: string, enabled: boolean): Promise<void>;
}

export function cameraApi(uid: string, backend: BackendSrv = getBackendSrv()): CameraApi {
  const url = (path: string) => `/api/datasources/uid/${encodeURIComponent(uid)}/resources/${path}`;
  const get = async <T>(path: string, responseType?: 'blob'): Promise<T> =>
    (await lastValueFrom(backend.fetch<T>({ url: url(path), method: 'GET', responseType, showErrorAlert: false })))
      .data;
  const post = async (path: string, data: unknown): Promise<void> => {
    await lastValueFrom(backend.fetch({ url: url(path), method: 'POST', data, showErrorAlert: false }));
  };
  const id = (cameraId: string) => encodeURIComponent(cameraId);
  return {
    cameras: () =>
      backend
        .fetch<unknown>({ url: url(resources.cameras), method: 'GET', showErrorAlert: false })
        .pipe(map((res) => (Array.isArray(res.data) ? (res.data as CameraListItem[]) : []))),
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
