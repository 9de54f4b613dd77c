/**
 * Fan-out of a camera's pictures to its subscribers: each at its own rate (tolerating a fifth of
 * an interval of jitter), and a consumer still busy with a picture (its promise has not settled)
 * holds at most one more: newer pictures replace it and the replaced ones count as dropped.
 */
import { logger } from '../log.ts';
import type { MediaError } from './types.ts';
import type { PictureListener, TimedPicture } from './pipeline-types.ts';

export interface Sub {
  id: number;
  fps: number;
  width: number;
  /** Width of the output that serves it. */
  outWidth: number;
  onFrame: PictureListener;
  onError?: (err: MediaError) => void;
  nextDue: number;
  busy: boolean;
  pending: TimedPicture | null;
  active: boolean;
}

export interface FanOutCounters {
  framesOut: number;
  framesDropped: number;
}

const log = logger.child({ module: 'media' });

/** Offers a picture of an output (`width` at `outFps`) to the subscribers it serves. */
export function fanOut(
  subs: Iterable<Sub>,
  width: number,
  outFps: number,
  frame: TimedPicture,
  counters: FanOutCounters
): void {
  const now = frame.time;
  for (const s of subs) {
    if (s.outWidth !== width) {
      continue;
    }
    if (s.fps < outFps) {
      const interval = 1000 / s.fps;
      if (now < s.nextDue - interval * 0.2) {
        continue;
      }
      s.nextDue = Math.max(s.nextDue, now - interval * 0.2) + interval;
    }
    deliver(s, frame, counters);
  }
}

function deliver(s: Sub, frame: TimedPicture, counters: FanOutCounters): void {
  if (s.busy) {
    if (s.pending) {
      s.pending = null;
      counters.framesDropped++;
    }
    s.pending = frame;
    return;
  }
  invoke(s, frame, counters);
}

function invoke(s: Sub, frame: TimedPicture, counters: FanOutCounters): void {
  counters.framesOut++;
  let r: void | Promise<void>;
  try {
    r = s.onFrame(frame);
  } catch (err) {
    log.warn({ cameraId: frame.cameraId, err: (err as Error).message }, 'frame consumer threw');
    return;
  }
  if (r && typeof (r as Promise<void>).then === 'function') {
    s.busy = true;
    const done = () => {
      s.busy = false;
      const next = s.pending;
      s.pending = null;
      if (next && s.active) {
        invoke(s, next, counters);
      }
    };
    (r as Promise<void>).then(done, (err: unknown) => {
      log.warn({ cameraId: frame.cameraId, err: (err as Error)?.message }, 'frame consumer failed');
      done();
    });
  }
}
