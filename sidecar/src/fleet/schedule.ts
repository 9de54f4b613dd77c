/**
 * When a camera polls next: anchored to its due time with jitter while it answers, exponential
 * backoff (capped) while it does not, and no earlier than a lockout allows; and the deadline that
 * bounds one poll.
 */
import type { PollResult } from '../model.ts';

export interface ScheduleOptions {
  /** Jitter of each interval, as a fraction (default 0.1 = ±10 %). */
  jitter?: number;
  /** Longest wait between attempts at an unreachable camera (default 5 min, never below its interval). */
  maxBackoffMs?: number;
}

/**
 * The next due time after a poll that was due at `due` and ended with `r`. Counts consecutive
 * failures in `state.failures` (reset by an answer).
 */
export function nextDue(
  state: { failures: number },
  interval: number,
  due: number,
  r: PollResult,
  opts: ScheduleOptions
): number {
  const j = opts.jitter ?? 0.1;
  const now = Date.now();
  if (r.status === 'online' || r.status === 'error' || r.status === 'sleeping') {
    state.failures = 0;
    // Anchored to the due time (no drift), never in the past.
    return Math.max(now, due + interval * (1 + (Math.random() * 2 - 1) * j));
  }
  state.failures++;
  const cap = Math.max(interval, opts.maxBackoffMs ?? 300_000);
  let wait = Math.min(cap, interval * 2 ** (state.failures - 1));
  if (r.status === 'locked_out') {
    // Ask again only once the camera accepts logins (the client refuses earlier anyway).
    const m = /(\d+) s/.exec(r.error ?? '');
    if (m) {
      wait = Math.max(wait, Number(m[1]) * 1000);
    }
  }
  if (r.reason === 'logins_paused' && r.until !== undefined) {
    // The client sends nothing before then anyway.
    wait = Math.max(wait, r.until - now);
  }
  return now + wait * (1 + Math.random() * j);
}

/** The longest one poll may take: login (two requests) plus the poll, each bounded by the client's own timeout. */
export function pollDeadlineMs(requestTimeoutMs: number): number {
  return requestTimeoutMs * 3 + 1000;
}

export class DeadlineExceeded extends Error {}

/** `p`, or a DeadlineExceeded rejection after `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The fewest polls in flight the fleet allows by default, however small it is. */
export const MIN_CONCURRENCY = 32;
/** The most, by default: each poll in flight holds a socket (and a login may hold two). */
export const MAX_CONCURRENCY = 2048;
/** How long a poll may take on average before polls queue behind the default limit. */
const POLL_BUDGET_S = 2;

/**
 * The default limit on polls in flight for cameras polled at these intervals: enough that the polls
 * due each second fit in when each takes up to POLL_BUDGET_S (a camera's login and answer take up
 * to a second or so on Wi-Fi). A fixed 32 let 10,000 cameras at 30 s (333 polls a second) queue
 * behind each other, late and later, as soon as a poll took more than 96 ms.
 */
export function defaultConcurrency(intervalsMs: Iterable<number>): number {
  let perSecond = 0;
  for (const ms of intervalsMs) {
    if (ms > 0) {
      perSecond += 1000 / ms;
    }
  }
  return Math.min(MAX_CONCURRENCY, Math.max(MIN_CONCURRENCY, Math.ceil(perSecond * POLL_BUDGET_S)));
}
