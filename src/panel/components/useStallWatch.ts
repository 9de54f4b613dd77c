/**
 * The stall watch (../stallWatch.ts) held for a tile: pictures are reported as they arrive (no render
 * per picture), a timer checks a few times a second, and the tile re-renders only when what it says
 * changes. Asks the tile to reconnect when the watch says so.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import { checkStall, pictureArrived, playheadAt, reconnected, startWatch, type StallWatch } from '../stallWatch';

/** How often the watch is checked: well inside the second of slack a stall is allowed to go unsaid. */
export const STALL_TICK_MS = 250;

interface Options {
  /** Watch only while the tile shows a live stream. */
  active: boolean;
  /** A new stream (another channel, another mode) starts a fresh watch. */
  resetKey: string;
  /** The stream's frame interval when known beforehand (a pictures channel's rate). */
  intervalMs?: number;
  /** The player whose position must keep moving, for video. */
  video?: React.RefObject<HTMLVideoElement | null>;
  /** Called when a reconnect is due (a stable callback); without it, the tile only says that pictures stopped. */
  onReconnect?: () => void;
}

export interface TileStall {
  /** How long the stream has been stopped, in whole seconds (as ms, at least 1 s); undefined while it flows. */
  stalledMs?: number;
  /** The newest picture's own time (epoch ms). */
  pictureTime?: number;
  /** A picture arrived since the watch (re)started. */
  shown: boolean;
  /** Report a picture that arrived (its own time, epoch ms, when it has one). */
  picture: (time?: number) => void;
}

export function useStallWatch({ active, resetKey, intervalMs, video, onReconnect }: Options): TileStall {
  // Restarted with the clock in the effect below; 0 only until then.
  const watch = useRef<StallWatch>(startWatch(0, intervalMs));
  const [stalledMs, setStalledMs] = useState<number | undefined>(undefined);
  const [shown, setShown] = useState(false);
  // The picture's time as shown: moved on a second at a time, so pictures cost no render each.
  const [pictureTime, setPictureTime] = useState<number | undefined>(undefined);

  useEffect(() => {
    watch.current = startWatch(Date.now(), intervalMs);
    if (!active) {
      return;
    }
    const timer = setInterval(() => {
      const now = Date.now();
      let w = watch.current;
      const el = video?.current;
      if (el) {
        w = playheadAt(w, now, el.currentTime);
      }
      const verdict = checkStall(w, now);
      if (verdict.reconnect && onReconnect) {
        w = reconnected(w, now);
        onReconnect();
      }
      watch.current = w;
      const silent = verdict.stalled ? Math.max(1, Math.ceil(verdict.silentMs / 1000)) * 1000 : undefined;
      setStalledMs((prev) => (prev === silent ? prev : silent));
      const time = w.pictureTime;
      setPictureTime((prev) =>
        time === undefined || (prev !== undefined && time >= prev && time - prev < 1000) ? prev : time
      );
    }, STALL_TICK_MS);
    return () => {
      clearInterval(timer);
      // A new stream starts with nothing said about it.
      setStalledMs(undefined);
      setShown(false);
      setPictureTime(undefined);
    };
  }, [active, resetKey, intervalMs, video, onReconnect]);

  const picture = useCallback((time?: number) => {
    const first = watch.current.lastArrival === undefined;
    watch.current = pictureArrived(watch.current, Date.now(), time);
    if (first) {
      setShown(true); // the only render a picture causes; the age follows the panel's clock
    }
  }, []);
  return { stalledMs: active ? stalledMs : undefined, pictureTime, shown, picture };
}
