/**
 * Notices when a tile's stream stops: no new picture for two of the stream's frame intervals plus a
 * margin, or a video player whose position stops moving while pictures still arrive. Says for how
 * long, and when to reconnect (with backoff). Plain functions over a state; the caller passes the time.
 */

/** Slack over two frame intervals, so ordinary jitter never reads as a stall. */
export const STALL_MARGIN_MS = 500;
/** The spacing assumed until the stream's own is known (a picture a second). */
export const DEFAULT_INTERVAL_MS = 1000;
/** Spacings beyond this are gaps, not the stream's rhythm. */
const MAX_INTERVAL_MS = 5000;
/** First reconnect this long into a stall, then doubling, at most RECONNECT_MAX_MS apart. */
export const RECONNECT_FIRST_MS = 2000;
export const RECONNECT_MAX_MS = 30_000;

export interface StallWatch {
  /** When watching started: a stream that never sends is silent from here. */
  since: number;
  /** When the newest picture arrived (the caller's clock). */
  lastArrival?: number;
  /** The newest picture's own time (epoch ms), for its age. */
  pictureTime?: number;
  /** The stream's frame interval: what the caller knows, then learnt from the pictures' own times. */
  intervalMs: number;
  /** Whether intervalMs was learnt from the pictures (a given one is kept until then). */
  learnt: boolean;
  /** The player's position (s), and when it last moved. */
  playhead?: number;
  playheadMovedAt?: number;
  /** Reconnects since the last picture, and when the next is due (only while stalled). */
  attempts: number;
  reconnectAt?: number;
}

export interface StallVerdict {
  stalled: boolean;
  /** How long the tile has had no new picture on screen (ms); 0 when not stalled. */
  silentMs: number;
  /** Reconnect now (then call `reconnected`). */
  reconnect: boolean;
}

export function startWatch(now: number, intervalMs = DEFAULT_INTERVAL_MS): StallWatch {
  return { since: now, intervalMs, learnt: false, attempts: 0 };
}

/** A new picture arrived at `now`; `pictureTime` is its own timestamp (epoch ms), when it has one. */
export function pictureArrived(w: StallWatch, now: number, pictureTime?: number): StallWatch {
  let { intervalMs, learnt } = w;
  const spacing = pictureTime !== undefined && w.pictureTime !== undefined ? pictureTime - w.pictureTime : NaN;
  if (spacing > 0 && spacing <= MAX_INTERVAL_MS) {
    // Smoothed, so one late or dropped picture barely moves it.
    intervalMs = learnt ? intervalMs * 0.8 + spacing * 0.2 : spacing;
    learnt = true;
  }
  return {
    ...w,
    lastArrival: now,
    pictureTime: pictureTime ?? w.pictureTime,
    intervalMs,
    learnt,
    attempts: 0,
    reconnectAt: undefined,
  };
}

/** The player's position at `now` (seconds); a position that never moves is never held against it. */
export function playheadAt(w: StallWatch, now: number, seconds: number): StallWatch {
  if (w.playhead === seconds) {
    return w;
  }
  return { ...w, playhead: seconds, playheadMovedAt: w.playhead === undefined ? undefined : now };
}

/** How long without a new picture counts as a stall. */
export function stallLimitMs(w: StallWatch): number {
  return 2 * w.intervalMs + STALL_MARGIN_MS;
}

export function backoffMs(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.max(0, attempt));
}

/** Stalled or not at `now`, for how long, and whether a reconnect is due. */
export function checkStall(w: StallWatch, now: number): StallVerdict {
  const limit = stallLimitMs(w);
  const silent = now - (w.lastArrival ?? w.since);
  // Pictures keep arriving but the player stopped: the buffer is not advancing.
  const stuck =
    w.playheadMovedAt !== undefined && w.lastArrival !== undefined && w.lastArrival > w.playheadMovedAt
      ? now - w.playheadMovedAt
      : 0;
  const silentMs = Math.max(silent > limit ? silent : 0, stuck > limit ? stuck : 0);
  if (silentMs === 0) {
    return { stalled: false, silentMs: 0, reconnect: false };
  }
  const due = w.reconnectAt ?? now - silentMs + limit + RECONNECT_FIRST_MS;
  return { stalled: true, silentMs, reconnect: now >= due };
}

/** The caller reconnected at `now`: the next attempt waits longer. */
export function reconnected(w: StallWatch, now: number): StallWatch {
  const attempts = w.attempts + 1;
  // A fresh player has no position yet; the silence still counts from the last picture.
  return { ...w, attempts, reconnectAt: now + backoffMs(attempts), playhead: undefined, playheadMovedAt: undefined };
}
