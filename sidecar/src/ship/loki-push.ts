/**
 * Loki's JSON push encoding (`POST /loki/api/v1/push`, which Loki, VictoriaLogs and Grafana Cloud
 * accept): one stream per site, camera and kind; one JSON line per event or status change. Each line
 * carries a stable `id`, so a reader can drop the duplicates that at-least-once delivery makes (Loki
 * drops exact duplicates, VictoriaLogs keeps them). The id is in the line, not in structured
 * metadata, which Loki before 3.0 refuses; VictoriaLogs makes the line's keys fields (and its
 * `message` the log message), and LogQL reads them with `| json`.
 */
import { createHash } from 'node:crypto';
import type { MotionEvent } from '../model.ts';
import type { ShipBatch, StatusChange } from '../store/types.ts';

/** The `kind` label of a status change (event kinds are the EventKind names). */
export const STATUS_KIND = 'status';

/** An event as shipped: a stored event, with the link to its picture where the store has one. */
export type ShippedEvent = MotionEvent & { picture?: string | null };

export interface LokiPushBody {
  /** The JSON text to POST. */
  body: string;
  lines: number;
  /** The ids of the lines, in the order they were encoded. */
  ids: string[];
}

const SITE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A site name usable as a label value everywhere (and in a file name). */
export function checkSite(site: string): string {
  if (!SITE_PATTERN.test(site)) {
    throw new Error(`site must be 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(site)})`);
  }
  return site;
}

/** 128 bits of SHA-256 over the fields that identify the row: the same row always gets the same id. */
function lineId(parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/** An event's id: (camera, start, kind, source) is the events table's own unique key. */
export function eventId(site: string, e: MotionEvent): string {
  return lineId([site, e.cameraId, e.kind, e.start, e.source]);
}

export function statusChangeId(site: string, c: StatusChange): string {
  return lineId([site, c.cameraId, STATUS_KIND, c.time, c.from, c.to]);
}

/** Loki wants nanoseconds as a decimal string; ours are whole milliseconds. */
const nanos = (ms: number) => `${Math.trunc(ms)}000000`;

/** The push body of one batch read from the store. */
export function encodeLokiPush(site: string, batch: Pick<ShipBatch, 'events' | 'statusChanges'>): LokiPushBody {
  const streams = new Map<string, { stream: Record<string, string>; values: Array<[string, string]> }>();
  const ids: string[] = [];
  const add = (
    camera: string,
    kind: string,
    time: number,
    id: string,
    line: { id: string; message: string; [key: string]: unknown }
  ) => {
    const key = `${camera}\n${kind}`;
    let s = streams.get(key);
    if (!s) {
      streams.set(key, (s = { stream: { site, camera, kind }, values: [] }));
    }
    s.values.push([nanos(time), JSON.stringify(line)]);
    ids.push(id);
  };
  for (const { event } of batch.events as Array<{ event: ShippedEvent }>) {
    const id = eventId(site, event);
    add(event.cameraId, event.kind, event.start, id, {
      id,
      message: `${event.kind} on ${event.cameraId}`,
      type: 'event',
      kind: event.kind,
      start: event.start,
      end: event.end,
      source: event.source,
      ...(event.picture ? { picture: event.picture } : {}),
    });
  }
  for (const { change } of batch.statusChanges) {
    const id = statusChangeId(site, change);
    add(change.cameraId, STATUS_KIND, change.time, id, {
      id,
      message: `${change.cameraId}: ${change.from} → ${change.to}${change.error ? ` (${change.error})` : ''}`,
      type: 'status',
      from: change.from,
      to: change.to,
      error: change.error,
    });
  }
  return { body: JSON.stringify({ streams: [...streams.values()] }), lines: ids.length, ids };
}
