/**
 * Group commits of polls: a commit appends every page it touched to the journal, so one commit per
 * poll cost the disk ~65 KiB for a few hundred bytes of history. Polls wait here and are committed
 * together when a camera's next poll arrives (so at most one poll per camera waits: a crash loses
 * at most each camera's last poll), when a read needs them, after `maxDelayMs`, or once `maxWaiting`
 * polls wait: a commit of a whole interval of 10,000 cameras held the event loop for half a second,
 * while commits of a thousand cost the disk no more per poll (each camera's pages are written once
 * an interval either way).
 *
 * A commit that fails keeps its polls waiting for the next try (disk full: nothing accepted is
 * dropped while memory holds one poll per camera); the write that asked for it is refused.
 */
import type { PollResult } from '../model.ts';

export class PollBuffer {
  private pending: PollResult[] = [];
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly commit: (polls: PollResult[]) => void,
    /** How long a poll may wait for its commit; 0 commits every write at once. */
    private readonly maxDelayMs: number,
    /** A commit the timer (or the size bound) started failed (the polls still wait). */
    private readonly onTimedFailure: (err: unknown, waiting: number) => void,
    /** Commits once this many polls wait. */
    private readonly maxWaiting = 1_000
  ) {}

  /** Polls waiting for their commit. */
  get size(): number {
    return this.pending.length;
  }

  /** Accepts polls; throws (accepting none of them) when the commit they needed failed. */
  add(polls: PollResult[]): void {
    const ids = new Set(polls.map((p) => p.cameraId));
    if (this.maxDelayMs <= 0 || ids.size < polls.length) {
      // Write-through, or several polls of one camera: what waits goes first, then these at once.
      this.flush();
      this.commit(polls);
      return;
    }
    if (polls.some((p) => this.waiting.has(p.cameraId))) {
      this.flush();
    }
    const before = this.pending.length;
    for (const p of polls) {
      this.pending.push(p);
      this.waiting.add(p.cameraId);
    }
    if (before < this.maxWaiting && this.pending.length >= this.maxWaiting) {
      // These polls are accepted already: a failed commit keeps them waiting, as the timer's does
      // (and is tried again by the timer, not by every poll after it: one warning, not thousands).
      try {
        this.flush();
      } catch (err) {
        this.onTimedFailure(err, this.pending.length);
      }
    }
    if (!this.timer && this.pending.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        try {
          this.flush();
        } catch (err) {
          this.onTimedFailure(err, this.pending.length);
        }
      }, this.maxDelayMs);
      this.timer.unref();
    }
  }

  /** Commits what waits; on failure it keeps waiting and the error is thrown. */
  flush(): void {
    if (this.pending.length === 0) {
      return;
    }
    this.commit(this.pending);
    this.pending = [];
    this.waiting.clear();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Stops the timer (the store is closing: it flushes first). */
  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
