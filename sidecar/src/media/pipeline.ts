/**
 * The frame pipeline's facade: JPEG pictures of cameras for Live channels, snapshots and the
 * status page. Per camera one worker (worker.ts) turns the camera's shared video feed into
 * MJPEG with one ffmpeg; its plan (plan.ts) decides widths, rates and keyframe-only decoding, and
 * the fan-out (fanout.ts) hands pictures to each subscriber at its own rate without queueing.
 *
 * Widths: each distinct width gets its own output (exact width, upscaled if the stream is
 * narrower, aspect kept, height even), up to `maxOutputs`; beyond that a subscriber gets the
 * next larger output's frames. Rates: an output runs at the highest rate among its subscribers.
 */
import { EventEmitter } from 'node:events';
import { LIVE_DEFAULT_WIDTH } from '../../../src/shared/query.ts';
import { clampFps, clampWidth } from './plan.ts';
import type { Sub } from './fanout.ts';
import type {
  CameraMediaStats,
  PictureListener,
  PipelineOptions,
  PipelineStats,
  ResolvedPipelineOptions,
  SubscribeOptions,
} from './pipeline-types.ts';
import { MediaError, type CameraSource, type JpegPicture } from './types.ts';
import { RtspVideoFeeds, type ManagedVideoFeeds } from './video/feeds.ts';
import { CameraWorker } from './worker.ts';

export { clampFps, clampWidth } from './plan.ts';
export type {
  CameraMediaStats,
  CameraState,
  PictureListener,
  PipelineOptions,
  PipelineStats,
  SubscribeOptions,
  TimedPicture,
} from './pipeline-types.ts';

function checkSource(source: CameraSource): void {
  if (!source || typeof source.cameraId !== 'string' || source.cameraId === '') {
    throw new MediaError('invalid_source', 'the stream source has no camera id');
  }
  if (typeof source.url !== 'string' || !/^(rtsps?|tapo):\/\/[^\s]+$/i.test(source.url)) {
    throw new MediaError(
      'invalid_source',
      `camera ${source.cameraId}: the stream URL must be rtsp://, rtsps:// or tapo:// (a hub's child)`,
      source.cameraId
    );
  }
  if (typeof source.maskedUrl !== 'string') {
    throw new MediaError('invalid_source', `camera ${source.cameraId}: no masked URL`, source.cameraId);
  }
}

export class FramePipeline {
  /** 'ffmpeg-start' {cameraId, pid, outputs}; 'ffmpeg-exit' {cameraId, pid, code, signal, intentional, error?}. */
  readonly events = new EventEmitter();
  private readonly opts: ResolvedPipelineOptions;
  private readonly workers = new Map<string, CameraWorker>();
  private readonly feeds: ManagedVideoFeeds;
  private readonly ownFeeds: boolean;
  /** The sources the pipeline was given, for its own feeds. */
  private readonly sources = new Map<string, CameraSource>();
  private nextId = 1;
  private closed = false;

  constructor(opts: PipelineOptions = {}) {
    this.opts = {
      ffmpegPath: opts.ffmpegPath || 'ffmpeg',
      idleMs: opts.idleMs ?? 10_000,
      downgradeMs: opts.downgradeMs ?? 60_000,
      backoffInitialMs: opts.backoffInitialMs ?? 1000,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      stableMs: opts.stableMs ?? 30_000,
      stallMs: opts.stallMs ?? 20_000,
      ioTimeoutMs: opts.ioTimeoutMs ?? 10_000,
      snapshotTimeoutMs: opts.snapshotTimeoutMs ?? 15_000,
      snapshotMaxAgeMs: opts.snapshotMaxAgeMs ?? 2000,
      maxOutputs: Math.max(1, opts.maxOutputs ?? 4),
      jpegQuality: Math.min(31, Math.max(2, opts.jpegQuality ?? 5)),
      ffmpegThreads: Math.min(16, Math.max(1, Math.round(opts.ffmpegThreads ?? 1))),
    };
    this.events.setMaxListeners(0);
    this.ownFeeds = !opts.feeds;
    this.feeds =
      opts.feeds ??
      new RtspVideoFeeds((cameraId) => this.sources.get(cameraId), {
        timeoutMs: this.opts.ioTimeoutMs,
        backoffInitialMs: this.opts.backoffInitialMs,
        backoffMaxMs: this.opts.backoffMaxMs,
        idleMs: 1000,
      });
  }

  private feedOf(source: CameraSource) {
    if (this.ownFeeds) {
      this.sources.set(source.cameraId, source);
    }
    return this.feeds.feed(source.cameraId, source.stream ?? 'main');
  }

  get ffmpegPath(): string {
    return this.opts.ffmpegPath;
  }

  private worker(source: CameraSource): CameraWorker {
    let w = this.workers.get(source.cameraId);
    if (!w) {
      w = new CameraWorker(source, this.opts, this.events, (s) => this.feedOf(s));
      this.workers.set(source.cameraId, w);
    } else if (w.source.url !== source.url || w.source.maskedUrl !== source.maskedUrl) {
      void w.setSource(source);
    }
    return w;
  }

  /**
   * Frames of a camera at (at most) `fps` and exactly `width` (see the module comment for the
   * rule when many widths are asked). Returns the unsubscribe function. Throws MediaError
   * 'invalid_source' or 'closed' synchronously; stream failures go to `opts.onError`.
   */
  subscribe(source: CameraSource, opts: SubscribeOptions, onFrame: PictureListener): () => void {
    if (this.closed) {
      throw new MediaError('closed', 'the frame pipeline is closed', source?.cameraId);
    }
    checkSource(source);
    if (typeof onFrame !== 'function') {
      throw new TypeError('onFrame must be a function');
    }
    const w = this.worker(source);
    const s: Sub = {
      id: this.nextId++,
      fps: clampFps(opts.fps),
      width: clampWidth(opts.width),
      outWidth: 0,
      onFrame,
      onError: opts.onError,
      nextDue: 0,
      busy: false,
      pending: null,
      active: true,
    };
    w.add(s);
    let done = false;
    return () => {
      if (done) {
        return;
      }
      done = true;
      w.remove(s.id);
    };
  }

  /**
   * The camera's configuration changed: a new URL restarts its ffmpeg (when one runs) and drops the
   * old source's pictures. Nothing happens for a camera the pipeline has not seen.
   */
  updateSource(source: CameraSource): Promise<void> {
    try {
      checkSource(source);
    } catch (err) {
      return Promise.reject(err);
    }
    const w = this.workers.get(source.cameraId);
    if (!w) {
      return Promise.resolve();
    }
    if (this.ownFeeds) {
      this.sources.set(source.cameraId, source);
      this.feeds.refresh(source.cameraId);
    }
    return w.setSource(source);
  }

  /** The camera is no longer configured: stops its ffmpeg (awaiting the exit) and forgets its pictures. */
  async forget(cameraId: string): Promise<void> {
    const w = this.workers.get(cameraId);
    if (!w) {
      return;
    }
    this.workers.delete(cameraId);
    await w.close();
    if (this.ownFeeds) {
      this.sources.delete(cameraId);
      this.feeds.forget(cameraId);
    }
  }

  /** The latest picture of a camera (at `width` if given, else the widest recent), kept after ffmpeg stops. */
  latest(cameraId: string, width?: number): JpegPicture | undefined {
    return this.workers.get(cameraId)?.latest(width === undefined ? undefined : clampWidth(width));
  }

  /**
   * A picture for CallResource: the latest if it is fresh (and of the asked width), else a fresh
   * grab. Rejects with a MediaError (timeout, ffmpeg_missing, auth_failed, ...).
   */
  snapshot(source: CameraSource, opts: { width?: number; timeoutMs?: number } = {}): Promise<JpegPicture> {
    if (this.closed) {
      return Promise.reject(new MediaError('closed', 'the frame pipeline is closed', source?.cameraId));
    }
    try {
      checkSource(source);
    } catch (err) {
      return Promise.reject(err);
    }
    const w = this.workers.get(source.cameraId);
    const width = opts.width === undefined ? undefined : clampWidth(opts.width);
    const cached = w?.latest(width);
    if (cached && Date.now() - cached.time <= this.opts.snapshotMaxAgeMs && w?.source.url === source.url) {
      return Promise.resolve(cached);
    }
    if (w && w.state === 'backoff' && w.lastError && w.source.url === source.url) {
      return Promise.reject(w.lastError);
    }
    const timeoutMs = opts.timeoutMs ?? this.opts.snapshotTimeoutMs;
    return new Promise<JpegPicture>((resolve, reject) => {
      let unsub: (() => void) | null = null;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        unsub?.();
        fn();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new MediaError(
                'timeout',
                `camera ${source.cameraId} (${source.maskedUrl}): no picture within ${timeoutMs} ms`,
                source.cameraId
              )
            )
          ),
        timeoutMs
      );
      try {
        unsub = this.subscribe(
          source,
          {
            fps: 1,
            width: width ?? w?.latest()?.width ?? LIVE_DEFAULT_WIDTH,
            onError: (err) => settle(() => reject(err)),
          },
          (f) => settle(() => resolve(f))
        );
        if (settled) {
          unsub();
        }
      } catch (err) {
        settle(() => reject(err));
      }
    });
  }

  stats(): PipelineStats {
    const all = [...this.workers.values()].map((w) => w.stats());
    const sum = (f: (s: CameraMediaStats) => number) => all.reduce((a, s) => a + f(s), 0);
    return {
      cameras: all.length,
      ffmpegRunning: all.filter((s) => s.pid !== null).length,
      subscribers: sum((s) => s.subscribers),
      framesIn: sum((s) => s.framesIn),
      framesOut: sum((s) => s.framesOut),
      framesDropped: sum((s) => s.framesDropped),
      restarts: sum((s) => s.restarts),
    };
  }

  cameraStats(cameraId?: string): CameraMediaStats[] {
    const ws =
      cameraId === undefined
        ? [...this.workers.values()]
        : [this.workers.get(cameraId)].filter((w): w is CameraWorker => !!w);
    return ws.map((w) => w.stats());
  }

  /** Stops every ffmpeg (awaiting their exit) and refuses further use. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    if (this.ownFeeds) {
      this.feeds.close();
    }
  }
}
