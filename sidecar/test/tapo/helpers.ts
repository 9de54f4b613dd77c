/** Shared test helpers: simulated cameras and clients that are always cleaned up. */
import { after } from 'node:test';
import { SimulatedCamera, type SimulatedCameraOptions } from '../../src/simulator/camera.ts';
import { TapoClient } from '../../src/tapo/client.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import type { TapoClientOptions } from '../../src/tapo/types.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.allSettled(cleanups.reverse().map((f) => f()));
});

export async function startCam(opts: SimulatedCameraOptions = {}): Promise<SimulatedCamera> {
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', ...opts });
  cleanups.push(() => cam.close());
  return cam;
}

export function clientFor(cam: SimulatedCamera, extra: Partial<TapoClientOptions> = {}): TapoClient {
  const c = new TapoClient({ host: cam.host, port: cam.port, password: cam.cloudPassword, timeoutMs: 3000, ...extra });
  cleanups.push(() => c.close());
  return c;
}

/** Await a rejection and return it as a TapoError (fails the test for anything else). */
export async function tapoError(p: Promise<unknown>): Promise<TapoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TapoError) {
      return e;
    }
    throw new Error(`expected a TapoError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Resolve when `emitter` emits `event` (with an optional predicate), or reject after a deadline. */
export function waitFor<T = unknown>(
  emitter: NodeJS.EventEmitter,
  event: string,
  pred: (v: T) => boolean = () => true,
  deadlineMs = 10_000
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' event within ${deadlineMs} ms`));
    }, deadlineMs);
    const on = (v: T) => {
      if (!pred(v)) {
        return;
      }
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(v);
    };
    emitter.on(event, on);
  });
}

/** Wait until a wall-clock instant has passed (for behaviour that is defined by a deadline). */
export function untilTime(epochMs: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, epochMs - Date.now() + 5)));
}
