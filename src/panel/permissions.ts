/**
 * Whether this user gets camera controls: asked of each datasource's sidecar (resources/me), which enforces the
 * same rule; no answer means no controls.
 */
import { useEffect, useState } from 'react';

import type { CameraApi } from './api';

const NONE: ReadonlySet<string> = new Set();

/**
 * The datasources (by uid) on which this user may use camera controls (PTZ, presets, privacy,
 * snapshots), as each datasource's sidecar answers `resources/me`. The sidecar is what enforces the
 * rule, from the org role Grafana sends it with every call, so asking it keeps the panel truthful
 * (a Grafana server admin who is a Viewer in this org gets no controls, as the sidecar would refuse
 * them) and needs nothing from Grafana's boot config. Until a datasource answers, or when it fails
 * or says no, its tiles show no controls.
 */
export function useControlAccess(apis: Map<string, CameraApi>, wanted: boolean): ReadonlySet<string> {
  const [allowed, setAllowed] = useState<ReadonlySet<string>>(NONE);
  useEffect(() => {
    if (!wanted) {
      return;
    }
    const subscriptions = Array.from(apis.entries()).map(([uid, api]) =>
      api.access().subscribe({
        next: (access) => access.controls && setAllowed((prev) => new Set(prev).add(uid)),
        error: () => undefined, // An older or unreachable sidecar: no controls.
      })
    );
    return () => subscriptions.forEach((s) => s.unsubscribe());
  }, [apis, wanted]);
  // A uid's answer stays true for the panel's life: the role is per organisation, not per query.
  return wanted ? allowed : NONE;
}
