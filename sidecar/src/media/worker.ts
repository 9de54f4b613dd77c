/**
 * One camera's JPEG worker: ONE ffmpeg per camera, fed the camera's H.264 on stdin from the
 * shared video feed (one RTSP session per camera stream), writing MJPEG, one pipe per distinct
 * requested width. It starts with the first subscriber, stops `idleMs` after the last one leaves,
 * and restarts with exponential backoff when ffmpeg or the feed fails (or stalls). A subscriber
 * that needs more than ffmpeg produces restarts it at once; when needs shrink, ffmpeg is restarted
 * smaller only after `downgradeMs`, so viewers coming and going do not cause gaps. A new rate for
 * the same widths needs no new ffmpeg: its stdin clock is retimed (plan.ts `retime`). Pictures at
 * or below the keyframe rate are decoded from keyframes alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { logger } from '../log.ts';
import { ffmpegEnv } from './child-env.ts';
import { buildFfmpegArgs, classifyFfmpegFailure, ffmpegError, outputFd, type OutputPlan } from './ffmpeg.ts';
import { inputFormat, stdinWriter } from './stdin-writer.ts';
import { fanOut, type FanOutCounters, type Sub } from './fanout.ts';
import { JpegSplitter, type JpegImage } from './jpeg.ts';
import { computePlan, covers, retime, wasteful, type Plan } from './plan.ts';
import type { CameraMediaStats, CameraState, ResolvedPipelineOptions, TimedPicture } from './pipeline-types.ts';
import { MediaError, type CameraSource } from './types.ts';
import type { VideoFeed } from './video/types.ts';

const log = logger.child({ module: 'media' });

interface Running {
  child: ChildProcess;
  plan: Plan;
  /** Its outputs run this many times their planned rate (the stdin clock's scale; 1 as started). */
  scale: number;
  /** H.264 on FLV, whose clock is ours: the process can be retimed (not raw H.265). */
  retimable: boolean;
  /** Why the feed ended this run (the camera, not ffmpeg). */
  feedError: MediaError | null;
  unfeed: () => void;
  stderr: string;
  intentional: boolean;
  stalled: boolean;
  spawnError: NodeJS.ErrnoException | null;
  firstFrameAt: number | null;
  exited: Promise<void>;
  stallTimer: NodeJS.Timeout | null;
}

/** What the running process produces: its plan at the rates its clock scale gives. */
function effective(run: Running): Plan {
  return { ...run.plan, outputs: run.plan.outputs.map((o) => ({ width: o.width, fps: o.fps * run.scale })) };
}

export class CameraWorker {
  readonly subs = new Map<number, Sub>();
  state: CameraState = 'idle';
  proc: Running | null = null;
  lastError: MediaError | null = null;
  readonly latestByWidth = new Map<number, TimedPicture>();
  latestFrame: TimedPicture | undefined;
  framesIn = 0;
  readonly counters: FanOutCounters = { framesOut: 0, framesDropped: 0 };
  restarts = 0;
  /** Keyframe spacing seen on the feed (null until two keyframes came). */
  private keyIntervalMs: number | null = null;
  private lastKeyAt: number | null = null;
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
    private readonly opts: ResolvedPipelineOptions,
    private readonly events: EventEmitter,
    private readonly feedOf: (source: CameraSource) => VideoFeed | undefined
  ) {
    this.backoffMs = opts.backoffInitialMs;
  }

  get id(): string {
    return this.source.cameraId;
  }

  // --- planning -------------------------------------------------------------------------------

  private computePlan(): Plan {
    return computePlan(this.subs.values(), this.opts.maxOutputs, this.keyIntervalMs);
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
    const scale = this.proc.retimable ? retime(this.proc.plan, plan) : null;
    if (scale !== null) {
      // Same widths, same decoding: the rates follow at once, faster or slower, without a restart.
      this.proc.scale = scale;
      this.clearTimer('downgradeTimer');
      return;
    }
    if (!covers(effective(this.proc), plan)) {
      void this.restartNow();
      return;
    }
    if (wasteful(effective(this.proc), plan)) {
      if (!this.downgradeTimer) {
        this.downgradeTimer = setTimeout(() => {
          this.downgradeTimer = null;
          if (this.proc && this.subs.size > 0 && wasteful(effective(this.proc), this.computePlan())) {
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
    const feed = this.feedOf(this.source);
    if (!feed) {
      this.fail(new MediaError('invalid_source', `camera ${this.id}: no video feed for this camera`, this.id));
      return;
    }
    const codec = feed.info()?.codec ?? 'h264';
    const args = buildFfmpegArgs(plan.outputs, {
      input: inputFormat(codec),
      keyframesOnly: plan.keyframesOnly,
      quality: this.opts.jpegQuality,
      threads: this.opts.ffmpegThreads,
    });
    // stdin carries the camera's video: ffmpeg never sees the camera's address or account, and
    // it ends when stdin closes (also when the sidecar dies, even by SIGKILL).
    const stdio: Array<'ignore' | 'pipe'> = ['pipe', 'pipe', 'pipe'];
    for (let i = 1; i < plan.outputs.length; i++) {
      stdio.push('pipe');
    }
    let child: ChildProcess;
    try {
      child = spawn(this.opts.ffmpegPath, args, { stdio, env: ffmpegEnv() });
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
      plan,
      scale: 1,
      retimable: codec === 'h264',
      feedError: null,
      unfeed: () => undefined,
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

    child.stdin?.on('error', () => undefined); // EPIPE when ffmpeg dies first: its exit says why
    run.unfeed = feed.subscribe(
      stdinWriter(child, codec, plan.keyframesOnly, {
        clockScale: () => run.scale,
        onClockSpent: () => {
          if (this.proc === run) {
            void this.restartNow();
          }
        },
        onKeyframe: (at) => this.sawKeyframe(at),
        onInfo: (info) => {
          // Started before the stream said its codec (H.265 cameras): start again with the right one.
          if (this.proc === run && info.codec !== codec) {
            void this.restartNow();
          }
        },
        onError: (err) => {
          if (this.proc === run) {
            run.feedError = err instanceof MediaError ? err : new MediaError('stream_ended', err.message, this.id);
            run.child.kill('SIGKILL');
          }
        },
      })
    );
    plan.outputs.forEach((out, i) => {
      const stream = child.stdio[outputFd(i)] as Readable | null;
      const splitter = new JpegSplitter((img) =>
        this.onImage(run, { width: out.width, fps: out.fps * run.scale }, img)
      );
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
      run.unfeed();
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
        {
          cameraId: this.id,
          url: this.source.maskedUrl,
          pid: child.pid,
          outputs: plan.outputs,
          keyframesOnly: plan.keyframesOnly,
        },
        'ffmpeg started'
      );
      this.events.emit('ffmpeg-start', {
        cameraId: this.id,
        pid: child.pid,
        outputs: plan.outputs,
        keyframesOnly: plan.keyframesOnly,
      });
    }
  }

  private onImage(run: Running, out: OutputPlan, img: JpegImage): void {
    if (this.proc !== run) {
      return;
    }
    const now = Date.now();
    const frame: TimedPicture = {
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
    fanOut(this.subs.values(), out.width, out.fps, frame, this.counters);
  }

  /** Learns the stream's keyframe spacing (for keyframe-only decoding). */
  private sawKeyframe(at: number): void {
    const known = this.keyIntervalMs !== null;
    if (this.lastKeyAt !== null) {
      const d = at - this.lastKeyAt;
      if (d > 0) {
        this.keyIntervalMs = this.keyIntervalMs === null ? d : Math.round(this.keyIntervalMs * 0.7 + d * 0.3);
      }
    }
    this.lastKeyAt = at;
    // The spacing is learned once per camera: an ffmpeg started before then may decode more than
    // its pictures need, so it is replaced at once (later starts plan with the spacing known).
    if (!known && this.keyIntervalMs !== null && this.proc && !this.proc.plan.keyframesOnly) {
      if (this.computePlan().keyframesOnly) {
        void this.restartNow();
      }
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
    } else if (run.feedError) {
      err = run.feedError;
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
  latest(width?: number): TimedPicture | undefined {
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
      outputs: this.proc ? effective(this.proc).outputs : [],
      keyframesOnly: this.proc?.plan.keyframesOnly ?? false,
      framesIn: this.framesIn,
      framesOut: this.counters.framesOut,
      framesDropped: this.counters.framesDropped,
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
