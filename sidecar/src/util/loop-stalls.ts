/**
 * Event-loop stall watch: a timer that expects to run every `everyMs` notices when it ran late and
 * logs how late, and how much CPU the process used meanwhile. Late with the CPU busy means our
 * own synchronous work blocked the loop (every Live packet waits behind it); late with the CPU idle
 * means the machine did not give us a core (load), which no code change here fixes.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface StallWatchOptions {
  /** How often the timer runs (default 100 ms). */
  everyMs?: number;
  /** A delay beyond this is logged (default 200 ms). */
  thresholdMs?: number;
  /** Called with each stall as well (tests, metrics). */
  onStall?: (stall: Stall) => void;
}

export interface Stall {
  /** How much later than expected the timer ran. */
  lateMs: number;
  /** CPU time (user + system) the process used between the two runs. */
  cpuMs: number;
  /** Blocked by our own work (the CPU was busy for most of it), rather than waiting for a core. */
  blocked: boolean;
}

/** Starts watching; returns the function that stops it. */
export function watchStalls(log: Logger, opts: StallWatchOptions = {}): () => void {
  const every = opts.everyMs ?? 100;
  const threshold = opts.thresholdMs ?? 200;
  let last = performance.now();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - every;
    const used = process.cpuUsage(cpu);
    last = now;
    cpu = process.cpuUsage();
    if (late < threshold) {
      return;
    }
    const cpuMs = (used.user + used.system) / 1000;
    // The process has more threads than the loop (GC helpers, libuv): busy means most of the gap.
    const stall: Stall = { lateMs: Math.round(late), cpuMs: Math.round(cpuMs), blocked: cpuMs >= 0.5 * (late + every) };
    log.warn(
      stall,
      stall.blocked ? 'the event loop was blocked (our own work)' : 'the event loop waited for the CPU (machine load)'
    );
    opts.onStall?.(stall);
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
