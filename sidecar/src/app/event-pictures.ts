/**
 * One picture with every event (issue 21): when an event starts, keep a picture of it — the
 * running stream's latest picture when it is fresh, else a fresh grab from the camera's stream (a
 * battery child's is its wake-up stream) — and a thumbnail, in the event picture store. Nothing
 * while the camera is in privacy mode, nothing for a hub itself, and nothing for an event learnt
 * long after it began (a picture of now is not a picture of it). Events of one camera that start
 * while its grab is under way share that grab, so an event storm costs one grab per camera at a time.
 */
import type { Logger } from 'pino';
import { EVENT_PICTURE_LIMITS } from '../../../src/shared/query.ts';
import type { FrameProvider } from '../datasource/deps.ts';
import { eventPictureId } from '../media/event-pictures/ids.ts';
import type { EventPictureStore } from '../media/event-pictures/store.ts';
import type { JpegPicture } from '../media/types.ts';
import type { FleetView, MotionEvent } from '../model.ts';

export interface EventPictureTakerOptions {
  fleet: Pick<FleetView, 'on' | 'camera'>;
  frames: Pick<FrameProvider, 'latest' | 'snapshot'>;
  store: EventPictureStore;
  log: Logger;
  /** The running stream's picture counts when it is at most this old (default 2 s). */
  freshMs?: number;
  /** Events that started longer ago than this when we learn of them get no picture (default 60 s). */
  maxLateMs?: number;
  /** A picture was stored (the bench measures event start → on disk). */
  onStored?: (e: { id: string; cameraId: string; start: number; storedAt: number }) => void;
}

interface Grab {
  picture: JpegPicture;
  thumbnail: Buffer | null;
}

export class EventPictureTaker {
  private readonly grabs = new Map<string, Promise<Grab | null>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly seen = new Set<string>();
  private off: (() => void) | null = null;
  /** Why events went without a picture, counted (tests, /metrics). */
  readonly stats = { taken: 0, privacy: 0, late: 0, failed: 0, notStored: 0 };

  constructor(private readonly opts: EventPictureTakerOptions) {}

  start(): void {
    this.off ??= this.opts.fleet.on('event', (e) => this.onEvent(e));
  }

  /** Stops listening and waits for the pictures under way. */
  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    await Promise.allSettled([...this.pending]);
  }

  /** Settles when every picture under way is stored (or given up). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  onEvent(e: MotionEvent): void {
    if (e.end !== null) {
      return; // the end of an event whose start was seen (or missed) already
    }
    const id = eventPictureId(e);
    if (this.seen.has(id) || this.opts.store.has(id)) {
      return;
    }
    this.remember(id);
    if (Date.now() - e.start > (this.opts.maxLateMs ?? 60_000)) {
      this.stats.late++;
      return;
    }
    const cam = this.opts.fleet.camera(e.cameraId);
    if (!cam || cam.hub) {
      return;
    }
    if (cam.last?.privacyMode === true) {
      this.stats.privacy++;
      return;
    }
    const p = this.take(id, e).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async take(id: string, e: MotionEvent): Promise<void> {
    const grab = await this.grab(e.cameraId);
    if (!grab) {
      this.stats.failed++;
      return;
    }
    const stored = await this.opts.store.put({
      id,
      cameraId: e.cameraId,
      start: e.start,
      kind: e.kind,
      picture: grab.picture,
      thumbnail: grab.thumbnail,
    });
    if (!stored) {
      this.stats.notStored++;
      return;
    }
    this.stats.taken++;
    this.opts.onStored?.({ id, cameraId: e.cameraId, start: e.start, storedAt: Date.now() });
  }

  /** The camera's picture now: joins a grab under way, else the fresh latest or a new snapshot. */
  private grab(cameraId: string): Promise<Grab | null> {
    const running = this.grabs.get(cameraId);
    if (running) {
      return running;
    }
    const p = this.grabNow(cameraId).finally(() => this.grabs.delete(cameraId));
    this.grabs.set(cameraId, p);
    return p;
  }

  private async grabNow(cameraId: string): Promise<Grab | null> {
    const { frames, log } = this.opts;
    const fresh = (f: JpegPicture | undefined) => f && Date.now() - f.time <= (this.opts.freshMs ?? 2000);
    const latest = frames.latest(cameraId);
    // Both sizes asked together: the camera's one ffmpeg makes them from the same pictures.
    const [picture, thumbnail] = await Promise.all([
      fresh(latest)
        ? Promise.resolve(latest!)
        : frames.snapshot(cameraId, { width: EVENT_PICTURE_LIMITS.pictureWidth }).catch((err: Error) => {
            log.debug({ camera: cameraId, err: err.message }, 'no picture for an event');
            return null;
          }),
      frames.snapshot(cameraId, { width: EVENT_PICTURE_LIMITS.thumbnailWidth }).then(
        (f) => f.jpeg,
        (err: Error) => {
          log.debug({ camera: cameraId, err: err.message }, 'no thumbnail for an event');
          return null;
        }
      ),
    ]);
    return picture ? { picture, thumbnail } : null;
  }

  /** Ids already handled, bounded: the store answers for older ones. */
  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > 10_000) {
      this.seen.delete(this.seen.values().next().value!);
    }
  }
}
