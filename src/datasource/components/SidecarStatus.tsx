/**
 * In sidecar mode, the config editor says which sidecar the saved datasource reached (the `info`
 * resource: address, version, mode), that it answers without saying, or that it was not reached and
 * where Grafana is told its address.
 */
import { Alert } from '@grafana/ui';
import React from 'react';

import { resources, type SidecarInfo } from '../../shared/query';
import { useResourceGet } from './resourceCalls';

export function SidecarStatus({ uid }: { uid?: string }) {
  const state = useResourceGet<SidecarInfo>(uid, resources.info);
  if (!uid) {
    return <p>Save the datasource to see which sidecar it reaches.</p>;
  }
  if (state.kind === 'idle' || state.kind === 'running') {
    return <p>Contacting the sidecar…</p>;
  }
  // A 404 comes from the sidecar itself: reached, but it does not report its address.
  if (state.kind === 'error' && state.status === 404) {
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
  const info = state.answer;
  return (
    <p>
      Reached the sidecar at <strong>{info.address ?? 'an unknown address'}</strong> (version {info.version},{' '}
      {info.connection} mode).
    </p>
  );
}
