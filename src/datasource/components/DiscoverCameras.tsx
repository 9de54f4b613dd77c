/**
 * "Find cameras on my network" in the config editor: asks the saved datasource's sidecar to run
 * TP-Link's discovery (its own networks, or one address the user gives; POST `discover`) and lists
 * the cameras that answered, with model, address, MAC and login kind, each added with one click
 * (name and host prefilled) unless it is configured already.
 */
import { Alert, Button, Field, Input, Stack, Text } from '@grafana/ui';
import React, { useState } from 'react';

import { resources, type DiscoverRequest, type DiscoverResponse, type DiscoveredCameraItem } from '../../shared/query';
import { AddOrAdded } from './AddOrAdded';
import { useResourceCall } from './resourceCalls';

interface Props {
  /** The saved datasource whose sidecar searches; empty before its first save. */
  uid?: string;
  /** Cameras in the editor by host (host or host:port) → their label, to mark answers already added. */
  configured: Map<string, string>;
  onAdd: (camera: { name: string; host: string }) => void;
}

const LOGIN_WORDS: Record<number, string> = { 3: 'secure login', 4: 'new firmware login (TPAP)' };

export const addressOf = (c: DiscoveredCameraItem) => (c.httpsPort === 443 ? c.host : `${c.host}:${c.httpsPort}`);

/** "Find cameras": the sidecar's discovery (its own networks, or one address), each answer addable. */
export function DiscoverCameras({ uid, configured, onAdd }: Props) {
  const [target, setTarget] = useState('');
  const { state, post } = useResourceCall<DiscoverResponse>(uid);
  const run = () => {
    const body: DiscoverRequest = target.trim() ? { target: target.trim() } : {};
    return post(resources.discover, body);
  };
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" alignItems="flex-end" gap={1}>
        <Field
          label="Address to ask (optional)"
          description="Empty asks every network the sidecar is on; or give one camera's IPv4 address"
          noMargin
        >
          <Input
            id="tapo-discover-target"
            width={24}
            placeholder="all local networks"
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value)}
          />
        </Field>
        <Button
          variant="secondary"
          icon={state.kind === 'running' ? 'spinner' : 'search'}
          disabled={!uid || state.kind === 'running'}
          onClick={run}
        >
          Find cameras
        </Button>
      </Stack>
      {!uid && (
        <Text color="secondary" variant="bodySmall">
          Save the datasource first: its sidecar searches the network.
        </Text>
      )}
      {state.kind === 'error' && (
        <Alert severity="warning" title="The search did not run">
          {state.message}
        </Alert>
      )}
      {state.kind === 'done' && state.answer.cameras.length === 0 && (
        <Alert severity="info" title="No camera answered">
          Asked {state.answer.targets.join(', ') || 'no network'} for {state.answer.timeoutMs} ms. Cameras answer on the
          same network only; give a camera&apos;s address to ask it directly.
        </Alert>
      )}
      {state.kind === 'done' && state.answer.cameras.length > 0 && (
        <table aria-label="Cameras found">
          <thead>
            <tr>
              <th>Model</th>
              <th>Host</th>
              <th>MAC</th>
              <th>Login</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.answer.cameras.map((c) => {
              const address = addressOf(c);
              const already = configured.get(address) ?? c.configuredAs ?? undefined;
              return (
                <tr key={`${address}-${c.mac}`}>
                  <td>{c.name ? `${c.model} (${c.name})` : c.model}</td>
                  <td>{address}</td>
                  <td>{c.mac}</td>
                  <td>{c.loginVersion === null ? 'not said' : (LOGIN_WORDS[c.loginVersion] ?? 'older login')}</td>
                  <td>
                    <AddOrAdded
                      added={already && `Already configured as ${already}`}
                      label={`Add ${address}`}
                      onAdd={() => onAdd({ name: c.name ?? c.model, host: address })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Stack>
  );
}
