import { type DataSourceWithBackend, getDataSourceSrv } from '@grafana/runtime';
import { useEffect, useState } from 'react';

import { resources, type CameraListItem } from '../../shared/query';

/**
 * The saved datasource's cameras as the sidecar last polled them (the `cameras` resource), by id;
 * empty before the datasource is saved or when the sidecar is not reached (the rows then say so).
 */
export function useLiveStatus(uid: string | undefined, version: number | undefined): Map<string, CameraListItem> {
  const [live, setLive] = useState<Map<string, CameraListItem>>(() => new Map());
  useEffect(() => {
    if (!uid) {
      return;
    }
    let cancelled = false;
    (getDataSourceSrv().get(uid) as Promise<DataSourceWithBackend>)
      .then((ds) => ds.getResource<unknown>(resources.cameras, undefined, { showErrorAlert: false }))
      .then(
        (body) => {
          const rows = Array.isArray(body) ? body : (body as { cameras?: unknown })?.cameras;
          if (!cancelled && Array.isArray(rows)) {
            setLive(new Map((rows as CameraListItem[]).map((r) => [r.id, r])));
          }
        },
        () => undefined
      );
    return () => {
      cancelled = true;
    };
  }, [uid, version]);
  return live;
}
