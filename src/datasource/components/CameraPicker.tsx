import { type SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, MultiSelect } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { CameraListItem } from '../../shared/query';
import { useCameraList } from './useCameraList';

interface Props {
  datasource: { listCameras(): Promise<CameraListItem[]> };
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

/** Camera multi-select: cameras from the `cameras` resource plus dashboard variables; empty means all. */
export function CameraPicker({ datasource, value, onChange, inputId }: Props) {
  const { cameras, loading, error } = useCameraList(datasource);
  const options = useMemo<Array<SelectableValue<string>>>(
    () => [
      ...cameras.map((c) => ({
        label: c.name,
        value: c.id,
        description: `${c.id} · ${c.model ?? 'model unknown'} · ${c.status}`,
      })),
      ...variableOptions(),
    ],
    [cameras]
  );
  const selected = (value ?? []).map((id) => options.find((o) => o.value === id) ?? { label: id, value: id });
  return (
    <InlineField
      label="Cameras"
      labelWidth={14}
      htmlFor={inputId}
      tooltip="Empty means every camera, including ones added later. Variables such as $camera may hold several cameras or All."
      invalid={Boolean(error)}
      error={error ? `Could not load cameras: ${error}` : undefined}
    >
      <MultiSelect<string>
        inputId={inputId}
        width={48}
        options={options}
        value={selected}
        isLoading={loading}
        allowCustomValue
        placeholder="All cameras"
        onChange={(items: Array<SelectableValue<string>>) =>
          onChange(items.map((i) => i.value).filter((v): v is string => Boolean(v)))
        }
      />
    </InlineField>
  );
}
