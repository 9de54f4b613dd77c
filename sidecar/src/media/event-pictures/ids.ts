/**
 * An event's id: 16 hex digits of a hash of what identifies the event (camera, start, kind), so a
 * picture's file name and resource path carry no camera name and nothing a path could escape with.
 */
import { createHash } from 'node:crypto';

export function eventPictureId(e: { cameraId: string; start: number; kind: string }): string {
  return createHash('sha256').update(`${e.cameraId}\n${e.start}\n${e.kind}`).digest('hex').slice(0, 16);
}
