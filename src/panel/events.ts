/**
 * The panel's events view: the newest events of the shown cameras from an events query in the
 * panel's data (the sidecar's EVENT_FIELDS and EVENT_PICTURE_FIELDS), each with its thumbnail,
 * kind, time and the id of its full-size picture.
 */
import { type DataFrame, type DataQueryRequest, FieldType } from '@grafana/data';

import { EVENT_FIELDS, EVENT_KIND_LABELS, EVENT_PICTURE_FIELDS, type EventKind } from '../shared/query';
import { toMillis } from './frames';
import { TAPO_DATASOURCE_TYPE } from './types';

export interface EventItem {
  key: string;
  time: number;
  cameraId: string;
  cameraName: string;
  kind: string;
  /** The kind as the editors name it. */
  label: string;
  /** A data: URL, or undefined when the event has no thumbnail. */
  thumbnail?: string;
  /** The event's picture id, when it has a picture. */
  pictureId?: string;
  datasourceUid?: string;
}

/** An events frame carries the event id column: such frames are events, never camera pictures. */
export function isEventsFrame(frame: DataFrame): boolean {
  return frame.fields.some((f) => f.name === EVENT_PICTURE_FIELDS.eventId);
}

function column(frame: DataFrame, name: string) {
  return frame.fields.find((f) => f.name === name)?.values;
}

function datasourceOf(frame: DataFrame, request?: DataQueryRequest): string | undefined {
  const ours = (request?.targets ?? []).filter((t) => t.datasource?.type === TAPO_DATASOURCE_TYPE);
  const match = ours.find((t) => t.refId === frame.refId) ?? (ours.length === 1 ? ours[0] : undefined);
  return match?.datasource?.uid ?? undefined;
}

/**
 * The newest `limit` events of the cameras in `shown` (all cameras when it is undefined), newest
 * first; status-change rows are not events.
 */
export function extractEvents(
  series: DataFrame[] | undefined,
  request: DataQueryRequest | undefined,
  shown: ReadonlySet<string> | undefined,
  limit: number
): EventItem[] {
  const items: EventItem[] = [];
  for (const frame of series ?? []) {
    if (!isEventsFrame(frame)) {
      continue;
    }
    const times = column(frame, EVENT_FIELDS.time) ?? frame.fields.find((f) => f.type === FieldType.time)?.values;
    const ids = column(frame, EVENT_FIELDS.cameraId);
    const names = column(frame, EVENT_FIELDS.cameraName);
    const kinds = column(frame, EVENT_FIELDS.kind);
    const eventIds = column(frame, EVENT_PICTURE_FIELDS.eventId);
    const thumbs = column(frame, EVENT_PICTURE_FIELDS.thumbnail);
    const uid = datasourceOf(frame, request);
    for (let i = 0; i < frame.length; i++) {
      const time = toMillis(times?.[i]);
      const cameraId = String(ids?.[i] ?? '');
      const kind = String(kinds?.[i] ?? '');
      if (time === undefined || !cameraId || kind.startsWith('status_') || (shown && !shown.has(cameraId))) {
        continue;
      }
      const thumb = String(thumbs?.[i] ?? '');
      const pictureId = String(eventIds?.[i] ?? '') || undefined;
      items.push({
        key: `${cameraId}:${time}:${kind}`,
        time,
        cameraId,
        cameraName: String(names?.[i] ?? cameraId),
        kind,
        label: EVENT_KIND_LABELS[kind as EventKind] ?? kind,
        thumbnail: thumb.startsWith('data:image/') ? thumb : undefined,
        pictureId,
        datasourceUid: uid,
      });
    }
  }
  return items.sort((a, b) => b.time - a.time).slice(0, Math.max(0, limit));
}
