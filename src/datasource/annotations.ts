/**
 * Annotation support of the Tapo Cameras datasource: the default annotation query (every event kind
 * and status changes), its editor, and the events frames turned into annotations (a region while
 * an event lasts, fixed colours for status changes, kinds in the same words as the editors).
 */
import {
  type AnnotationEvent,
  type AnnotationQuery,
  type AnnotationSupport,
  type DataFrame,
  type Field,
  FieldType,
} from '@grafana/data';
import { of } from 'rxjs';

import { EVENT_FIELDS, EVENT_KINDS, EVENT_KIND_LABELS, type TapoQuery } from '../shared/query';
import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';

export const DEFAULT_ANNOTATION_QUERY: Partial<TapoQuery> = {
  queryType: 'events',
  cameras: [],
  eventKinds: [...EVENT_KINDS],
  statusChanges: true,
};

/** Status changes get fixed colours; motion/person events keep the annotation's own colour. */
const STATUS_COLORS: Record<string, string> = {
  offline: 'red',
  error: 'red',
  auth_failed: 'red',
  locked_out: 'red',
  online: 'green',
  sleeping: 'blue',
};

/** Event kinds read as in the editors; status changes as what happened. */
const KIND_LABELS: Record<string, string> = {
  ...EVENT_KIND_LABELS,
  offline: 'Went offline',
  online: 'Back online',
  auth_failed: 'Login failed',
  locked_out: 'Locked out',
  error: 'Error',
  sleeping: 'Fell asleep',
};

function fieldByName(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

function toMillis(value: unknown): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** Turns events frames (see EVENT_FIELDS) into annotation events: one per row, regions when there is an end. */
export function framesToAnnotations(frames: DataFrame[]): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  for (const frame of frames) {
    const time = fieldByName(frame, EVENT_FIELDS.time) ?? frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    const timeEnd = fieldByName(frame, EVENT_FIELDS.timeEnd);
    const cameraId = fieldByName(frame, EVENT_FIELDS.cameraId);
    const cameraName = fieldByName(frame, EVENT_FIELDS.cameraName);
    const kind = fieldByName(frame, EVENT_FIELDS.kind);
    const text = fieldByName(frame, EVENT_FIELDS.text);
    for (let i = 0; i < frame.length; i++) {
      const start = toMillis(time.values[i]);
      if (start === undefined) {
        continue;
      }
      const end = toMillis(timeEnd?.values[i]);
      // Status changes arrive as `status_<status>`; the tag and label use the status itself.
      const kindValue = String(kind?.values[i] ?? 'event').replace(/^status_/, '');
      const camera = String(cameraName?.values[i] ?? cameraId?.values[i] ?? '');
      const label = KIND_LABELS[kindValue] ?? kindValue;
      const title = camera ? `${camera}: ${label}` : label;
      const event: AnnotationEvent = {
        time: start,
        title,
        text: text?.values[i] ? String(text.values[i]) : title,
        tags: [kindValue, ...(camera ? [camera] : [])],
      };
      if (end !== undefined && end > start) {
        event.timeEnd = end;
        event.isRegion = true;
      }
      if (STATUS_COLORS[kindValue]) {
        event.color = STATUS_COLORS[kindValue];
      }
      events.push(event);
    }
  }
  return events.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
}

/** Annotation support (Grafana 10.4 object API): always an events query, status changes on by default. */
export const annotationSupport: AnnotationSupport<TapoQuery> = {
  prepareAnnotation(json: AnnotationQuery<TapoQuery>): AnnotationQuery<TapoQuery> {
    const target: TapoQuery = {
      ...DEFAULT_ANNOTATION_QUERY,
      refId: 'Anno',
      ...(json.target ?? {}),
      queryType: 'events',
    };
    return { ...json, target };
  },
  prepareQuery(anno: AnnotationQuery<TapoQuery>): TapoQuery | undefined {
    if (!anno.target) {
      return undefined;
    }
    // Annotations show the text ("with picture"), never the thumbnails: none are sent.
    return { ...anno.target, queryType: 'events', thumbnails: false };
  },
  processEvents(_anno: AnnotationQuery<TapoQuery>, frames: DataFrame[]) {
    return of(framesToAnnotations(frames));
  },
  getDefaultQuery: () => ({ ...DEFAULT_ANNOTATION_QUERY }),
  QueryEditor: AnnotationQueryEditor,
};
