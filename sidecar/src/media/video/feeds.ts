/**
 * Video feeds: ONE session per camera stream (RTSP here; the hub's port-8800 stream through the
 * same SessionFeeds base), fanned out to every subscriber (the JPEG pipeline, Live video channels). A feed connects on its first subscriber, reconnects with
 * exponential backoff while anyone watches (a refused account waits the longest), and ends its
 * session `idleMs` after the last subscriber left. Where a camera stream is read comes from the
 * resolver (the camera's own URL or a restream), asked afresh on every `feed()` and `refresh()`.
 * While a session plays, the feed keeps its current group of pictures: a subscriber who joins then
 * gets the stream's parameters and that group first (from its keyframe), then the live pictures.
 */
import { performance } from 'node:perf_hooks';
import { logger } from '../../log.ts';
import { MediaError } from '../types.ts';
import { RtspSession } from '../rtsp/session.ts';
import { KeptGroup } from './kept-group.ts';
import type { AccessUnit, StreamInfo, StreamName, VideoFeed, VideoFeeds, VideoSubscriber } from './types.ts';

export interface FeedSource {
  /** With credentials: never logged. */
  url: string;
  maskedUrl: string;
}

/** Where a camera stream is read; undefined (or a throw) when the camera has none. */
export type FeedResolver = (cameraId: string, stream: StreamName) => FeedSource | undefined;

export interface FeedsOptions {
  /** End the session this long after the last subscriber left (default 5 s). */
  idleMs?: number;
  /** First reconnect delay (default 1 s), doubling up to backoffMaxMs (default 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** RTSP connect/answer timeout and longest silence (default 10 s). */
  timeoutMs?: number;
  /**
   * A session began to deliver pictures (true), or one that did ended by itself (false): the camera
   * may have woken or gone to sleep. Not called when a session is closed on purpose (idle, removal).
   */
  onPlaying?: (cameraId: string, stream: StreamName, playing: boolean) => void;
}

type ResolvedOptions = Required<Omit<FeedsOptions, 'onPlaying'>> & Pick<FeedsOptions, 'onPlaying'>;

/** One running stream session (RtspSession, HubStreamSession): what a feed needs of it. */
export interface FeedSession {
  readonly stats: { bytesIn: number };
  /** Connects and plays; rejects with a MediaError (and then never calls onEnd). */
  start(): Promise<void>;
  close(): void;
}

export interface FeedSessionHooks {
  onInfo(info: StreamInfo): void;
  onAccessUnit(au: AccessUnit): void;
  /** The session ended by itself (never called after close()). */
  onEnd(err: MediaError): void;
}

/** Opens a session for a source (the protocol of a family of feeds). */
export type SessionOpener = (
  cameraId: string,
  stream: StreamName,
  source: FeedSource,
  timeoutMs: number,
  hooks: FeedSessionHooks
) => FeedSession;

/** What every family of feeds offers its owner (the pipeline, the app). */
export interface ManagedVideoFeeds extends VideoFeeds {
  refresh(cameraId: string): void;
  forget(cameraId: string): void;
  stats(): FeedStats[];
  close(): void;
}

export type FeedState = 'idle' | 'connecting' | 'playing' | 'backoff';

export interface FeedStats {
  cameraId: string;
  stream: StreamName;
  state: FeedState;
  subscribers: number;
  sessions: number;
  accessUnits: number;
  bytesIn: number;
  lastError: string | null;
}

const log = logger.child({ module: 'video-feed' });

/** The kept group's memory to begin with (it grows to fit), and the largest group kept. */
const GROUP_START_BYTES = 64 * 1024;
const GROUP_MAX_BYTES = 2 * 1024 * 1024;

class SessionFeed implements VideoFeed {
  private readonly subs = new Set<VideoSubscriber>();
  /** Subscribers whose catch-up (parameters, kept group) is still to come: live pictures wait. */
  private readonly joining = new Set<VideoSubscriber>();
  private readonly group = new KeptGroup(GROUP_START_BYTES, GROUP_MAX_BYTES);
  private session: FeedSession | null = null;
  private current: StreamInfo | undefined;
  private state: FeedState = 'idle';
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private sessions = 0;
  private accessUnits = 0;
  private bytesBefore = 0;
  private lastError: MediaError | null = null;
  private closed = false;

  constructor(
    readonly cameraId: string,
    readonly stream: StreamName,
    public source: FeedSource,
    private readonly opts: ResolvedOptions,
    private readonly open: SessionOpener
  ) {
    this.backoffMs = opts.backoffInitialMs;
  }

  info(): StreamInfo | undefined {
    return this.current;
  }

  subscribe(s: VideoSubscriber): () => void {
    if (this.closed) {
      queueMicrotask(() =>
        s.onError?.(new MediaError('closed', `camera ${this.cameraId}: the video feed is closed`, this.cameraId))
      );
      return () => undefined;
    }
    this.subs.add(s);
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (this.current) {
      // After subscribe() returns, so the subscriber holds its unsubscribe function meanwhile.
      this.joining.add(s);
      queueMicrotask(() => this.join(s));
    }
    if (this.state === 'idle') {
      this.connect();
    }
    let done = false;
    return () => {
      if (done) {
        return;
      }
      done = true;
      this.subs.delete(s);
      this.joining.delete(s);
      if (this.subs.size === 0) {
        this.whenIdle();
      }
    };
  }

  /** Catches a new subscriber up: the stream's parameters, then the kept group, keyframe first. */
  private join(s: VideoSubscriber): void {
    const info = this.current;
    if (!this.joining.delete(s) || !this.subs.has(s) || !info) {
      return;
    }
    this.call(s, () => s.onInfo(info));
    for (const au of this.group.pictures()) {
      if (!this.subs.has(s)) {
        return;
      }
      this.call(s, () => s.onAccessUnit(au));
    }
  }

  /** A new address or account: the running session (if any) is replaced at once. */
  setSource(source: FeedSource): void {
    if (source.url === this.source.url && source.maskedUrl === this.source.maskedUrl) {
      return;
    }
    this.source = source;
    this.current = undefined;
    this.group.clear();
    this.lastError = null;
    this.backoffMs = this.opts.backoffInitialMs;
    if (this.state !== 'idle') {
      this.stopSession();
      if (this.subs.size > 0) {
        this.connect();
      }
    }
  }

  stats(): FeedStats {
    return {
      cameraId: this.cameraId,
      stream: this.stream,
      state: this.state,
      subscribers: this.subs.size,
      sessions: this.sessions,
      accessUnits: this.accessUnits,
      bytesIn: this.bytesBefore + (this.session?.stats.bytesIn ?? 0),
      lastError: this.lastError?.message ?? null,
    };
  }

  close(): void {
    this.closed = true;
    const err = new MediaError('closed', `camera ${this.cameraId}: the video feed is closed`, this.cameraId);
    const subs = [...this.subs];
    this.subs.clear();
    this.stopSession();
    for (const s of subs) {
      this.call(s, () => s.onError?.(err));
    }
  }

  private whenIdle(): void {
    if (this.state === 'backoff' || this.state === 'idle') {
      this.stopSession(); // nobody waits for a retry
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.subs.size === 0) {
        this.stopSession();
      }
    }, this.opts.idleMs);
  }

  private stopSession(): void {
    for (const t of ['retryTimer', 'idleTimer'] as const) {
      if (this[t]) {
        clearTimeout(this[t]);
        this[t] = null;
      }
    }
    if (this.session) {
      this.bytesBefore += this.session.stats.bytesIn;
      this.session.close();
      this.session = null;
    }
    this.group.clear();
    this.state = 'idle';
  }

  private connect(): void {
    this.state = 'connecting';
    this.sessions++;
    let playing = false;
    const session: FeedSession = this.open(this.cameraId, this.stream, this.source, this.opts.timeoutMs, {
      onInfo: (info) => {
        if (this.session !== session) {
          return;
        }
        this.current = info;
        this.group.clear(); // pictures under older parameters are no use to a newcomer
        for (const s of this.subs) {
          if (!this.joining.has(s)) {
            this.call(s, () => s.onInfo(info));
          }
        }
      },
      onAccessUnit: (au: AccessUnit) => {
        if (this.session !== session) {
          return;
        }
        if (!playing) {
          playing = true;
          this.lastError = null;
          this.backoffMs = this.opts.backoffInitialMs;
          this.tellPlaying(true);
        }
        this.accessUnits++;
        this.group.add(au);
        for (const s of this.subs) {
          if (this.joining.size === 0 || !this.joining.has(s)) {
            this.deliver(s, au);
          }
        }
      },
      onEnd: (err) => {
        if (this.session === session && playing) {
          this.tellPlaying(false);
        }
        this.failed(session, err);
      },
    });
    this.session = session;
    session.start().then(
      () => {
        if (this.session === session) {
          this.state = 'playing';
          log.debug({ camera: this.cameraId, stream: this.stream, url: this.source.maskedUrl }, 'video feed playing');
        }
      },
      (err: MediaError) => this.failed(session, err)
    );
  }

  private failed(session: FeedSession, err: MediaError): void {
    if (this.session !== session) {
      return;
    }
    this.bytesBefore += session.stats.bytesIn;
    this.session = null;
    this.group.clear();
    const repeat = this.lastError?.kind === err.kind;
    this.lastError = err;
    log[repeat ? 'debug' : 'warn'](
      { camera: this.cameraId, stream: this.stream, kind: err.kind, err: err.message },
      'video feed failed'
    );
    for (const s of [...this.subs]) {
      this.call(s, () => s.onError?.(err));
    }
    if (this.subs.size === 0 || this.closed) {
      this.state = 'idle';
      return;
    }
    this.state = 'backoff';
    // A refused account is not retried quickly: cameras lock out accounts that keep failing.
    const delay = err.kind === 'auth_failed' ? this.opts.backoffMaxMs : this.backoffMs;
    this.backoffMs = Math.min(this.opts.backoffMaxMs, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.subs.size > 0 && !this.closed) {
        this.connect();
      } else {
        this.state = 'idle';
      }
    }, delay);
  }

  private tellPlaying(playing: boolean): void {
    try {
      this.opts.onPlaying?.(this.cameraId, this.stream, playing);
    } catch (err) {
      log.warn({ camera: this.cameraId, err: (err as Error).message }, 'video feed listener threw');
    }
  }

  /** One picture to one subscriber (as call() does, without a closure: this runs for every picture). */
  private deliver(s: VideoSubscriber, au: AccessUnit): void {
    try {
      s.onAccessUnit(au);
    } catch (err) {
      log.warn({ camera: this.cameraId, err: (err as Error).message }, 'video subscriber threw');
    }
  }

  private call(s: VideoSubscriber, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.warn({ camera: this.cameraId, err: (err as Error).message }, 'video subscriber threw');
    }
  }
}

/** Feeds of one protocol: sources whose URL matches `scheme`, sessions made by `open`. */
export class SessionFeeds implements ManagedVideoFeeds {
  private readonly feeds = new Map<string, SessionFeed>();
  private readonly opts: ResolvedOptions;
  readonly createdAt = performance.now();

  constructor(
    private readonly resolve: FeedResolver,
    private readonly scheme: RegExp,
    private readonly open: SessionOpener,
    opts: FeedsOptions = {}
  ) {
    this.opts = {
      idleMs: opts.idleMs ?? 5000,
      backoffInitialMs: opts.backoffInitialMs ?? 1000,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      timeoutMs: opts.timeoutMs ?? 10_000,
      ...(opts.onPlaying ? { onPlaying: opts.onPlaying } : {}),
    };
  }

  private source(cameraId: string, stream: StreamName): FeedSource | undefined {
    try {
      const s = this.resolve(cameraId, stream);
      return s && this.scheme.test(s.url) ? s : undefined;
    } catch {
      return undefined;
    }
  }

  feed(cameraId: string, stream: StreamName): VideoFeed | undefined {
    const source = this.source(cameraId, stream);
    const key = `${cameraId}\u0000${stream}`;
    let f = this.feeds.get(key);
    if (!source) {
      return undefined;
    }
    if (!f) {
      f = new SessionFeed(cameraId, stream, source, this.opts, this.open);
      this.feeds.set(key, f);
    } else {
      f.setSource(source);
    }
    return f;
  }

  /** The camera's configuration changed: feeds follow a new source; a camera without one is closed. */
  refresh(cameraId: string): void {
    for (const [key, f] of this.feeds) {
      if (f.cameraId !== cameraId) {
        continue;
      }
      const source = this.source(cameraId, f.stream);
      if (source) {
        f.setSource(source);
      } else {
        this.feeds.delete(key);
        f.close();
      }
    }
  }

  /** The camera is gone: its feeds end and their subscribers are told. */
  forget(cameraId: string): void {
    for (const [key, f] of this.feeds) {
      if (f.cameraId === cameraId) {
        this.feeds.delete(key);
        f.close();
      }
    }
  }

  stats(): FeedStats[] {
    return [...this.feeds.values()].map((f) => f.stats());
  }

  close(): void {
    for (const f of this.feeds.values()) {
      f.close();
    }
    this.feeds.clear();
  }
}

/** RTSP feeds: rtsp:// and rtsps:// sources, one RtspSession each. */
export class RtspVideoFeeds extends SessionFeeds {
  constructor(resolve: FeedResolver, opts: FeedsOptions = {}) {
    super(
      resolve,
      /^rtsps?:\/\//i,
      (cameraId, _stream, source, timeoutMs, hooks) =>
        new RtspSession({ cameraId, url: source.url, maskedUrl: source.maskedUrl, timeoutMs, ...hooks }),
      opts
    );
  }
}
