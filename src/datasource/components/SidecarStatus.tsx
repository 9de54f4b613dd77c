import { getBackendSrv } from '@grafana/runtime';
import { Alert } from '@grafana/ui';
import React, { useEffect, useState } from 'react';
import { lastValueFrom } from 'rxjs';

import { resources, type SidecarInfo } from '../../shared/query';
import { errorMessage } from './useCameraList';

type State =
  | { kind: 'loading' }
  | { kind: 'ok'; info: SidecarInfo }
  | { kind: 'unreported' }
  | { kind: 'error'; message: string };

/** In sidecar mode: which sidecar the saved datasource reached (the `info` resource). */
export function SidecarStatus({ uid }: { uid?: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    if (!uid) {
      return;
    }
    let cancelled = false;
    lastValueFrom(
      getBackendSrv().fetch<SidecarInfo>({
        url: `/api/datasources/uid/${uid}/resources/${resources.info}`,
        method: 'GET',
        showErrorAlert: false,
      })
    ).then(
      (res) => !cancelled && setState({ kind: 'ok', info: res.data }),
      (err: unknown) => {
        if (!cancelled) {
          // A 404 comes from the sidecar itself: reached, but it does not report its address.
          const notFound = (err as { status?: number })?.status === 404;
          setState(notFound ? { kind: 'unreported' } : { kind: 'error', message: errorMessage(err) });
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [uid]);

  if (!uid) {
    return <p>Save the datasource to see which sidecar it reaches.</p>;
  }
  if (state.kind === 'loading') {
    return <p>Contacting the sidecar…</p>;
  }
  if (state.kind === 'unreported') {
    return <p>The sidecar answers, but does not report its address.</p>;
  }
  if (state.kind === 'error') {
    return (
      <Alert severity="warning" title="The sidecar was not reached">
        {state.message}. Grafana finds it through <code>sidecar_address</code> in the{' '}
        <code>[plugin.camwatch-tapo-datasource]</code> section of its configuration (or{' '}
        <code>TAPO_SIDECAR_ADDRESS</code>).
      </Alert>
    );
  }
  return (
    <p>
      Reached the sidecar at <strong>{state.info.address ?? 'an unknown address'}</strong> (version {state.info.version}
      , {state.info.connection} mode).
    </p>
  );
}
