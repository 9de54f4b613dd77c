/**
 * The datasource's cameras for the query, variable and annotation editors (the sidecar's `cameras`
 * resource through DataSource.listCameras), loaded once per datasource; a failure becomes words for
 * the editor's message line.
 */
import { useEffect, useState } from 'react';

import type { CameraListItem } from '../../shared/query';
import { errorMessage } from './resourceCalls';

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
