/** Test helpers for the media and ONVIF tests: waiting on events and conditions with deadlines. */
import type { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';

/** Resolves with the first matching event's payload, rejects after `ms`. */
export function nextEvent<T = any>(
  em: EventEmitter,
  name: string,
  ms: number,
  match: (v: T) => boolean = () => true
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      em.off(name, on);
      reject(new Error(`no '${name}' event within ${ms} ms`));
    }, ms);
    function on(v: T) {
      if (!match(v)) {
        return;
      }
      clearTimeout(timer);
      em.off(name, on);
      resolve(v);
    }
    em.on(name, on);
  });
}

/** Bounded polling of a condition owned by an external process (ffmpeg), with a deadline. */
export async function until(cond: () => boolean, ms: number, what: string, stepMs = 25): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A promise with a deadline. */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/** Runs ffmpeg as an RTSP client (asynchronously: the server under test lives in this process). */
export function ffmpegClient(
  args: string[],
  timeoutMs = 20_000
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

/** Is the process alive? (signal 0 probes without killing.) */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
