/**
 * The query editor of the Tapo Cameras datasource: a query type (metrics, status, events, live, recordings),
 * the cameras, and what the type needs. Live picture rate and width are brought within the shared
 * bounds by the same functions the sidecar applies (clampLiveFps, clampLiveWidth in
 * src/shared/query.ts), and a notice on the message line says so until the live data kind or query
 * type changes. Labels and option words come from options.ts, the same as the other editors'.
 */
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';
import React, { useState } from 'react';

import {
  LIVE_DEFAULT_FPS,
  LIVE_DEFAULT_WIDTH,
  LIMITS,
  clampLiveFps,
  clampLiveWidth,
  type LiveKind,
  LIVE_DEFAULT_VIDEO_STREAM,
  type VideoStreamName,
  type MetricName,
  type QueryType,
  type SensorKind,
  type RecordingsFormat,
  type TapoQuery,
} from '../../shared/query';
import type { DataSource } from '../datasource';
import type { TapoOptions } from '../types';
import { CameraPicker, cameraMessage } from './CameraPicker';
import { EditorMessages, type EditorMessage } from './EditorMessages';
import {
  FIELD_LABELS,
  LIVE_KIND_OPTIONS,
  METRIC_OPTIONS,
  QUERY_TYPE_OPTIONS,
  SENSOR_KIND_OPTIONS,
  RECORDINGS_FORMAT_OPTIONS,
  VIDEO_STREAM_OPTIONS,
} from './options';
import { EventFields, OptionsPicker, StatusPicker } from './Pickers';
import { useCameraList } from './useCameraList';

type Props = QueryEditorProps<DataSource, TapoQuery, TapoOptions>;

/** Settings that belong to one query type only; the others' are dropped on a switch. */
const TYPE_FIELDS: Record<QueryType, Array<keyof TapoQuery>> = {
  metrics: ['metrics'],
  status: ['statuses'],
  events: ['eventKinds', 'statusChanges'],
  live: ['live'],
  recordings: ['recordings'],
  sensors: ['sensorKinds'],
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

type LiveNumber = 'fps' | 'width';

const LIVE_NUMBERS: Record<LiveNumber, { clamp: (n: number) => number; min: number; max: number; unit: string }> = {
  fps: { clamp: clampLiveFps, min: LIMITS.liveFps.min, max: LIMITS.liveFps.max, unit: 'pictures per second' },
  width: { clamp: clampLiveWidth, min: LIMITS.liveWidth.min, max: LIMITS.liveWidth.max, unit: 'pixels wide' },
};

/**
 * What a typed live number becomes: the value the sidecar would use (its own clamp) and, when that
 * differs from what was typed, why. Empty text means the default; text that is no number is ignored.
 */
export function liveNumberFromText(
  key: LiveNumber,
  text: string
): { value: number | undefined; notice?: string } | null {
  if (text.trim() === '') {
    return { value: undefined };
  }
  const n = Number(text);
  if (!Number.isFinite(n)) {
    return null;
  }
  const { clamp, min, max, unit } = LIVE_NUMBERS[key];
  const value = clamp(n);
  if (value === n) {
    return { value };
  }
  const why =
    n > max
      ? `Capped at ${max} ${unit}`
      : n < min
        ? `At least ${min} ${unit}`
        : key === 'width'
          ? `Widths are whole and even: ${value} ${unit}`
          : `Whole pictures per second: ${value}`;
  return { value, notice: why };
}

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType = query.queryType ?? 'metrics';
  const id = (name: string) => `tapo-${name}-${query.refId}`;
  const list = useCameraList(datasource);
  const [liveNotice, setLiveNotice] = useState<string | undefined>();
  // What is being typed into a live number; the query holds the value the sidecar will use.
  const [drafts, setDrafts] = useState<Partial<Record<LiveNumber, string>>>({});

  const change = (next: TapoQuery, run = true) => {
    onChange(next);
    if (run) {
      onRunQuery();
    }
  };

  const live = query.live ?? { kind: 'frames' as LiveKind };
  const changeLiveNumber = (key: LiveNumber, text: string) => {
    const typed = liveNumberFromText(key, text);
    if (!typed) {
      return;
    }
    setDrafts((prev) => ({ ...prev, [key]: text }));
    setLiveNotice(typed.notice);
    change({ ...query, live: { ...live, [key]: typed.value } }, false);
  };
  const commitLiveNumber = () => {
    setDrafts({});
    onRunQuery();
  };
  const liveNumberInput = (key: LiveNumber, placeholder: number) => (
    <Input
      id={id(key)}
      type="number"
      width={10}
      min={LIVE_NUMBERS[key].min}
      max={LIVE_NUMBERS[key].max}
      placeholder={String(placeholder)}
      value={drafts[key] ?? live[key] ?? ''}
      onChange={(e) => changeLiveNumber(key, e.currentTarget.value)}
      onBlur={commitLiveNumber}
    />
  );
  const changeLiveKind = (kind: LiveKind) => {
    setLiveNotice(undefined);
    setDrafts({});
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
    });
  };

  const noMetric = queryType === 'metrics' && !query.metrics?.length;
  const typeMessage: EditorMessage | undefined = noMetric
    ? { severity: 'error', text: 'Pick at least one metric' }
    : queryType === 'live' && liveNotice
      ? { severity: 'info', text: liveNotice }
      : undefined;

  return (
    <div>
      <InlineFieldRow>
        <InlineField label={FIELD_LABELS.queryType} labelWidth={14}>
          <RadioButtonGroup<QueryType>
            options={QUERY_TYPE_OPTIONS}
            value={queryType}
            onChange={(v) => {
              setLiveNotice(undefined);
              setDrafts({});
              change(withTypeDefaults(query, v));
            }}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <CameraPicker
          list={list}
          inputId={id('cameras')}
          value={query.cameras}
          onChange={(cameras) => change({ ...query, cameras })}
        />
      </InlineFieldRow>

      {queryType === 'metrics' && (
        <InlineFieldRow>
          <OptionsPicker<MetricName>
            label={FIELD_LABELS.metrics}
            labelWidth={14}
            inputId={id('metrics')}
            width={48}
            invalid={noMetric}
            options={METRIC_OPTIONS}
            value={query.metrics}
            onChange={(metrics) => change({ ...query, metrics })}
          />
        </InlineFieldRow>
      )}

      {queryType === 'status' && (
        <InlineFieldRow>
          <StatusPicker
            inputId={id('statuses')}
            labelWidth={14}
            tooltip="Empty means every status"
            value={query.statuses}
            onChange={(statuses) => change({ ...query, statuses })}
          />
        </InlineFieldRow>
      )}

      {queryType === 'events' && (
        <InlineFieldRow>
          <EventFields
            inputId={id('kinds')}
            eventKinds={query.eventKinds}
            statusChanges={Boolean(query.statusChanges)}
            onChange={(patch) => change({ ...query, ...patch })}
          />
        </InlineFieldRow>
      )}

      {queryType === 'sensors' && (
        <InlineFieldRow>
          <OptionsPicker<SensorKind>
            label={FIELD_LABELS.sensorKinds}
            labelWidth={14}
            inputId={id('sensor-kinds')}
            width={48}
            placeholder="All kinds"
            tooltip="Sensors behind a Tapo hub; empty means every kind. Their readings over time: the Metrics query (temperature, humidity, ...)"
            options={SENSOR_KIND_OPTIONS}
            value={query.sensorKinds}
            onChange={(sensorKinds) => change({ ...query, sensorKinds })}
          />
        </InlineFieldRow>
      )}

      {queryType === 'live' && (
        <>
          <InlineFieldRow>
            <InlineField label={FIELD_LABELS.liveKind} labelWidth={14}>
              <RadioButtonGroup<LiveKind> options={LIVE_KIND_OPTIONS} value={live.kind} onChange={changeLiveKind} />
            </InlineField>
          </InlineFieldRow>
          {live.kind === 'video' && (
            <InlineFieldRow>
              <InlineField
                label={FIELD_LABELS.cameraStream}
                labelWidth={14}
                tooltip="Tiles play the small stream (stream2); the panel's full screen may switch to the main one"
              >
                <RadioButtonGroup<VideoStreamName>
                  options={VIDEO_STREAM_OPTIONS}
                  value={live.stream ?? LIVE_DEFAULT_VIDEO_STREAM}
                  onChange={(stream) => change({ ...query, live: { ...live, stream } })}
                />
              </InlineField>
            </InlineFieldRow>
          )}
          {live.kind === 'frames' && (
            <InlineFieldRow>
              <InlineField
                label={FIELD_LABELS.fps}
                labelWidth={20}
                htmlFor={id('fps')}
                tooltip={`${LIMITS.liveFps.min} to ${LIMITS.liveFps.max}; a wall of 16 cameras at 2 per second stays far below Grafana Live's per-client limit`}
              >
                {liveNumberInput('fps', LIVE_DEFAULT_FPS)}
              </InlineField>
              <InlineField
                label={FIELD_LABELS.width}
                htmlFor={id('width')}
                tooltip={`${LIMITS.liveWidth.min} to ${LIMITS.liveWidth.max} pixels, even; height keeps the aspect`}
              >
                {liveNumberInput('width', LIVE_DEFAULT_WIDTH)}
              </InlineField>
            </InlineFieldRow>
          )}
        </>
      )}
      {queryType === 'recordings' && (
        <InlineFieldRow>
          <InlineField
            label={FIELD_LABELS.recordingsFormat}
            labelWidth={14}
            tooltip="Clips: one row per clip with its events, for a table or the camera panel. Timeline: one state per camera, for a state timeline panel"
          >
            <RadioButtonGroup<RecordingsFormat>
              options={RECORDINGS_FORMAT_OPTIONS}
              value={query.recordings?.format ?? 'clips'}
              onChange={(format) => change({ ...query, recordings: { format } })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      <EditorMessages slots={[cameraMessage(list, query.cameras), typeMessage]} />
    </div>
  );
}
