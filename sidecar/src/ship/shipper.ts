/**
 * The event shipper: reads events and status changes written after its cursor in the store, pushes
 * them in batches, and moves the cursor only once the endpoint has taken a batch (at-least-once;
 * each line's id makes a resent one detectable). Failures wait with exponential backoff and jitter
 * (or the endpoint's Retry-After, bounded); a backlog drains at a bounded number of lines a second.
 *
 * It runs beside polling, never in its way: each step reads one bounded batch and the push is
 * asynchronous, so the event loop is held only for a few milliseconds at a time.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ShipCursor, Store } from '../store/types.ts';
import { encodeLokiPush } from './loki-push.ts';
import type { Push, PushResult } from './push-http.ts';

export interface ShipperClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** [0, 1), for the backoff's jitter. */
  random(): number;
}

export interface ShipperOptions {
  site: string;
  /** The cursor's name in the store (one per endpoint, should there ever be two). */
  name?: string;
  /** Lines per batch. */
  batchLines?: number;
  maxLinesPerSecond: number;
  /** How often the store is read once caught up. */
  idleMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ShipperDeps {
  store: Pick<Store, 'shipCursor' | 'saveShipCursor' | 'shipLogAfter'>;
  push: Push;
  log: Logger;
  clock?: ShipperClock;
}

/** What one step did, and how long the loop waits before the next. */
export interface StepResult {
  outcome: 'idle' | 'shipped' | 'retry' | 'split' | 'dropped' | 'error';
  lines: number;
  waitMs: number;
}

export interface ShipperStats {
  shipped: number;
  /** Lines the endpoint refused for good, one by one (logged with their ids). */
  dropped: number;
  failures: number;
  cursor: ShipCursor | null;
}

/** Lines per batch: small enough that reading and encoding one holds the event loop about a millisecond. */
export const DEFAULT_BATCH_LINES = 250;
const DEFAULT_IDLE_MS = 2_000;
const DEFAULT_MIN_BACKOFF_MS = 1_000;
const DEFAULT_MAX_BACKOFF_MS = 60_000;

export const realClock: ShipperClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) {
        return resolve();
      }
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
  random: Math.random,
};

export class EventShipper extends EventEmitter<{ step: [StepResult] }> {
  private readonly name: string;
  private readonly maxBatch: number;
  private batchLines: number;
  private readonly idleMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly clock: ShipperClock;
  private cursor: ShipCursor | null = null;
  /** Consecutive failed pushes. */
  private failures = 0;
  private readonly stats: Omit<ShipperStats, 'cursor' | 'failures'> = { shipped: 0, dropped: 0 };
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly opts: ShipperOptions,
    private readonly deps: ShipperDeps
  ) {
    super();
    this.name = opts.name ?? 'loki';
    this.maxBatch = this.batchLines = opts.batchLines ?? DEFAULT_BATCH_LINES;
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.minBackoffMs = opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    this.maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.clock = deps.clock ?? realClock;
  }

  status(): ShipperStats {
    return { ...this.stats, failures: this.failures, cursor: this.cursor && { ...this.cursor } };
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops the loop (an unfinished push is abandoned; its lines go again next time). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let r: StepResult;
      try {
        r = await this.step();
      } catch (err) {
        if (signal.aborted) {
          break;
        }
        // The store closing under us, or a bug: say so and try again later, never crash the sidecar.
        this.deps.log.error({ err: (err as Error).message }, 'event shipping step failed');
        r = { outcome: 'error', lines: 0, waitMs: this.backoff(++this.failures, null) };
      }
      this.emit('step', r);
      await this.clock.sleep(r.waitMs, signal);
    }
  }

  /** One read-and-push. Public for tests, which drive it with a fake endpoint and clock. */
  async step(): Promise<StepResult> {
    const { store, log } = this.deps;
    this.cursor ??= await store.shipCursor(this.name);
    const read = await store.shipLogAfter(this.cursor, this.batchLines);
    // At most batchLines in all (the store's limit is per table), events first: so a halved batch
    // can come down to the single line an endpoint refuses.
    const events = read.events.slice(0, this.batchLines);
    const batch = { ...read, events, statusChanges: read.statusChanges.slice(0, this.batchLines - events.length) };
    const encoded = encodeLokiPush(this.opts.site, batch);
    if (encoded.lines === 0) {
      this.batchLines = this.maxBatch;
      return { outcome: 'idle', lines: 0, waitMs: this.idleMs };
    }
    const next: ShipCursor = {
      events: batch.events.at(-1)?.seq ?? batch.after.events,
      statusChanges: batch.statusChanges.at(-1)?.seq ?? batch.after.statusChanges,
    };
    const started = this.clock.now();
    const result: PushResult = await this.deps.push(encoded.body, this.abort.signal);
    if (this.abort.signal.aborted && !result.ok) {
      // Stopping: the unfinished push is no failure to report; its lines go again next time.
      return { outcome: 'retry', lines: encoded.lines, waitMs: 0 };
    }
    if (result.ok) {
      await this.advance(next);
      if (this.failures > 0) {
        log.info({ failures: this.failures }, 'event shipping delivers again');
      }
      this.failures = 0;
      this.stats.shipped += encoded.lines;
      // The rate bound: a full batch of n lines takes at least n / rate seconds.
      const minMs = (encoded.lines * 1000) / this.opts.maxLinesPerSecond;
      return { outcome: 'shipped', lines: encoded.lines, waitMs: Math.max(0, minMs - (this.clock.now() - started)) };
    }
    if (result.retry) {
      this.failures++;
      const waitMs = this.backoff(this.failures, result.retryAfterMs);
      // One line at the first failure and then at doubling counts: an outage of hours stays a few lines.
      if ((this.failures & (this.failures - 1)) === 0) {
        log.warn(
          { status: result.status, failures: this.failures, retryInMs: Math.round(waitMs), batch: encoded.lines },
          `event shipping failed, will retry: ${result.reason}`
        );
      }
      return { outcome: 'retry', lines: encoded.lines, waitMs };
    }
    if (encoded.lines > 1) {
      // Refused for good: halve the batch until the line the endpoint refuses stands alone.
      this.batchLines = Math.max(1, Math.floor(Math.min(this.batchLines, encoded.lines) / 2));
      log.warn({ status: result.status, lines: encoded.lines }, `event shipping refused a batch: ${result.reason}`);
      return { outcome: 'split', lines: encoded.lines, waitMs: 0 };
    }
    log.error(
      { status: result.status, id: encoded.ids[0] },
      `event shipping dropped a line the endpoint refuses: ${result.reason}`
    );
    await this.advance(next);
    this.stats.dropped++;
    return { outcome: 'dropped', lines: 1, waitMs: 0 };
  }

  private async advance(next: ShipCursor): Promise<void> {
    await this.deps.store.saveShipCursor(this.name, next);
    this.cursor = next;
  }

  /** Exponential from minBackoffMs, capped at maxBackoffMs, with jitter; a Retry-After wins up to the cap. */
  private backoff(failures: number, retryAfterMs: number | null): number {
    const exp = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(failures - 1, 30));
    const jittered = exp * (0.5 + 0.5 * this.clock.random());
    return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, this.maxBackoffMs));
  }
}
