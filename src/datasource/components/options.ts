import type { SelectableValue } from '@grafana/data';

import {
  CAMERA_STATUSES,
  EVENT_KINDS,
  METRICS,
  METRIC_INFO,
  STATUS_LABELS,
  type CameraStatus,
  type EventKind,
  type LiveKind,
  type MetricName,
  type QueryType,
} from '../../shared/query';

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = [
  { label: 'Metrics', value: 'metrics', description: 'Time series from history, one per camera and metric' },
  { label: 'Status', value: 'status', description: 'A table, one row per camera' },
  { label: 'Events', value: 'events', description: 'Motion and person events in the time range' },
  { label: 'Live', value: 'live', description: 'Streaming over Grafana Live' },
];

export const METRIC_OPTIONS: Array<SelectableValue<MetricName>> = METRICS.map((m) => ({
  label: METRIC_INFO[m].label,
  value: m,
  description: `${m} (${METRIC_INFO[m].unit})`,
}));

export const STATUS_OPTIONS: Array<SelectableValue<CameraStatus>> = CAMERA_STATUSES.map((s) => ({
  label: STATUS_LABELS[s],
  value: s,
}));

const EVENT_LABELS: Record<EventKind, string> = { motion: 'Motion', person: 'Person', ring: 'Doorbell ring' };

export const EVENT_KIND_OPTIONS: Array<SelectableValue<EventKind>> = EVENT_KINDS.map((k) => ({
  label: EVENT_LABELS[k],
  value: k,
}));

export const LIVE_KIND_OPTIONS: Array<SelectableValue<LiveKind>> = [
  {
    label: 'Video',
    value: 'video',
    description: 'The camera’s own H.264 at its frame rate; pictures where the browser cannot play it',
  },
  { label: 'Pictures', value: 'frames', description: 'JPEG frames for the Tapo Camera Live View panel' },
  { label: 'Latest metrics', value: 'metrics', description: 'Metrics pushed as each poll completes' },
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
