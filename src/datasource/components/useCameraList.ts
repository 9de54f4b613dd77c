import { useEffect, useState } from 'react';

import type { CameraListItem } from '../../shared/query';

interface CameraSource {
  listCameras(): Promise<CameraListItem[]>;
}

export interface CameraListState {
  cameras: CameraListItem[];
  loading: boolean;
  error?: string;
}

/** Loads the datasource's camera list once per datasource; errors become words for the editor. */
export function useCameraList(datasource: CameraSource): CameraListState {
  const [state, setState] = useState<CameraListState>({ cameras: [], loading: true });
  useEffect(() => {
    let cancelled = false;
    datasource.listCameras().then(
      (cameras) => {
        if (!cancelled) {
          setState({ cameras, loading: false });
        }
      },
      (err: unknown) => {
        if (!cancelled) {
          setState({ cameras: [], loading: false, error: errorMessage(err) });
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [datasource]);
  return state;
}

/** The sidecar's words are in data.error (its JSON body); Grafana's own in data.message. */
export function errorMessage(err: unknown): string {
  const e = err as { data?: { message?: unknown; error?: unknown }; message?: unknown; statusText?: unknown };
  const text = e?.data?.error ?? e?.data?.message ?? e?.message ?? e?.statusText;
  return typeof text === 'string' && text ? text : 'unknown error';
}
