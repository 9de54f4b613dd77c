/** What a tile says in the middle of its picture area: the privacy state, why it is offline, or why it has no picture. */
import { statusLabel } from './format';

export interface TileMessage {
  text: string;
  kind: 'offline' | 'privacy' | 'empty';
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
}

export const PRIVACY_TEXT = 'Privacy mode is on: the camera sends no picture';
export const ASLEEP_TEXT = 'Asleep: a battery camera sends pictures only while it is awake';

/** Privacy first (it explains everything else), then offline, then a missing picture. */
export function tileMessage(s: TileState): TileMessage | undefined {
  if (s.privacy) {
    return { kind: 'privacy', text: PRIVACY_TEXT };
  }
  if (s.offline) {
    return { kind: 'offline', text: s.reason ?? statusLabel(s.status) };
  }
  if (s.hasPicture) {
    return undefined;
  }
  if (s.status === 'sleeping') {
    return { kind: 'empty', text: ASLEEP_TEXT };
  }
  return { kind: 'empty', text: s.noPicture ?? 'No picture yet' };
}
