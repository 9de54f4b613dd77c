/**
 * The words of the datasource's editors: one label per concept (the query, annotation, variable
 * and config editors all read FIELD_LABELS, so "Event kinds" is never "Events" elsewhere) and the
 * dropdown options built from the shared model's labels (statuses, metrics with their units,
 * event kinds, live kinds, camera streams), so no raw value such as `auth_failed` or `bool_on_off`
 * reaches a user.
 */
import type { SelectableValue } from '@grafana/data';

import {
  CAMERA_STATUSES,
  EVENT_KINDS,
  EVENT_KIND_LABELS,
  METRICS,
  METRIC_INFO,
  RECORDINGS_FORMATS,
  RECORDINGS_FORMAT_LABELS,
  STATUS_HINTS,
  STATUS_LABELS,
  SENSOR_KINDS,
  SENSOR_KIND_LABELS,
  UNIT_LABELS,
  type CameraStatus,
  type EventKind,
  type LiveKind,
  type MetricName,
  type QueryType,
  type SensorKind,
  type RecordingsFormat,
  type VideoStreamName,
} from '../../shared/query';

/** The label of each concept, the same in every editor. */
export const FIELD_LABELS = {
  queryType: 'Query type',
  cameras: 'Cameras',
  metrics: 'Metrics',
  statuses: 'Status',
  eventKinds: 'Event kinds',
  statusChanges: 'Status changes',
  models: 'Models',
  liveKind: 'Live data',
  cameraStream: 'Camera stream',
  fps: 'Pictures per second',
  width: 'Picture width',
  pollInterval: 'Poll interval (seconds)',
  recordingsFormat: 'Show as',
  sensorKinds: 'Sensor kinds',
} as const;

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = [
  { label: 'Metrics', value: 'metrics', description: 'Time series from history, one per camera and metric' },
  { label: 'Status', value: 'status', description: 'A table, one row per camera' },
  { label: 'Events', value: 'events', description: 'Motion, person and doorbell events in the time range' },
  { label: 'Live', value: 'live', description: 'Streaming over Grafana Live' },
  {
    label: 'Recordings',
    value: 'recordings',
    description: "The camera's own SD-card clips in the time range, with their events",
  },
  { label: 'Sensors', value: 'sensors', description: 'A table, one row per sensor behind a hub' },
];

/** The recordings query's two shapes, in the shared model's words. */
export const RECORDINGS_FORMAT_OPTIONS: Array<SelectableValue<RecordingsFormat>> = RECORDINGS_FORMATS.map((f) => ({
  label: RECORDINGS_FORMAT_LABELS[f],
  value: f,
}));

export const SENSOR_KIND_OPTIONS: Array<SelectableValue<SensorKind>> = SENSOR_KINDS.map((k) => ({
  label: SENSOR_KIND_LABELS[k],
  value: k,
}));

/** "latency_ms · milliseconds": the field name a legend shows, and its unit in words (none when unitless). */
export function metricDescription(metric: MetricName): string {
  const unit = UNIT_LABELS[METRIC_INFO[metric].unit] ?? METRIC_INFO[metric].unit;
  return unit ? `${metric} · ${unit}` : metric;
}

export const METRIC_OPTIONS: Array<SelectableValue<MetricName>> = METRICS.map((m) => ({
  label: METRIC_INFO[m].label,
  value: m,
  description: metricDescription(m),
}));

export const STATUS_OPTIONS: Array<SelectableValue<CameraStatus>> = CAMERA_STATUSES.map((s) => ({
  label: STATUS_LABELS[s],
  value: s,
  description: STATUS_HINTS[s],
}));

/** A status as people read it; an unknown value (a newer sidecar) as it came. */
export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string>)[status] ?? status;
}

export const EVENT_KIND_OPTIONS: Array<SelectableValue<EventKind>> = EVENT_KINDS.map((k) => ({
  label: EVENT_KIND_LABELS[k],
  value: k,
}));

export const LIVE_KIND_OPTIONS: Array<SelectableValue<LiveKind>> = [
  {
    label: 'Video',
    value: 'video',
    description: 'The camera’s own H.264 at its frame rate; pictures where the browser cannot play it',
  },
  { label: 'Pictures', value: 'frames', description: 'JPEG pictures for the Tapo Camera Live View panel' },
  { label: 'Latest metrics', value: 'metrics', description: 'Metrics pushed as each poll completes' },
];

/** A camera's two streams, by the names the query (main/sub) and the settings (stream1/stream2) use. */
export const CAMERA_STREAM_WORDS = { main: 'Full size (stream1)', sub: 'Small (stream2)' } as const;

export const VIDEO_STREAM_OPTIONS: Array<SelectableValue<VideoStreamName>> = [
  { label: CAMERA_STREAM_WORDS.sub, value: 'sub' },
  { label: CAMERA_STREAM_WORDS.main, value: 'main' },
];

export const SETTINGS_STREAM_OPTIONS: Array<SelectableValue<'stream1' | 'stream2'>> = [
  { label: CAMERA_STREAM_WORDS.sub, value: 'stream2' },
  { label: CAMERA_STREAM_WORDS.main, value: 'stream1' },
];

/** Picks the options matching stored values, keeping unknown stored values visible. */
export function selectedOptions<T extends string>(
  options: Array<SelectableValue<T>>,
  values: readonly T[] | undefined
): Array<SelectableValue<T>> {
  return (values ?? []).map((v) => options.find((o) => o.value === v) ?? { label: v, value: v });
}

export function optionValues<T>(items: Array<SelectableValue<T>>): T[] {
  return items.map((i) => i.value).filter((v): v is T => v !== undefined && v !== null);
}
