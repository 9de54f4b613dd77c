/**
 * The saved datasource's cameras as the sidecar last polled them (the `cameras` resource), by id,
 * for the config editor's rows: asked again after each save, after each Save & test (which
 * polls every camera) and when `refresh` changes (a hub's list was just read); empty before the datasource is saved or when the sidecar is not reached
 * (the rows then say "not polled yet").
 */
import { useEffect, useMemo, useState } from 'react';

import { resources, type CameraListItem } from '../../shared/query';
import { onHealthChecked } from '../healthChecks';
import { useResourceGet } from './resourceCalls';

/** Counts the Save & test checks of `uid` that finished while the editor is open. */
function useHealthChecks(uid: string | undefined): number {
  const [checks, setChecks] = useState(0);
  useEffect(() => onHealthChecked((checked) => checked === uid && setChecks((n) => n + 1)), [uid]);
  return checks;
}

export function useLiveStatus(
  uid: string | undefined,
  version: number | undefined,
  refresh = 0
): Map<string, CameraListItem> {
  const checks = useHealthChecks(uid);
  const state = useResourceGet<unknown>(uid, resources.cameras, version, `${checks}:${refresh}`);
  return useMemo(() => {
    const body = state.kind === 'done' ? state.answer : undefined;
    const rows = Array.isArray(body) ? body : (body as { cameras?: unknown } | undefined)?.cameras;
    return new Map(Array.isArray(rows) ? (rows as CameraListItem[]).map((r) => [r.id, r]) : []);
  }, [state]);
}
