/**
 * Test VideoFeeds: replays ffmpeg-made H.264 access units as a camera's RTSP session would hand
 * them over, in a loop with a continuing 90 kHz clock. Paced at the clip's frame rate (a camera's
 * own rhythm), or stepped by hand for deterministic tests. Counts sessions, so tests can check that
 * one camera stream is read once however many watch it.
 */
import type {
  AccessUnit,
  StreamInfo,
  StreamName,
  VideoFeed,
  VideoFeeds,
  VideoSubscriber,
} from '../../src/media/video/types.ts';

export class ReplayFeed implements VideoFeed {
  private subscribers = new Set<VideoSubscriber>();
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  private loopOffset = 0;
  /** RTSP sessions opened so far (one per time the feed went from idle to watched). */
  sessions = 0;
  /** Access units handed out so far. */
  emitted = 0;
  private started = false;

  constructor(
    readonly cameraId: string,
    readonly stream: StreamName,
    private readonly streamInfo: StreamInfo,
    private readonly aus: AccessUnit[],
    private readonly opts: { paced: boolean; fps?: number } = { paced: false }
  ) {}

  info(): StreamInfo | undefined {
    return this.started ? this.streamInfo : undefined;
  }

  get watchers(): number {
    return this.subscribers.size;
  }

  subscribe(s: VideoSubscriber): () => void {
    this.subscribers.add(s);
    if (!this.started) {
      this.started = true;
      this.sessions++;
      if (this.opts.paced && this.aus.length) {
        const fps = this.opts.fps ?? this.streamInfo.fps ?? 15;
        this.timer = setInterval(() => this.step(), 1000 / fps);
      }
    }
    // As after the SDP: the stream's parameters first.
    s.onInfo(this.streamInfo);
    return () => {
      this.subscribers.delete(s);
      if (this.subscribers.size === 0) {
        this.started = false;
        if (this.timer) {
          clearInterval(this.timer);
          this.timer = null;
        }
      }
    };
  }

  /** Hands out the next `n` pictures now (wrapping round the clip, the clock carrying on). */
  step(n = 1): AccessUnit[] {
    const out: AccessUnit[] = [];
    for (let i = 0; i < n && this.aus.length; i++) {
      if (this.next === this.aus.length) {
        const last = this.aus[this.aus.length - 1].time90k;
        const spacing = this.aus.length > 1 ? last - this.aus[this.aus.length - 2].time90k : 6000;
        this.loopOffset += last - this.aus[0].time90k + spacing;
        this.next = 0;
      }
      const src = this.aus[this.next++];
      const au: AccessUnit = { ...src, time90k: src.time90k + this.loopOffset, receivedAt: performance.now() };
      this.emitted++;
      out.push(au);
      for (const s of [...this.subscribers]) {
        s.onAccessUnit(au);
      }
    }
    return out;
  }

  /** As a camera that dropped the connection: subscribers hear why. */
  fail(err: Error): void {
    for (const s of [...this.subscribers]) {
      s.onError?.(err);
    }
  }
}

export class ReplayFeeds implements VideoFeeds {
  readonly feeds = new Map<string, ReplayFeed>();

  add(feed: ReplayFeed): ReplayFeed {
    this.feeds.set(`${feed.cameraId}/${feed.stream}`, feed);
    return feed;
  }

  feed(cameraId: string, stream: StreamName): VideoFeed | undefined {
    return this.feeds.get(`${cameraId}/${stream}`);
  }

  get(cameraId: string, stream: StreamName): ReplayFeed {
    const f = this.feeds.get(`${cameraId}/${stream}`);
    if (!f) {
      throw new Error(`no test feed ${cameraId}/${stream}`);
    }
    return f;
  }
}
