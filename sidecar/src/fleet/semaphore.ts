/** A counting semaphore with a FIFO queue: waiters are served in arrival order, so none starves. */
export class Semaphore {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private max: number) {
    Semaphore.check(max);
  }

  private static check(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
    }
  }

  get limit(): number {
    return this.max;
  }

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * A new limit: a higher one grants waiters at once; a lower one takes effect as slots are
   * released (nothing in flight is cut short).
   */
  resize(limit: number): void {
    Semaphore.check(limit);
    this.max = limit;
    this.drain();
  }

  /** Resolves with a release function once a slot is free; release is idempotent. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiters.push(() => {
        let done = false;
        resolve(() => {
          if (done) {
            return;
          }
          done = true;
          this.used--;
          this.drain();
        });
      });
      this.drain();
    });
  }

  private drain(): void {
    while (this.used < this.max && this.waiters.length > 0) {
      this.used++;
      this.waiters.shift()!();
    }
  }
}
