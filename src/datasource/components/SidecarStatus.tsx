import { type DataSourceWithBackend, getDataSourceSrv } from '@grafana/runtime';
import { Alert } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

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
    (getDataSourceSrv().get(uid) as Promise<DataSourceWithBackend>)
      .then((ds) => ds.getResource<SidecarInfo>(resources.info, undefined, { showErrorAlert: false }))
      .then(
        (info) => !cancelled && setState({ kind: 'ok', info }),
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
