/**
 * The variable editor of the Tapo Cameras datasource: a camera variable lists every camera (text =
 * name, value = id), optionally only some models (offered from the cameras the sidecar knows) or
 * statuses (the same status picker and words as the query editor). A camera list that did not load
 * is said on the message line under the fields, which never moves them.
 */
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { TapoQuery } from '../../shared/query';
import type { DataSource } from '../datasource';
import type { TapoVariableDataQuery, TapoOptions } from '../types';
import { cameraMessage } from './CameraPicker';
import { EditorMessages } from './EditorMessages';
import { FIELD_LABELS } from './options';
import { OptionsPicker, StatusPicker } from './Pickers';
import { useCameraList } from './useCameraList';

type Props = QueryEditorProps<DataSource, TapoQuery, TapoOptions, TapoVariableDataQuery>;

export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const list = useCameraList(datasource);
  // A variable saved by another editor may be a plain string; treat it as "no filter".
  const current: TapoVariableDataQuery = typeof query === 'object' && query ? query : { refId: 'variable' };
  const modelOptions = useMemo<Array<SelectableValue<string>>>(() => {
    const models = Array.from(new Set(list.cameras.map((c) => c.model).filter((m): m is string => Boolean(m)))).sort();
    return models.map((m) => ({ label: m, value: m }));
  }, [list.cameras]);

  return (
    <div>
      <InlineFieldRow>
        <OptionsPicker<string>
          label={FIELD_LABELS.models}
          labelWidth={14}
          inputId="tapo-variable-models"
          tooltip="Only cameras of these models; empty means all. Type a model that is not listed to add it."
          invalid={Boolean(list.error)}
          allowCustomValue
          isLoading={list.loading}
          placeholder="All models"
          options={modelOptions}
          value={current.models}
          onChange={(models) => onChange({ ...current, models })}
        />
        <StatusPicker
          inputId="tapo-variable-statuses"
          tooltip="Only cameras in these states; empty means all"
          value={current.statuses}
          onChange={(statuses) => onChange({ ...current, statuses })}
        />
      </InlineFieldRow>
      <EditorMessages slots={[cameraMessage(list, undefined)]} />
    </div>
  );
}
