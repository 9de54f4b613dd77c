/**
 * The frame pipeline: per camera ONE ffmpeg reads the RTSP stream (TCP) and writes MJPEG, one
 * pipe per distinct requested width; pictures fan out to every subscriber at the subscriber's
 * own rate. ffmpeg starts with the first subscriber, stops `idleMs` after the last one leaves,
 * and restarts with exponential backoff when it or the stream dies (or stalls). A consumer that
 * is still busy with a frame (its callback's promise has not settled) holds at most one more:
 * newer frames replace it and the replaced ones are counted as dropped, so nothing queues.
 *
 * Widths: each distinct width gets its own output (exact width, upscaled if the stream is
 * narrower, aspect kept, height even), up to `maxOutputs`; beyond that a subscriber gets the
 * next larger output's frames. Rates: an output
 * runs at the highest rate among its subscribers. A new subscriber that needs more than ffmpeg
 * produces restarts it at once (the old process is gone before the new one connects, so the
 * camera never sees two of our sessions); when needs shrink, ffmpeg is restarted smaller only
 * after `downgradeMs`, so viewers coming and going do not cause gaps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { LIVE_DEFAULT_FPS, LIVE_DEFAULT_WIDTH, LIVE_MAX_FPS, LIVE_MAX_WIDTH } from '../../../src/shared/query.ts';
import { logger } from '../log.ts';
import { buildFfmpegArgs, classifyFfmpegFailure, ffmpegError, outputFd, type OutputPlan } from './ffmpeg.ts';
import { JpegSplitter, type JpegImage } from './jpeg.ts';
import { MediaError, type CameraSource, type Frame } from './types.ts';

export interface PipelineOptions {
  /** ffmpeg binary (default 'ffmpeg' on PATH). */
  ffmpegPath?: string;
  /** Stop ffmpeg this long after the last subscriber left (default 10 s). */
  idleMs?: number;
  /** Restart ffmpeg smaller this long after needs shrank (default 60 s). */
  downgradeMs?: number;
  /** First restart delay after a failure (default 1 s), doubling up to backoffMaxMs (default 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A run that delivered pictures this long resets the backoff (default 30 s). */
  stableMs?: number;
  /** No picture for this long kills ffmpeg as stalled (default 20 s; also bounds the start). */
  stallMs?: number;
  /** ffmpeg's RTSP socket timeout (default 10 s). */
  ioTimeoutMs?: number;
  /** A snapshot waits this long for a fresh picture (default 15 s). */
  snapshotTimeoutMs?: number;
  /** A snapshot reuses the latest picture if it is at most this old (default 2 s). */
  snapshotMaxAgeMs?: number;
  /** Distinct output widths per camera (default 4). */
  maxOutputs?: number;
  /** MJPEG quality, 2 (best) .. 31 (default 5). */
  jpegQuality?: number;
  /** Threads per ffmpeg for decode/filter/encode (default 1; raise for HD streams on big hosts). */
  ffmpegThreads?: number;
}

export interface SubscribeOptions {
  /** Frames per second, default 2, capped at 10. */
  fps?: number;
  /** Width in pixels, default 640, capped at 1280, made even. */
  width?: number;
  /** Failures (typed, secret-free), e.g. to show on the channel. The pipeline keeps retrying. */
  onError?: (err: MediaError) => void;
}

/**
 * Receives frames. A returned promise marks the consumer busy until it settles; meanwhile only the
 * newest frame is kept for it. Frames are shared between subscribers: do not modify `jpeg`.
 */
export type FrameListener = (frame: Frame) => void | Promise<void>;

export type CameraState = 'idle' | 'starting' | 'running' | 'backoff';

export interface CameraMediaStats {
  cameraId: string;
  state: CameraState;
  subscribers: number;
  pid: number | null;
  outputs: OutputPlan[];
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  restarts: number;
  lastFrameAt: number | null;
  lastError: string | null;
}

export interface PipelineStats {
  cameras: number;
  ffmpegRunning: number;
  subscribers: number;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  restarts: number;
}

/** Frame extended with a monotonic completion time, for latency figures. */
export interface TimedFrame extends Frame {
  /** performance.now() when the JPEG was complete on ffmpeg's output. */
  readyAt: number;
}

const log = logger.child({ module: 'media' });

export function clampFps(fps: number | undefined): number {
  const v = typeof fps === 'number' && Number.isFinite(fps) && fps > 0 ? fps : LIVE_DEFAULT_FPS;
  return Math.min(Math.max(v, 0.1), LIVE_MAX_FPS);
}

export function clampWidth(width: number | undefined): number {
  const v = typeof width === 'number' && Number.isFinite(width) && width > 0 ? Math.round(width) : LIVE_DEFAULT_WIDTH;
  return Math.min(Math.max(v, 32), LIVE_MAX_WIDTH) & ~1;
}

function checkSource(source: CameraSource): void {
  if (!source || typeof source.cameraId !== 'string' || source.cameraId === '') {
    throw new MediaError('invalid_source', 'the stream source has no camera id');
  }
  if (typeof source.url !== 'string' || !/^rtsps?:\/\/[^\s]+$/i.test(source.url)) {
    throw new MediaError(
      'invalid_source',
      `camera ${source.cameraId}: the stream URL must be rtsp:// or rtsps://`,
      source.cameraId
    );
  }
  if (typeof source.maskedUrl !== 'string') {
    throw new MediaError('invalid_source', `camera ${source.cameraId}: no masked URL`, source.cameraId);
  }
}

interface Sub {
  id: number;
  fps: number;
  width: number;
  /** Width of the output that serves it. */
  outWidth: number;
  onFrame: FrameListener;
  onError?: (err: MediaError) => void;
  nextDue: number;
  busy: boolean;
  pending: TimedFrame | null;
  active: boolean;
}

interface Running {
  child: ChildProcess;
  plan: OutputPlan[];
  stderr: string;
  intentional: boolean;
  stalled: boolean;
  spawnError: NodeJS.ErrnoException | null;
  firstFrameAt: number | null;
  exited: Promise<void>;
  stallTimer: NodeJS.Timeout | null;
}

interface Plan {
  outputs: OutputPlan[];
  assign: Map<number, number>;
}

type Resolved = Required<PipelineOptions>;

class CameraWorker {
  readonly subs = new Map<number, Sub>();
  state: CameraState = 'idle';
  proc: Running | null = null;
  lastError: MediaError | null = null;
  readonly latestByWidth = new Map<number, TimedFrame>();
  latestFrame: TimedFrame | undefined;
  framesIn = 0;
  framesOut = 0;
  framesDropped = 0;
  restarts = 0;
  private backoffMs: number;
  private idleTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private downgradeTimer: NodeJS.Timeout | null = null;
  /** Set while a stopped process is still exiting: nothing starts before it is gone. */
  private exiting: Promise<void> | null = null;
  private waitingExit = false;
  private ensureQueued = false;
  private closed = false;

  constructor(
    public source: CameraSource,
    private readonly opts: Resolved,
    private readonly events: EventEmitter
  ) {
    this.backoffMs = opts.backoffInitialMs;
  }

  get id(): string {
    return this.source.cameraId;
  }

  // --- planning -------------------------------------------------------------------------------

  private computePlan(): Plan {
    const byWidth = new Map<number, number>();
    for (const s of this.subs.values()) {
      byWidth.set(s.width, Math.max(byWidth.get(s.width) ?? 0, s.fps));
    }
    const widths = [...byWidth.keys()].sort((a, b) => b - a);
    const kept = widths.slice(0, this.opts.maxOutputs);
    const fpsOf = new Map<number, number>(kept.map((w) => [w, byWidth.get(w)!]));
    const assign = new Map<number, number>();
    for (const s of this.subs.values()) {
      // The smallest kept width that is at least the requested one (the largest always qualifies).
      const w = kept.filter((k) => k >= s.width).pop() ?? kept[0];
      assign.set(s.id, w);
      fpsOf.set(w, Math.max(fpsOf.get(w)!, s.fps));
    }
    return { outputs: kept.map((w) => ({ width: w, fps: fpsOf.get(w)! })), assign };
  }

  private static covers(running: OutputPlan[], desired: OutputPlan[]): boolean {
    return desired.every((d) => running.some((r) => r.width === d.width && r.fps >= d.fps));
  }

  private static wasteful(running: OutputPlan[], desired: OutputPlan[]): boolean {
    return running.some((r) => !desired.some((d) => d.width === r.width && d.fps >= r.fps));
  }

  private applyAssignments(plan: Plan): void {
    for (const s of this.subs.values()) {
      s.outWidth = plan.assign.get(s.id) ?? s.width;
    }
  }

  /** Brings the process in line with the subscribers. */
  ensure(): void {
    if (this.closed) {
      return;
    }
    if (this.subs.size === 0) {
      this.clearTimer('downgradeTimer');
      if (this.restartTimer) {
        this.clearTimer('restartTimer');
        this.state = 'idle';
      }
      if (this.proc && !this.idleTimer) {
        this.idleTimer = setTimeout(() => {
          this.idleTimer = null;
          if (this.subs.size === 0) {
            this.state = 'idle';
            void this.stopProc();
          }
        }, this.opts.idleMs);
      }
      return;
    }
    this.clearTimer('idleTimer');
    const plan = this.computePlan();
    this.applyAssignments(plan);
    if (this.restartTimer) {
      return;
    } // the pending restart uses the latest plan
    if (!this.proc) {
      this.start();
      return;
    }
    if (!CameraWorker.covers(this.proc.plan, plan.outputs)) {
      void this.restartNow();
      return;
    }
    if (CameraWorker.wasteful(this.proc.plan, plan.outputs)) {
      if (!this.downgradeTimer) {
        this.downgradeTimer = setTimeout(() => {
          this.downgradeTimer = null;
          if (this.proc && this.subs.size > 0 && CameraWorker.wasteful(this.proc.plan, this.computePlan().outputs)) {
            void this.restartNow();
          }
        }, this.opts.downgradeMs);
      }
    } else {
      this.clearTimer('downgradeTimer');
    }
  }

  private clearTimer(name: 'idleTimer' | 'restartTimer' | 'downgradeTimer'): void {
    const t = this[name];
    if (t) {
      clearTimeout(t);
    }
    this[name] = null;
  }

  // --- process --------------------------------------------------------------------------------

  private start(): void {
    if (this.closed || this.proc || this.subs.size === 0) {
      return;
    }
    if (this.exiting) {
      // One RTSP session per camera: wait until the previous ffmpeg has gone.
      if (!this.waitingExit) {
        this.waitingExit = true;
        void this.exiting.then(() => {
          this.waitingExit = false;
          this.ensure();
        });
      }
      return;
    }
    const plan = this.computePlan();
    this.applyAssignments(plan);
    this.state = 'starting';
    const args = buildFfmpegArgs(this.source.url, plan.outputs, {
      ioTimeoutMs: this.opts.ioTimeoutMs,
      quality: this.opts.jpegQuality,
      threads: this.opts.ffmpegThreads,
    });
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'pipe', 'pipe'];
    for (let i = 1; i < plan.outputs.length; i++) {
      stdio.push('pipe');
    }
    let child: ChildProcess;
    try {
      child = spawn(this.opts.ffmpegPath, args, { stdio });
    } catch (err) {
      // e.g. an empty or invalid path: spawn throws instead of emitting 'error'.
      this.fail(
        new MediaError(
          'ffmpeg_missing',
          `ffmpeg at "${this.opts.ffmpegPath}" cannot be started: ${(err as Error).message}`,
          this.id
        )
      );
      return;
    }
    let resolveExit!: () => void;
    const run: Running = {
      child,
      plan: plan.outputs,
      stderr: '',
      intentional: false,
      stalled: false,
      spawnError: null,
      firstFrameAt: null,
      exited: new Promise<void>((r) => (resolveExit = r)),
      stallTimer: null,
    };
    this.proc = run;
    run.stallTimer = setTimeout(() => {
      run.stalled = true;
      run.child.kill('SIGKILL');
    }, this.opts.stallMs);

    plan.outputs.forEach((out, i) => {
      const stream = child.stdio[outputFd(i)] as Readable | null;
      const splitter = new JpegSplitter((img) => this.onImage(run, out, img));
      stream?.on('data', (chunk: Buffer) => splitter.push(chunk));
      stream?.on('error', () => undefined);
    });
    child.stderr?.on('data', (d: Buffer) => {
      run.stderr = (run.stderr + d.toString('utf8')).slice(-4000);
    });
    child.stderr?.on('error', () => undefined);

    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) {
        return;
      }
      finished = true;
      if (run.stallTimer) {
        clearTimeout(run.stallTimer);
      }
      resolveExit();
      this.onExit(run, code, signal);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      run.spawnError = err;
      // If the process never started, 'close' may not follow.
      if (child.pid === undefined) {
        finish(null, null);
      }
    });
    child.once('close', (code, signal) => finish(code, signal));
    if (child.pid !== undefined) {
      log.info(
        { cameraId: this.id, url: this.source.maskedUrl, pid: child.pid, outputs: plan.outputs },
        'ffmpeg started'
      );
      this.events.emit('ffmpeg-start', { cameraId: this.id, pid: child.pid, outputs: plan.outputs });
    }
  }

  private onImage(run: Running, out: OutputPlan, img: JpegImage): void {
    if (this.proc !== run) {
      return;
    }
    const now = Date.now();
    const frame: TimedFrame = {
      cameraId: this.id,
      time: now,
      width: img.width,
      height: img.height,
      jpeg: img.jpeg,
      readyAt: performance.now(),
    };
    this.framesIn++;
    if (run.stallTimer) {
      run.stallTimer.refresh();
    }
    if (run.firstFrameAt === null) {
      run.firstFrameAt = now;
      this.state = 'running';
      this.lastError = null;
    }
    this.latestByWidth.set(out.width, frame);
    if (
      !this.latestFrame ||
      out.width >= this.latestFrame.width ||
      now - this.latestFrame.time > 1000 / out.fps + 1000
    ) {
      this.latestFrame = frame;
    }
    for (const s of this.subs.values()) {
      if (s.outWidth !== out.width) {
        continue;
      }
      if (s.fps < out.fps) {
        // Rate-limit to the subscriber's fps, tolerating a fifth of an interval of jitter.
        const interval = 1000 / s.fps;
        if (now < s.nextDue - interval * 0.2) {
          continue;
        }
        s.nextDue = Math.max(s.nextDue, now - interval * 0.2) + interval;
      }
      this.deliver(s, frame);
    }
  }

  private deliver(s: Sub, frame: TimedFrame): void {
    if (s.busy) {
      if (s.pending) {
        s.pending = null;
        this.framesDropped++;
      }
      s.pending = frame;
      return;
    }
    this.invoke(s, frame);
  }

  private invoke(s: Sub, frame: TimedFrame): void {
    this.framesOut++;
    let r: void | Promise<void>;
    try {
      r = s.onFrame(frame);
    } catch (err) {
      log.warn({ cameraId: this.id, err: (err as Error).message }, 'frame consumer threw');
      return;
    }
    if (r && typeof (r as Promise<void>).then === 'function') {
      s.busy = true;
      const done = () => {
        s.busy = false;
        const next = s.pending;
        s.pending = null;
        if (next && s.active) {
          this.invoke(s, next);
        }
      };
      (r as Promise<void>).then(done, (err: unknown) => {
        log.warn({ cameraId: this.id, err: (err as Error)?.message }, 'frame consumer failed');
        done();
      });
    }
  }

  private onExit(run: Running, code: number | null, signal: NodeJS.Signals | null): void {
    const current = this.proc === run;
    if (current) {
      this.proc = null;
    }
    const pid = run.child.pid ?? null;
    if (run.intentional || !current) {
      log.debug({ cameraId: this.id, pid, code, signal }, 'ffmpeg stopped');
      this.events.emit('ffmpeg-exit', { cameraId: this.id, pid, code, signal, intentional: true });
      return;
    }
    let err: MediaError;
    if (run.spawnError) {
      const missing = run.spawnError.code === 'ENOENT' || run.spawnError.code === 'EACCES';
      err = new MediaError(
        missing ? 'ffmpeg_missing' : 'ffmpeg_failed',
        missing
          ? `camera ${this.id}: ffmpeg not found at "${this.opts.ffmpegPath}" (install ffmpeg or set the ffmpeg path)`
          : `camera ${this.id}: ffmpeg cannot be started (${run.spawnError.code ?? 'error'})`,
        this.id
      );
    } else if (run.stalled) {
      err = ffmpegError('stalled', this.id, this.source.url, this.source.maskedUrl, run.stderr);
    } else if (signal && !run.stderr.trim()) {
      err = ffmpegError(
        'ffmpeg_failed',
        this.id,
        this.source.url,
        this.source.maskedUrl,
        `ffmpeg was killed (${signal})`
      );
    } else {
      const kind = run.stderr.trim() ? classifyFfmpegFailure(run.stderr) : 'stream_ended';
      err = ffmpegError(kind, this.id, this.source.url, this.source.maskedUrl, run.stderr);
    }
    if (run.firstFrameAt !== null && Date.now() - run.firstFrameAt >= this.opts.stableMs) {
      this.backoffMs = this.opts.backoffInitialMs;
    }
    this.events.emit('ffmpeg-exit', { cameraId: this.id, pid, code, signal, intentional: false, error: err });
    this.fail(err);
  }

  private fail(err: MediaError): void {
    // A failure that repeats (camera down for hours) is logged once at warn, then at debug.
    const repeat = this.lastError?.kind === err.kind;
    this.lastError = err;
    log[repeat ? 'debug' : 'warn']({ cameraId: this.id, kind: err.kind, err: err.message }, 'camera stream failed');
    for (const s of [...this.subs.values()]) {
      try {
        s.onError?.(err);
      } catch (e) {
        log.warn({ cameraId: this.id, err: (e as Error).message }, 'error consumer threw');
      }
    }
    if (this.closed || this.subs.size === 0) {
      this.state = 'idle';
      return;
    }
    this.state = 'backoff';
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.opts.backoffMaxMs, this.backoffMs * 2);
    this.clearTimer('restartTimer');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closed || this.subs.size === 0) {
        this.state = 'idle';
        return;
      }
      this.restarts++;
      this.start();
    }, delay);
  }

  /** Stops the process (if any) and resolves once it has exited. */
  stopProc(): Promise<void> {
    const run = this.proc;
    if (!run) {
      return Promise.resolve();
    }
    this.proc = null;
    run.intentional = true;
    if (run.stallTimer) {
      clearTimeout(run.stallTimer);
    }
    run.child.kill('SIGTERM');
    const kill = setTimeout(() => run.child.kill('SIGKILL'), 2000);
    const p: Promise<void> = run.exited.then(() => {
      clearTimeout(kill);
      if (this.exiting === p) {
        this.exiting = null;
      }
    });
    this.exiting = p;
    return p;
  }

  private restartNow(): Promise<void> {
    this.clearTimer('downgradeTimer');
    const stopped = this.stopProc();
    this.start();
    return stopped;
  }

  // --- subscribers ----------------------------------------------------------------------------

  add(s: Sub): void {
    this.subs.set(s.id, s);
    this.clearTimer('idleTimer');
    // Subscriptions made together (a dashboard opening) share one start instead of restarting ffmpeg per width.
    if (!this.ensureQueued) {
      this.ensureQueued = true;
      setImmediate(() => {
        this.ensureQueued = false;
        this.ensure();
      });
    }
  }

  remove(id: number): void {
    const s = this.subs.get(id);
    if (!s) {
      return;
    }
    s.active = false;
    s.pending = null;
    this.subs.delete(id);
    this.ensure();
  }

  async setSource(source: CameraSource): Promise<void> {
    const changed = source.url !== this.source.url;
    this.source = source;
    if (changed) {
      // Another address or account may be another camera: its pictures and errors are not this one's.
      this.latestByWidth.clear();
      this.latestFrame = undefined;
      this.lastError = null;
    }
    if (changed && this.proc) {
      await this.restartNow();
    }
  }

  /** Latest picture at a width, or the widest recent one. */
  latest(width?: number): TimedFrame | undefined {
    if (width !== undefined) {
      return this.latestByWidth.get(width);
    }
    return this.latestFrame;
  }

  stats(): CameraMediaStats {
    return {
      cameraId: this.id,
      state: this.state,
      subscribers: this.subs.size,
      pid: this.proc?.child.pid ?? null,
      outputs: this.proc ? this.proc.plan.map((o) => ({ ...o })) : [],
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      framesDropped: this.framesDropped,
      restarts: this.restarts,
      lastFrameAt: this.latestFrame?.time ?? null,
      lastError: this.lastError?.message ?? null,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer('idleTimer');
    this.clearTimer('restartTimer');
    this.clearTimer('downgradeTimer');
    for (const s of this.subs.values()) {
      s.active = false;
    }
    this.subs.clear();
    await this.stopProc();
    this.state = 'idle';
  }
}

export class FramePipeline {
  /** 'ffmpeg-start' {cameraId, pid, outputs}; 'ffmpeg-exit' {cameraId, pid, code, signal, intentional, error?}. */
  readonly events = new EventEmitter();
  private readonly opts: Resolved;
  private readonly workers = new Map<string, CameraWorker>();
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
  }

  get ffmpegPath(): string {
    return this.opts.ffmpegPath;
  }

  private worker(source: CameraSource): CameraWorker {
    let w = this.workers.get(source.cameraId);
    if (!w) {
      w = new CameraWorker(source, this.opts, this.events);
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
  subscribe(source: CameraSource, opts: SubscribeOptions, onFrame: FrameListener): () => void {
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
    return this.workers.get(source.cameraId)?.setSource(source) ?? Promise.resolve();
  }

  /** The camera is no longer configured: stops its ffmpeg (awaiting the exit) and forgets its pictures. */
  async forget(cameraId: string): Promise<void> {
    const w = this.workers.get(cameraId);
    if (!w) {
      return;
    }
    this.workers.delete(cameraId);
    await w.close();
  }

  /** The latest picture of a camera (at `width` if given, else the widest recent), kept after ffmpeg stops. */
  latest(cameraId: string, width?: number): Frame | undefined {
    return this.workers.get(cameraId)?.latest(width === undefined ? undefined : clampWidth(width));
  }

  /**
   * A picture for CallResource: the latest if it is fresh (and of the asked width), else a fresh
   * grab. Rejects with a MediaError (timeout, ffmpeg_missing, auth_failed, ...).
   */
  snapshot(source: CameraSource, opts: { width?: number; timeoutMs?: number } = {}): Promise<Frame> {
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
    return new Promise<Frame>((resolve, reject) => {
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
  }
}
