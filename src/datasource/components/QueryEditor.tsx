import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch, Input, MultiSelect, RadioButtonGroup } from '@grafana/ui';
import React, { useState } from 'react';

import {
  LIVE_DEFAULT_FPS,
  LIVE_DEFAULT_WIDTH,
  LIVE_MAX_FPS,
  LIVE_MAX_WIDTH,
  LIMITS,
  type CameraStatus,
  type EventKind,
  type LiveKind,
  LIVE_DEFAULT_VIDEO_STREAM,
  type VideoStreamName,
  type MetricName,
  type QueryType,
  type TapoQuery,
} from '../../shared/query';
import type { DataSource } from '../datasource';
import type { TapoOptions } from '../types';
import { CameraPicker } from './CameraPicker';
import {
  EVENT_KIND_OPTIONS,
  LIVE_KIND_OPTIONS,
  METRIC_OPTIONS,
  QUERY_TYPE_OPTIONS,
  STATUS_OPTIONS,
  optionValues,
  selectedOptions,
} from './options';

type Props = QueryEditorProps<DataSource, TapoQuery, TapoOptions>;

/** Settings that belong to one query type only; the others' are dropped on a switch. */
const TYPE_FIELDS: Record<QueryType, Array<keyof TapoQuery>> = {
  metrics: ['metrics'],
  status: ['statuses'],
  events: ['eventKinds', 'statusChanges'],
  live: ['live'],
};

/**
 * Fields a query type needs when the user switches to it, without the previous type's settings
 * (a stale `live.fps: 0` would make the sidecar refuse a metrics query).
 */
function withTypeDefaults(query: TapoQuery, queryType: QueryType): TapoQuery {
  const next: TapoQuery = { ...query, queryType };
  for (const [type, fields] of Object.entries(TYPE_FIELDS)) {
    if (type !== queryType) {
      fields.forEach((field) => delete next[field]);
    }
  }
  if (queryType === 'metrics' && !next.metrics?.length) {
    next.metrics = ['online'];
  }
  if (queryType === 'live' && !next.live) {
    // Video by default; fps and width say how pictures are made where video cannot play.
    next.live = { kind: 'video', stream: LIVE_DEFAULT_VIDEO_STREAM, fps: LIVE_DEFAULT_FPS, width: LIVE_DEFAULT_WIDTH };
  }
  return next;
}

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType = query.queryType ?? 'metrics';
  const id = (name: string) => `tapo-${name}-${query.refId}`;
  const [capNotice, setCapNotice] = useState<string | undefined>();

  const change = (next: TapoQuery, run = true) => {
    onChange(next);
    if (run) {
      onRunQuery();
    }
  };

  const live = query.live ?? { kind: 'frames' as LiveKind };
  const changeLiveNumber = (key: 'fps' | 'width', text: string) => {
    const max = key === 'fps' ? LIVE_MAX_FPS : LIVE_MAX_WIDTH;
    const min = key === 'fps' ? LIMITS.liveFps.min : LIMITS.liveWidth.min;
    if (text.trim() === '') {
      setCapNotice(undefined);
      change({ ...query, live: { ...live, [key]: undefined } }, false);
      return;
    }
    const n = Number(text);
    if (!Number.isFinite(n)) {
      return;
    }
    if (n > max) {
      setCapNotice(key === 'fps' ? `Capped at ${max} frames per second` : `Capped at ${max} pixels wide`);
    } else if (n < min) {
      setCapNotice(key === 'fps' ? `At least ${min} frame per second` : `At least ${min} pixels wide`);
    } else {
      setCapNotice(undefined);
    }
    change({ ...query, live: { ...live, [key]: Math.min(max, Math.round(n)) } }, false);
  };

  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={14}>
          <RadioButtonGroup<QueryType>
            options={QUERY_TYPE_OPTIONS}
            value={queryType}
            onChange={(v) => change(withTypeDefaults(query, v))}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <CameraPicker
          datasource={datasource}
          inputId={id('cameras')}
          value={query.cameras}
          onChange={(cameras) => change({ ...query, cameras })}
        />
      </InlineFieldRow>

      {queryType === 'metrics' && (
        <InlineFieldRow>
          <InlineField
            label="Metrics"
            labelWidth={14}
            htmlFor={id('metrics')}
            invalid={!query.metrics?.length}
            error="Pick at least one metric"
          >
            <MultiSelect<MetricName>
              inputId={id('metrics')}
              width={48}
              options={METRIC_OPTIONS}
              value={selectedOptions(METRIC_OPTIONS, query.metrics)}
              onChange={(items: Array<SelectableValue<MetricName>>) =>
                change({ ...query, metrics: optionValues(items) })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {queryType === 'status' && (
        <InlineFieldRow>
          <InlineField label="Status" labelWidth={14} htmlFor={id('statuses')} tooltip="Empty means every status">
            <MultiSelect<CameraStatus>
              inputId={id('statuses')}
              width={48}
              placeholder="Any status"
              options={STATUS_OPTIONS}
              value={selectedOptions(STATUS_OPTIONS, query.statuses)}
              onChange={(items: Array<SelectableValue<CameraStatus>>) =>
                change({ ...query, statuses: optionValues(items) })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {queryType === 'events' && (
        <InlineFieldRow>
          <InlineField label="Event kinds" labelWidth={14} htmlFor={id('kinds')} tooltip="Empty means every kind">
            <MultiSelect<EventKind>
              inputId={id('kinds')}
              width={32}
              placeholder="All kinds"
              options={EVENT_KIND_OPTIONS}
              value={selectedOptions(EVENT_KIND_OPTIONS, query.eventKinds)}
              onChange={(items: Array<SelectableValue<EventKind>>) =>
                change({ ...query, eventKinds: optionValues(items) })
              }
            />
          </InlineField>
          <InlineField label="Status changes" tooltip="Also list cameras going offline and coming back">
            <InlineSwitch
              aria-label="Status changes"
              value={Boolean(query.statusChanges)}
              onChange={(e) => change({ ...query, statusChanges: e.currentTarget.checked })}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {queryType === 'live' && (
        <>
          <InlineFieldRow>
            <InlineField label="Stream" labelWidth={14}>
              <RadioButtonGroup<LiveKind>
                options={LIVE_KIND_OPTIONS}
                value={live.kind}
                onChange={(kind) =>
                  change({
                    ...query,
                    live:
                      kind === 'frames'
                        ? { kind, fps: live.fps ?? LIVE_DEFAULT_FPS, width: live.width ?? LIVE_DEFAULT_WIDTH }
                        : kind === 'video'
                          ? {
                              kind,
                              stream: live.stream ?? LIVE_DEFAULT_VIDEO_STREAM,
                              fps: live.fps ?? LIVE_DEFAULT_FPS,
                              width: live.width ?? LIVE_DEFAULT_WIDTH,
                            }
                          : { kind },
                  })
                }
              />
            </InlineField>
          </InlineFieldRow>
          {live.kind === 'video' && (
            <InlineFieldRow>
              <InlineField
                label="Camera stream"
                labelWidth={14}
                tooltip="Tiles play the small stream (stream2); the panel's full screen may switch to the main one"
              >
                <RadioButtonGroup<VideoStreamName>
                  options={[
                    { label: 'Small (stream2)', value: 'sub' },
                    { label: 'Full size (stream1)', value: 'main' },
                  ]}
                  value={live.stream ?? LIVE_DEFAULT_VIDEO_STREAM}
                  onChange={(stream) => change({ ...query, live: { ...live, stream } })}
                />
              </InlineField>
            </InlineFieldRow>
          )}
          {live.kind === 'frames' && (
            <InlineFieldRow>
              <InlineField
                label="Frames/s"
                labelWidth={14}
                htmlFor={id('fps')}
                tooltip={`1 to ${LIVE_MAX_FPS}; a wall of 16 cameras at 2 fps stays far below Grafana Live's per-client limit`}
              >
                <Input
                  id={id('fps')}
                  type="number"
                  width={10}
                  min={LIMITS.liveFps.min}
                  max={LIVE_MAX_FPS}
                  placeholder={String(LIVE_DEFAULT_FPS)}
                  value={live.fps ?? ''}
                  onChange={(e) => changeLiveNumber('fps', e.currentTarget.value)}
                  onBlur={onRunQuery}
                />
              </InlineField>
              <InlineField
                label="Width"
                htmlFor={id('width')}
                tooltip={`Pixels, up to ${LIVE_MAX_WIDTH}; height keeps the aspect`}
              >
                <Input
                  id={id('width')}
                  type="number"
                  width={10}
                  min={LIMITS.liveWidth.min}
                  max={LIVE_MAX_WIDTH}
                  placeholder={String(LIVE_DEFAULT_WIDTH)}
                  value={live.width ?? ''}
                  onChange={(e) => changeLiveNumber('width', e.currentTarget.value)}
                  onBlur={onRunQuery}
                />
              </InlineField>
            </InlineFieldRow>
          )}
          {capNotice && (
            <div role="status" aria-live="polite">
              {capNotice}
            </div>
          )}
        </>
      )}
    </div>
  );
}
