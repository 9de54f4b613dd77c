/**
 * The saved datasource's cameras as the sidecar last polled them (the `cameras` resource), by id,
 * for the config editor's rows: asked again after each save; empty before the datasource is saved
 * or when the sidecar is not reached (the rows then say "not polled yet").
 */
import { useMemo } from 'react';

import { resources, type CameraListItem } from '../../shared/query';
import { useResourceGet } from './resourceCalls';

export function useLiveStatus(uid: string | undefined, version: number | undefined): Map<string, CameraListItem> {
  const state = useResourceGet<unknown>(uid, resources.cameras, version);
  return useMemo(() => {
    const body = state.kind === 'done' ? state.answer : undefined;
    const rows = Array.isArray(body) ? body : (body as { cameras?: unknown } | undefined)?.cameras;
    return new Map(Array.isArray(rows) ? (rows as CameraListItem[]).map((r) => [r.id, r]) : []);
  }, [state]);
}
