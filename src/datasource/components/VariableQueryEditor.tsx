import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, MultiSelect } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { CameraStatus, TapoQuery } from '../../shared/query';
import type { DataSource } from '../datasource';
import type { TapoVariableDataQuery, TapoOptions } from '../types';
import { STATUS_OPTIONS, optionValues, selectedOptions } from './options';
import { useCameraList } from './useCameraList';

type Props = QueryEditorProps<DataSource, TapoQuery, TapoOptions, TapoVariableDataQuery>;

/** Camera variable: every camera (text = name, value = id), optionally only some models or statuses. */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const { cameras, loading, error } = useCameraList(datasource);
  // A variable saved by another editor may be a plain string; treat it as "no filter".
  const current: TapoVariableDataQuery = typeof query === 'object' && query ? query : { refId: 'variable' };
  const modelOptions = useMemo<Array<SelectableValue<string>>>(() => {
    const models = Array.from(new Set(cameras.map((c) => c.model).filter((m): m is string => Boolean(m)))).sort();
    return models.map((m) => ({ label: m, value: m }));
  }, [cameras]);

  return (
    <InlineFieldRow>
      <InlineField
        label="Models"
        labelWidth={14}
        htmlFor="tapo-variable-models"
        tooltip="Only cameras of these models; empty means all. Type a model that is not listed to add it."
        invalid={Boolean(error)}
        error={error ? `Could not load cameras: ${error}` : undefined}
      >
        <MultiSelect<string>
          inputId="tapo-variable-models"
          width={32}
          allowCustomValue
          isLoading={loading}
          placeholder="All models"
          options={modelOptions}
          value={selectedOptions(modelOptions, current.models)}
          onChange={(items: Array<SelectableValue<string>>) => onChange({ ...current, models: optionValues(items) })}
        />
      </InlineField>
      <InlineField
        label="Status"
        htmlFor="tapo-variable-statuses"
        tooltip="Only cameras in these states; empty means all"
      >
        <MultiSelect<CameraStatus>
          inputId="tapo-variable-statuses"
          width={32}
          placeholder="Any status"
          options={STATUS_OPTIONS}
          value={selectedOptions(STATUS_OPTIONS, current.statuses)}
          onChange={(items: Array<SelectableValue<CameraStatus>>) =>
            onChange({ ...current, statuses: optionValues(items) })
          }
        />
      </InlineField>
    </InlineFieldRow>
  );
}
