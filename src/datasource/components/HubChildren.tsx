/**
 * For a camera entry that is a Tapo hub: lists the hub's battery cameras and doorbells through the sidecar and
 * adds each as a camera behind the hub.
 */
import { Alert, Button, InlineField, InlineSwitch, Stack, Text } from '@grafana/ui';
import React, { useEffect } from 'react';

import { resources, type CameraSettings, type HubChildItem, type HubChildrenResponse } from '../../shared/query';
import { AddOrAdded } from './AddOrAdded';
import { useResourceCall } from './resourceCalls';

export interface HubChildToAdd {
  name: string;
  host: string;
  hubChild: { hubId: string; deviceId: string };
}

interface Props {
  /** The saved datasource; empty before its first save. */
  uid?: string;
  /** This row's camera: a hub when `kind` is 'hub'. */
  camera: CameraSettings;
  /** The sidecar knows the hub under this id: it was saved with it and not changed since. */
  saved: boolean;
  /** Every row, to mark children already added. */
  cameras: CameraSettings[];
  onChange: (patch: Partial<CameraSettings>) => void;
  onAdd: (child: HubChildToAdd) => void;
  /** The hub's list was read (the sidecar now runs what is behind it). */
  onListed?: () => void;
}

function stateWords(c: HubChildItem): string {
  const battery = c.batteryPercent === null ? '' : `, battery ${c.batteryPercent}%`;
  return `${!c.online ? 'unreachable' : c.sleeping ? 'asleep' : 'awake'}${battery}`;
}

/**
 * A hub (H200/H500) entered like a camera: the switch that marks it as one, and its battery
 * cameras and doorbells as the saved hub lists them through the sidecar, each addable as a camera.
 */
export function HubChildren({ uid, camera, saved, cameras, onChange, onAdd, onListed }: Props) {
  const { state, get, reset } = useResourceCall<HubChildrenResponse>(uid);
  const listedAnswer = state.kind === 'done' ? state.answer : null;
  useEffect(() => {
    if (listedAnswer) {
      onListed?.();
    }
    // Once per answer: the callback's identity changes with every render of the editor.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listedAnswer]);
  if (camera.hubChild) {
    return null;
  }
  const isHub = camera.kind === 'hub';
  const canList = Boolean(uid) && saved;
  const addedAs = (deviceId: string) => {
    const i = cameras.findIndex((c) => c.hubChild?.hubId === camera.id && c.hubChild.deviceId === deviceId);
    return i < 0 ? null : `camera ${i + 1}${cameras[i].name ? ` (${cameras[i].name})` : ''}`;
  };
  const list = () => get(resources.hubChildren(camera.id), { refresh: 1 });
  const children = state.kind === 'done' ? state.answer.children : [];
  return (
    <Stack direction="column" gap={1}>
      <InlineField
        label="Tapo hub"
        tooltip="An H200/H500 hub: its battery cameras and doorbells are reached through it, with its cloud password"
      >
        <InlineSwitch
          aria-label={`${camera.name || camera.id} is a Tapo hub`}
          value={isHub}
          onChange={(e) => {
            reset();
            onChange({ kind: e.currentTarget.checked ? 'hub' : undefined });
          }}
        />
      </InlineField>
      {isHub && (
        <Text color="secondary" variant="bodySmall">
          The sidecar runs the hub&apos;s cameras on its own; add one here to name it, choose its stream or switch it
          off.
        </Text>
      )}
      {isHub && (
        <Stack direction="row" alignItems="center" gap={1}>
          <Button
            variant="secondary"
            icon={state.kind === 'running' ? 'spinner' : 'list-ul'}
            disabled={!canList || state.kind === 'running'}
            onClick={list}
          >
            List the hub&apos;s cameras
          </Button>
          {!canList && (
            <Text color="secondary" variant="bodySmall">
              Save the datasource first: the sidecar lists a hub&apos;s cameras through its saved login.
            </Text>
          )}
        </Stack>
      )}
      {isHub && state.kind === 'error' && (
        <Alert severity="warning" title="The hub's cameras could not be listed">
          {state.message}
        </Alert>
      )}
      {isHub && state.kind === 'done' && children.length === 0 && (
        <Alert severity="info" title="No cameras behind this hub">
          Pair battery cameras or doorbells with the hub in the Tapo app, then list again.
        </Alert>
      )}
      {isHub && state.kind === 'done' && children.length > 0 && (
        <table aria-label={`Cameras behind ${camera.name || camera.id}`}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Model</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {children.map((c) => {
              const already = addedAs(c.deviceId);
              return (
                <tr key={c.deviceId}>
                  <td>{c.name}</td>
                  <td>{c.model}</td>
                  <td>{stateWords(c)}</td>
                  <td>
                    <AddOrAdded
                      added={already && `Added as ${already}`}
                      label={`Add ${c.name}`}
                      onAdd={() =>
                        onAdd({ name: c.name, host: camera.host, hubChild: { hubId: camera.id, deviceId: c.deviceId } })
                      }
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
