/**
 * One request at a time per camera: cameras refuse parallel requests (401) and the secure
 * sequence number must stay serial. A failed task never blocks the ones behind it.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get size(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.tail.then(task, task);
    this.tail = next.then(
      () => undefined,
      () => undefined
    );
    return next.finally(() => {
      this.pending--;
    });
  }
}
