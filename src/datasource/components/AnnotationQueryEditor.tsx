import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch, MultiSelect } from '@grafana/ui';
import React from 'react';

import type { EventKind, TapoQuery } from '../../shared/query';
import type { DataSource } from '../datasource';
import type { TapoOptions } from '../types';
import { CameraPicker } from './CameraPicker';
import { EVENT_KIND_OPTIONS, optionValues, selectedOptions } from './options';

/** Grafana 10.4 passes AnnotationQueryEditorProps, a superset of these (not exported by @grafana/data). */
type Props = QueryEditorProps<DataSource, TapoQuery, TapoOptions>;

/** Annotations: motion/person events and status changes of the chosen cameras. */
export function AnnotationQueryEditor({ query, onChange, datasource }: Props) {
  const current: TapoQuery = { ...query, queryType: 'events' };
  return (
    <div>
      <InlineFieldRow>
        <CameraPicker
          datasource={datasource}
          inputId="tapo-annotation-cameras"
          value={current.cameras}
          onChange={(cameras) => onChange({ ...current, cameras })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Events"
          labelWidth={14}
          htmlFor="tapo-annotation-kinds"
          tooltip="Motion and person events; empty means every kind"
        >
          <MultiSelect<EventKind>
            inputId="tapo-annotation-kinds"
            width={32}
            placeholder="All kinds"
            options={EVENT_KIND_OPTIONS}
            value={selectedOptions(EVENT_KIND_OPTIONS, current.eventKinds)}
            onChange={(items: Array<SelectableValue<EventKind>>) =>
              onChange({ ...current, eventKinds: optionValues(items) })
            }
          />
        </InlineField>
        <InlineField label="Status changes" tooltip="Went offline, came back online">
          <InlineSwitch
            aria-label="Status changes"
            value={current.statusChanges !== false}
            onChange={(e) => onChange({ ...current, statusChanges: e.currentTarget.checked })}
          />
        </InlineField>
      </InlineFieldRow>
    </div>
  );
}
