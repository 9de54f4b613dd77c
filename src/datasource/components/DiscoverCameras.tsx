/**
 * "Find cameras on my network" in the config editor: asks the saved datasource's sidecar to run
 * TP-Link's discovery (its own networks, or one address the user gives; POST `discover`) and lists
 * the cameras and hubs that answered, with model, address, MAC and login kind. Each is added as a
 * folded row, one at a time or several together ("Add selected", "Add all"), with one cloud
 * password typed once here for all of them: it goes to each added device's own secure field.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Checkbox, Field, Input, Stack, Text, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { resources, type DiscoverRequest, type DiscoverResponse, type DiscoveredCameraItem } from '../../shared/query';
import { AddOrAdded } from './AddOrAdded';
import { useResourceCall } from './resourceCalls';

/** A device discovery found, as it becomes a row: its name, address and whether it is a hub. */
export interface FoundDevice {
  name: string;
  host: string;
  kind: 'camera' | 'hub';
}

interface Props {
  /** The saved datasource whose sidecar searches; empty before its first save. */
  uid?: string;
  /** Cameras in the editor by host (host or host:port) → their label ("camera 2"), to mark answers already added. */
  configured: Map<string, string>;
  /** Adds the devices as folded rows; a typed `password` (else '') goes to each one's own secure field. */
  onAdd: (devices: FoundDevice[], password: string) => void;
}

const LOGIN_WORDS: Record<number, string> = { 3: 'secure login', 4: 'new firmware login (TPAP)' };

export const addressOf = (c: DiscoveredCameraItem) => (c.httpsPort === 443 ? c.host : `${c.host}:${c.httpsPort}`);

const foundDevice = (c: DiscoveredCameraItem): FoundDevice => ({
  name: c.name ?? c.model,
  host: addressOf(c),
  kind: c.kind === 'hub' ? 'hub' : 'camera',
});

/** "Find cameras": the sidecar's discovery (its own networks, or one address), answers added alone or together. */
export function DiscoverCameras({ uid, configured, onAdd }: Props) {
  const [target, setTarget] = useState('');
  const [password, setPassword] = useState('');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const { state, post } = useResourceCall<DiscoverResponse>(uid);
  const styles = useStyles2(getStyles);
  const run = () => {
    const body: DiscoverRequest = target.trim() ? { target: target.trim() } : {};
    setSelected(new Set());
    return post(resources.discover, body);
  };
  const found = state.kind === 'done' ? state.answer.cameras : [];
  // Short words, so a found row stays one line: the editor's own row, or the sidecar's id for it.
  const alreadyOf = (c: DiscoveredCameraItem) => {
    const here = configured.get(addressOf(c));
    return here ? `Added as ${here}` : c.configuredAs ? `Already configured as ${c.configuredAs}` : undefined;
  };
  const addable = found.filter((c) => !alreadyOf(c));
  const chosen = addable.filter((c) => selected.has(addressOf(c)));
  const add = (list: DiscoveredCameraItem[]) => {
    onAdd(list.map(foundDevice), password);
    setSelected((prev) => new Set([...prev].filter((a) => !list.some((c) => addressOf(c) === a))));
  };
  const toggle = (address: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      return next.delete(address) ? next : next.add(address);
    });
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
      {state.kind === 'done' && found.length === 0 && (
        <Alert severity="info" title="No camera answered">
          Asked {state.answer.targets.join(', ') || 'no network'} for {state.answer.timeoutMs} ms. Cameras answer on the
          same network only; give a camera&apos;s address to ask it directly.
        </Alert>
      )}
      {found.length > 0 && (
        <Stack direction="row" alignItems="flex-end" gap={1} wrap="wrap">
          <Field
            label="TP-Link cloud password for the devices you add here"
            description="Typed once; each device added keeps it in its own secure field"
            noMargin
          >
            <Input
              id="tapo-discover-password"
              type="password"
              autoComplete="new-password"
              width={32}
              placeholder="Cloud password (optional)"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
          </Field>
          <Button variant="secondary" icon="plus" disabled={chosen.length === 0} onClick={() => add(chosen)}>
            {`Add selected (${chosen.length})`}
          </Button>
          <Button icon="plus" disabled={addable.length === 0} onClick={() => add(addable)}>
            {`Add all (${addable.length})`}
          </Button>
        </Stack>
      )}
      {found.length > 0 && (
        <table aria-label="Cameras found" className={styles.table}>
          <thead>
            <tr>
              <th />
              <th>Model</th>
              <th>Host</th>
              <th>MAC</th>
              <th>Login</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {found.map((c) => {
              const address = addressOf(c);
              const already = alreadyOf(c);
              return (
                <tr key={`${address}-${c.mac}`}>
                  <td>
                    {!already && (
                      <Checkbox
                        aria-label={`Select ${address}`}
                        value={selected.has(address)}
                        onChange={() => toggle(address)}
                      />
                    )}
                  </td>
                  <td>
                    {c.name ? `${c.model} (${c.name})` : c.model}
                    {c.kind === 'hub' && (
                      <>
                        {' '}
                        <Badge
                          color="purple"
                          icon="sitemap"
                          text="Hub"
                          tooltip="Its battery cameras and sensors are reached through it"
                        />
                      </>
                    )}
                  </td>
                  <td>{address}</td>
                  <td>{c.mac}</td>
                  <td>{c.loginVersion === null ? 'not said' : (LOGIN_WORDS[c.loginVersion] ?? 'older login')}</td>
                  <td>
                    <AddOrAdded added={already} label={`Add ${address}`} onAdd={() => add([c])} />
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

const getStyles = (theme: GrafanaTheme2) => ({
  // One line per device: identity columns never wrap; only the last (what was done) may.
  table: css({
    'th, td': { padding: theme.spacing(0.25, 1, 0.25, 0), textAlign: 'left', whiteSpace: 'nowrap' },
    'th:last-child, td:last-child': { whiteSpace: 'normal' },
  }),
});
