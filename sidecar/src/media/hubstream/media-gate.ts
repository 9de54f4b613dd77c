/**
 * One port-8800 media session per camera at a time (recordings sheet §6.4: a camera serves one
 * playback/download client; a second is refused and the refusal lingers), with a short queue
 * behind it and a pause between sessions (the camera needs about a second to free its slot after a
 * stop). More waiters than the queue holds are refused at once as busy, so a dashboard full of
 * clip requests never piles up on one camera.
 */
import { MediaError } from '../types.ts';

export interface MediaGateOptions {
  /** Waiters beyond the running session (default 2). */
  maxWaiting?: number;
  /** Pause after a session before the next one starts (default 1000 ms). */
  pauseMs?: number;
}

interface Waiter {
  grant: (release: () => void) => void;
  refuse: (err: MediaError) => void;
}

interface Lane {
  busy: boolean;
  waiting: Waiter[];
}

export class MediaGate {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxWaiting: number;
  private readonly pauseMs: number;

  constructor(opts: MediaGateOptions = {}) {
    this.maxWaiting = opts.maxWaiting ?? 2;
    this.pauseMs = opts.pauseMs ?? 1000;
  }

  /** Sessions running or queued for a camera. */
  load(cameraId: string): number {
    const lane = this.lanes.get(cameraId);
    return lane ? (lane.busy ? 1 : 0) + lane.waiting.length : 0;
  }

  /**
   * Waits for the camera's media slot; resolves with its release (call it once the session is
   * over). Rejects as busy when the queue is full, and when `signal` aborts while waiting.
   */
  acquire(cameraId: string, signal?: AbortSignal): Promise<() => void> {
    let lane = this.lanes.get(cameraId);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(cameraId, lane);
    }
    const l = lane;
    if (!l.busy) {
      l.busy = true;
      return Promise.resolve(this.releaser(cameraId, l));
    }
    if (l.waiting.length >= this.maxWaiting) {
      return Promise.reject(
        new MediaError(
          'stream_busy',
          `camera ${cameraId}: its one media session is in use and ${l.waiting.length} more are waiting; try again shortly`,
          cameraId
        )
      );
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { grant: resolve, refuse: reject };
      l.waiting.push(w);
      signal?.addEventListener(
        'abort',
        () => {
          const i = l.waiting.indexOf(w);
          if (i >= 0) {
            l.waiting.splice(i, 1);
            reject(new MediaError('closed', `camera ${cameraId}: the request was cancelled while waiting`, cameraId));
          }
        },
        { once: true }
      );
    });
  }

  private releaser(cameraId: string, lane: Lane): () => void {
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const next = () => {
        const w = lane.waiting.shift();
        if (w) {
          w.grant(this.releaser(cameraId, lane));
        } else {
          lane.busy = false;
          this.lanes.delete(cameraId);
        }
      };
      if (this.pauseMs > 0) {
        // Not unref'd: a waiter is owed its grant (at most one pause keeps the process alive).
        setTimeout(next, this.pauseMs);
      } else {
        next();
      }
    };
  }
}
