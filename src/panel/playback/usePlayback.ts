/**
 * Plays a recording's Live playback channel into a video element through the same MSE player as
 * live video; reports the camera's time of each picture, and the channel's words (end, busy, no
 * card) as a message.
 */
import { type RefObject, useEffect } from 'react';

import { watchChannel } from '../video/liveChannel';
import { MsePlayer } from '../video/msePlayer';
import { toVideoRow, videoReader } from '../video/packets';
import { playbackMessage } from './clips';

export type PlaybackMessage = { text: string; ended: boolean };

export function usePlayback(
  channel: string | null,
  video: RefObject<HTMLVideoElement>,
  onTime: (ms: number) => void,
  onMessage: (m: PlaybackMessage | null) => void
) {
  useEffect(() => {
    const el = video.current;
    if (!channel || !el) {
      return;
    }
    onMessage(null);
    const player = new MsePlayer(el, (text) => onMessage({ text, ended: false }));
    const reader = videoReader();
    const stop = watchChannel(channel, (json) => {
      for (const raw of reader.read(json)) {
        const row = toVideoRow(raw);
        if (!row) {
          continue;
        }
        if (row.kind === 'problem') {
          onMessage(playbackMessage(row.error));
          continue;
        }
        if (row.kind === 'fragment' && row.time > 0) {
          onTime(row.time);
        }
        player.push(row);
      }
    });
    return () => {
      stop();
      player.dispose();
    };
    // The callbacks are state setters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel, video]);
}
