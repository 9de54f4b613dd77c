/**
 * The saved datasource's cameras that another source lists too (the `ownership` resource), by id,
 * for the config editor's rows (issue 24): asked again after each save; empty before the
 * datasource is saved, when the sidecar is not reached, or when it is older than this resource.
 */
import { useMemo } from 'react';

import { resources, type CameraOwnership } from '../../shared/query';
import { useResourceGet } from './resourceCalls';

export function useOwnership(uid: string | undefined, version: number | undefined): Map<string, CameraOwnership> {
  const state = useResourceGet<unknown>(uid, resources.ownership, version);
  return useMemo(() => {
    const rows = state.kind === 'done' ? (state.answer as { cameras?: unknown } | undefined)?.cameras : undefined;
    return new Map(Array.isArray(rows) ? (rows as CameraOwnership[]).map((r) => [r.cameraId, r]) : []);
  }, [state]);
}
