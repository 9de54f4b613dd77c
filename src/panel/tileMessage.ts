/** What a tile says in the middle of its picture area: the privacy state, why it is offline, or why it has no picture. */
import { formatAge, statusLabel } from './format';

export interface TileMessage {
  text: string;
  kind: 'offline' | 'privacy' | 'empty' | 'stalled';
}

export interface TileState {
  status?: string;
  offline: boolean;
  privacy?: boolean;
  hasPicture: boolean;
  /** Why the camera is offline (the poll's error words). */
  reason?: string;
  /** Why there is no picture while the camera is online (e.g. ffmpeg failing). */
  noPicture?: string;
  /** The stream stopped this long ago (ms): the picture shown, if any, is that old. */
  stalledMs?: number;
}

export const PRIVACY_TEXT = 'Privacy mode is on: the camera sends no picture';
export const ASLEEP_TEXT = 'Asleep: a battery camera sends pictures only while it is awake';

/**
 * Privacy first (it explains everything else), then offline, then asleep, then a stream that
 * stopped (how long ago, and why if the channel said), then a missing picture.
 */
export function tileMessage(s: TileState): TileMessage | undefined {
  if (s.privacy) {
    return { kind: 'privacy', text: PRIVACY_TEXT };
  }
  if (s.offline) {
    return { kind: 'offline', text: s.reason ?? statusLabel(s.status) };
  }
  const stalled = s.stalledMs !== undefined;
  if (s.status === 'sleeping' && (stalled || !s.hasPicture)) {
    return { kind: 'empty', text: ASLEEP_TEXT };
  }
  if (stalled) {
    const why = s.noPicture ? `: ${s.noPicture}` : '';
    return { kind: 'stalled', text: `No picture for ${formatAge(s.stalledMs!)}${why}` };
  }
  if (s.hasPicture) {
    return undefined;
  }
  return { kind: 'empty', text: s.noPicture ?? 'No picture yet' };
}
