/**
 * Plays fragmented MP4 into a video element with Media Source Extensions: init segment first, fragments appended
 * in order, old ones trimmed, stalls reported.
 */
import { base64ToBytes, type VideoRow } from './packets';
import { mimeOf } from './mode';

/** Seconds of video kept behind the playhead; older is removed so memory stays flat. */
const KEEP_BEHIND_S = 4;
/** Further than this behind the newest picture, playback jumps to the live edge. */
const MAX_LAG_S = 1;
/** Between this and MAX_LAG_S behind, playback speeds up a little to catch up without a jump. */
const CATCH_UP_LAG_S = 0.25;
/** Appends waiting for the SourceBuffer beyond this mean we cannot keep up: drop to the next keyframe. */
const MAX_QUEUE = 30;

export interface PlayerStats {
  appended: number;
  /** Fragments skipped while waiting for a keyframe (after a gap, or before the first one). */
  skipped: number;
  /** Times the player jumped to the live edge. */
  jumps: number;
}

/**
 * Plays a video channel's rows in a <video> element through Media Source Extensions: the init
 * segment opens a SourceBuffer ('segments' mode: times come from the fragments), fragments are
 * appended in order; after a sequence gap it waits for the next keyframe; the buffer is kept short
 * and playback stays on the live edge.
 */
export class MsePlayer {
  readonly stats: PlayerStats = { appended: 0, skipped: 0, jumps: 0 };
  private mediaSource: MediaSource | null = null;
  private url: string | null = null;
  private buffer: SourceBuffer | null = null;
  private queue: Array<Uint8Array<ArrayBuffer>> = [];
  private initKey: string | null = null;
  private nextSeq: number | null = null;
  private waitingForKey = true;
  private disposed = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onError: (message: string) => void = () => undefined
  ) {}

  push(row: VideoRow): void {
    if (this.disposed) {
      return;
    }
    if (row.kind === 'init') {
      const key = `${row.codec}|${row.width}x${row.height}|${row.data.length}|${row.data.slice(-64)}`;
      if (key !== this.initKey) {
        this.open(row, key);
      }
      return;
    }
    if (row.kind !== 'fragment' || this.initKey === null) {
      return;
    }
    if (this.nextSeq !== null && row.seq !== this.nextSeq) {
      this.waitingForKey = true; // pictures were dropped: the next ones cannot be decoded
    }
    this.nextSeq = row.seq + 1;
    if (this.waitingForKey && !row.keyframe) {
      this.stats.skipped++;
      return;
    }
    this.waitingForKey = false;
    if (this.queue.length >= MAX_QUEUE) {
      this.queue = [];
      this.waitingForKey = true;
      this.stats.skipped++;
      return;
    }
    this.queue.push(base64ToBytes(row.data));
    this.pump();
  }

  dispose(): void {
    this.disposed = true;
    this.close();
  }

  private open(row: VideoRow, key: string): void {
    this.close();
    this.initKey = key;
    this.waitingForKey = true;
    this.nextSeq = null;
    const ms = new MediaSource();
    this.mediaSource = ms;
    this.url = URL.createObjectURL(ms);
    const init = base64ToBytes(row.data);
    ms.addEventListener(
      'sourceopen',
      () => {
        if (this.mediaSource !== ms) {
          return;
        }
        try {
          const sb = ms.addSourceBuffer(mimeOf(row.codec));
          sb.mode = 'segments';
          sb.addEventListener('updateend', () => this.afterUpdate());
          sb.addEventListener('error', () => this.onError('the browser could not decode the video'));
          this.buffer = sb;
          this.queue.unshift(init);
          this.pump();
        } catch (err) {
          this.onError(err instanceof Error ? err.message : String(err));
        }
      },
      { once: true }
    );
    this.video.src = this.url;
  }

  private close(): void {
    this.buffer = null;
    this.queue = [];
    if (this.mediaSource?.readyState === 'open') {
      try {
        this.mediaSource.endOfStream();
      } catch {
        // already ending
      }
    }
    this.mediaSource = null;
    if (this.url) {
      URL.revokeObjectURL(this.url);
      this.url = null;
      this.video.removeAttribute('src');
    }
    this.initKey = null;
  }

  private pump(): void {
    const sb = this.buffer;
    if (!sb || sb.updating || this.queue.length === 0) {
      return;
    }
    const next = this.queue.shift()!;
    try {
      sb.appendBuffer(next);
      this.stats.appended++;
    } catch (err) {
      // QuotaExceededError or a closed source: start again at the next keyframe.
      this.queue = [];
      this.waitingForKey = true;
      if ((err as Error)?.name !== 'QuotaExceededError') {
        this.onError((err as Error)?.message ?? 'video append failed');
      }
    }
  }

  private afterUpdate(): void {
    const sb = this.buffer;
    if (!sb) {
      return;
    }
    const ranges = this.video.buffered;
    if (ranges.length > 0) {
      const start = ranges.start(ranges.length - 1);
      const end = ranges.end(ranges.length - 1);
      const now = this.video.currentTime;
      const lag = end - now;
      if (now < start || lag > MAX_LAG_S) {
        // Joined mid-stream, or fell behind (a hidden tab, a stall): play the newest picture.
        this.video.currentTime = Math.max(start, end - 0.05);
        this.stats.jumps++;
      } else {
        this.video.playbackRate = lag > CATCH_UP_LAG_S ? 1.1 : 1;
      }
      if (this.video.paused) {
        void this.video.play()?.catch(() => undefined);
      }
      const oldest = ranges.start(0);
      if (!sb.updating && this.video.currentTime - oldest > KEEP_BEHIND_S * 2) {
        sb.remove(oldest, this.video.currentTime - KEEP_BEHIND_S);
        return; // its updateend pumps on
      }
    }
    this.pump();
  }
}
