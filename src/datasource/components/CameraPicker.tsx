/**
 * The camera choice of the query and annotation editors: the datasource's cameras (from the sidecar's
 * `cameras` resource, named and described in words) plus dashboard variables; empty means every
 * camera. A stored id that the datasource no longer has is kept, marked with a warning sign, and
 * `cameraMessage` says so (and says when the list could not be loaded) for the editor's message line.
 */
import { type SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, MultiSelect } from '@grafana/ui';
import React, { useMemo } from 'react';

import { ALL_CAMERAS_VALUES } from '../../shared/query';
import type { EditorMessage } from './EditorMessages';
import { FIELD_LABELS, statusLabel } from './options';
import type { CameraListState } from './useCameraList';

interface Props {
  /** The camera list the editor loaded (useCameraList). */
  list: CameraListState;
  value: string[] | undefined;
  onChange: (cameras: string[]) => void;
  /** Unique per editor instance, so the label points at the right input. */
  inputId: string;
}

function variableOptions(): Array<SelectableValue<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Dashboard variable' }));
}

/** Ids in `value` that are no camera of the loaded list (variables and "All" spellings are not ids). */
export function unknownCameraIds(list: CameraListState, value: readonly string[] | undefined): string[] {
  if (list.loading || list.error) {
    return [];
  }
  const known = new Set(list.cameras.map((c) => c.id));
  return (value ?? []).filter((id) => !id.startsWith('$') && !ALL_CAMERAS_VALUES.has(id) && !known.has(id));
}

/** What the message line says about the camera choice: the list failed, or ids no longer exist. */
export function cameraMessage(list: CameraListState, value: readonly string[] | undefined): EditorMessage | undefined {
  if (list.error) {
    return { severity: 'error', text: `Could not load cameras: ${list.error}` };
  }
  const unknown = unknownCameraIds(list, value);
  if (unknown.length === 0) {
    return undefined;
  }
  const names = unknown.map((id) => `“${id}”`).join(', ');
  return {
    severity: 'warning',
    text: `${unknown.length === 1 ? 'No camera has the id' : 'No cameras have the ids'} ${names} any more (removed, or its id changed): the query answers nothing for ${unknown.length === 1 ? 'it' : 'them'}.`,
  };
}

export function CameraPicker({ list, value, onChange, inputId }: Props) {
  const options = useMemo<Array<SelectableValue<string>>>(
    () => [
      ...list.cameras.map((c) => ({
        label: c.name,
        value: c.id,
        description: `${c.id} · ${c.model ?? 'model unknown'} · ${statusLabel(c.status)}`,
      })),
      ...variableOptions(),
    ],
    [list.cameras]
  );
  const unknown = new Set(unknownCameraIds(list, value));
  const selected = (value ?? []).map(
    (id) =>
      options.find((o) => o.value === id) ??
      (unknown.has(id) ? { label: `⚠ ${id} (not found)`, value: id } : { label: id, value: id })
  );
  return (
    <InlineField
      label={FIELD_LABELS.cameras}
      labelWidth={14}
      htmlFor={inputId}
      tooltip="Empty means every camera, including ones added later. Variables such as $camera may hold several cameras or All."
      invalid={Boolean(list.error)}
    >
      <MultiSelect<string>
        inputId={inputId}
        width={48}
        options={options}
        value={selected}
        isLoading={list.loading}
        allowCustomValue
        placeholder="All cameras"
        onChange={(items: Array<SelectableValue<string>>) =>
          onChange(items.map((i) => i.value).filter((v): v is string => Boolean(v)))
        }
      />
    </InlineField>
  );
}
