/**
 * The annotation editor of the Tapo Cameras datasource: which cameras' events become annotations on
 * a dashboard (motion, person and doorbell events, and cameras going offline or coming back). It
 * always edits an `events` query, with the same camera picker, event fields and words as the query
 * editor, and shows a camera list error or a camera that no longer exists on its message line.
 */
import type { QueryEditorProps } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';
import React from 'react';

import type { TapoQuery } from '../../shared/query';
import type { DataSource } from '../datasource';
import type { TapoOptions } from '../types';
import { CameraPicker, cameraMessage } from './CameraPicker';
import { EditorMessages } from './EditorMessages';
import { EventFields } from './Pickers';
import { useCameraList } from './useCameraList';

/** Grafana 10.4 passes AnnotationQueryEditorProps, a superset of these (not exported by @grafana/data). */
type Props = QueryEditorProps<DataSource, TapoQuery, TapoOptions>;

export function AnnotationQueryEditor({ query, onChange, datasource }: Props) {
  const list = useCameraList(datasource);
  const current: TapoQuery = { ...query, queryType: 'events' };
  return (
    <div>
      <InlineFieldRow>
        <CameraPicker
          list={list}
          inputId="tapo-annotation-cameras"
          value={current.cameras}
          onChange={(cameras) => onChange({ ...current, cameras })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <EventFields
          inputId="tapo-annotation-kinds"
          eventKinds={current.eventKinds}
          // Annotations show status changes unless turned off.
          statusChanges={current.statusChanges !== false}
          onChange={(patch) => onChange({ ...current, ...patch })}
        />
      </InlineFieldRow>
      <EditorMessages slots={[cameraMessage(list, current.cameras)]} />
    </div>
  );
}
