/**
 * A video tile's camera state from its live metrics channel (one row per poll): status, the poll's
 * error words, privacy mode, when it last answered and its latest motion, so video says what
 * pictures say.
 */
import { POLL_FIELDS as F } from '../../shared/query';

export interface LiveCameraState {
  /** A poll has been seen: its status and error replace the video query's. */
  polled: boolean;
  status?: string;
  error?: string;
  /** As the latest poll said; undefined when it could not tell (null in the packet). */
  privacy?: boolean;
  /** Time of the latest poll the camera answered (epoch ms). */
  lastSeen?: number;
  /** Time of the camera's latest motion, person or ring event (epoch ms). */
  lastMotion?: number;
}

export const NO_POLL: LiveCameraState = { polled: false };

/** The camera's metrics channel, beside its video channel (`…/camera/<id>/video/<stream>`). */
export function metricsChannelOf(videoChannel: string): string | undefined {
  return /\/video\/(main|sub)$/.test(videoChannel)
    ? videoChannel.replace(/\/video\/(main|sub)$/, '/metrics')
    : undefined;
}

/** Applies poll rows in order; rows of other cameras and rows without a status are ignored. */
export function applyPolls(
  prev: LiveCameraState,
  rows: Array<Record<string, unknown>>,
  cameraId?: string
): LiveCameraState {
  let next = prev;
  for (const row of rows) {
    const status = row[F.status];
    if (typeof status !== 'string' || !status || (cameraId && row[F.cameraId] !== cameraId)) {
      continue;
    }
    const time = row[F.time];
    const error = row[F.error];
    const privacy = row[F.privacy];
    const motion = row[F.lastMotion];
    // A sleeping camera answered through its hub.
    const answered = (status === 'online' || status === 'sleeping') && typeof time === 'number';
    next = {
      polled: true,
      status: status.toLowerCase(),
      error: typeof error === 'string' && error ? error : undefined,
      privacy: typeof privacy === 'boolean' ? privacy : undefined,
      lastSeen: answered ? Math.max(time as number, next.lastSeen ?? 0) : next.lastSeen,
      lastMotion: typeof motion === 'number' ? Math.max(motion, next.lastMotion ?? 0) : next.lastMotion,
    };
  }
  return next;
}
