/** Small helpers for printing benchmark figures. */
import { readdirSync, readFileSync } from 'node:fs';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(samples: number[]): { p50: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function rssMiB(pid: number = process.pid): number {
  if (pid === process.pid) {
    return process.memoryUsage().rss / 2 ** 20;
  }
  // Linux: VmRSS of another process.
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN);
  return kb / 1024;
}

const CLK_TCK = 100; // Linux USER_HZ

/** utime+stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat), or null once it is gone. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/**
 * A process's user and kernel CPU seconds by thread: its main thread (the event loop, JS) apart from
 * the others (V8's GC and compiler helpers, libuv's pool; Node names them all `node`), by name.
 */
export function procThreadsCpu(pid: number): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name = tid === String(pid) ? 'main thread' : `other ${comm.replace(/\d+$/, 'N')} threads`;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const t = out.get(name) ?? { user: 0, sys: 0 };
      t.user += Number(f[11]) / CLK_TCK;
      t.sys += Number(f[12]) / CLK_TCK;
      out.set(name, t);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** What `procThreadsCpu` says between two readings, as percent of a core over `seconds`, busiest first. */
export function threadsCpuDelta(
  before: Map<string, { user: number; sys: number }>,
  after: Map<string, { user: number; sys: number }>,
  seconds: number
): string {
  const rows = [...after].map(([name, a]) => {
    const b = before.get(name) ?? { user: 0, sys: 0 };
    return { name, user: ((a.user - b.user) / seconds) * 100, sys: ((a.sys - b.sys) / seconds) * 100 };
  });
  return rows
    .filter((r) => r.user + r.sys > 0.05)
    .sort((x, y) => y.user + y.sys - (x.user + x.sys))
    .map((r) => `${r.name} ${fmt(r.user, 1)} user + ${fmt(r.sys, 1)} kernel`)
    .join(', ');
}

/** RSS and PSS (shared library pages split between the processes that map them), in bytes. */
export function procMem(pid: number): { rss: number; pss: number } {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}
