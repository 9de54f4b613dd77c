/** A counting semaphore with a FIFO queue: waiters are served in arrival order, so none starves. */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
    }
    this.free = limit;
  }

  get inUse(): number {
    return this.limit - this.free;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is free; release is idempotent. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        let done = false;
        resolve(() => {
          if (done) {
            return;
          }
          done = true;
          const next = this.waiters.shift();
          if (next) {
            next();
          } else {
            this.free++;
          }
        });
      };
      if (this.free > 0) {
        this.free--;
        grant();
      } else {
        this.waiters.push(grant);
      }
    });
  }
}
