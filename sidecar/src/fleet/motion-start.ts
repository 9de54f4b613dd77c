/**
 * Starting a camera's motion subscription (see motion.ts): its events go to the recorder while
 * the camera's runtime is still the current one, and its state decides whether last-alarm polling
 * or the subscription delivers events. A factory that throws leaves the camera on last-alarm polling.
 */
import type { Logger } from '../log.ts';
import type { MotionEvent } from '../model.ts';
import type { MotionSourceFactory } from './motion.ts';
import type { Runtime } from './runtime.ts';

export function startMotion(
  rt: Runtime,
  factory: MotionSourceFactory | null,
  opts: {
    /** Whether `rt` is still the fleet's runtime of its camera (not replaced or removed). */
    isCurrent: (rt: Runtime) => boolean;
    record: (rt: Runtime, e: MotionEvent) => Promise<void>;
    log: Logger;
  }
): void {
  if (!factory || rt.motion) {
    return;
  }
  const gen = rt.gen;
  try {
    rt.motion = factory(rt.cfg, {
      event: (e) => {
        if (rt.gen !== gen || !opts.isCurrent(rt)) {
          return;
        }
        void opts.record(rt, {
          cameraId: rt.cfg.id,
          start: e.start,
          end: e.end,
          kind: e.kind,
          source: rt.motion?.source ?? 'onvif',
        });
      },
      state: (active, reason) => {
        if (rt.gen !== gen) {
          return;
        }
        if (active !== rt.motionActive) {
          opts.log.info(
            { camera: rt.cfg.id, active, reason },
            active ? 'motion events by subscription' : 'motion events by last-alarm polling'
          );
        }
        rt.motionActive = active;
      },
    });
  } catch (err) {
    opts.log.warn(
      { camera: rt.cfg.id, err: (err as Error).message },
      'motion subscription could not start; using last-alarm polling'
    );
    rt.motion = null;
  }
}
