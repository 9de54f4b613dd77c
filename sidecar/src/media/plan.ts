/**
 * Planning a camera's ffmpeg: which output widths at which rates serve its subscribers, whether
 * the running process covers a new plan or wastes work, whether it can be retimed to it instead,
 * and whether keyframes alone are enough (pictures at or below the keyframe rate need no other
 * frame decoded).
 */
import { LIVE_DEFAULT_FPS, LIVE_DEFAULT_WIDTH, LIVE_MAX_FPS, LIVE_MAX_WIDTH } from '../../../src/shared/query.ts';
import type { OutputPlan } from './ffmpeg.ts';

export function clampFps(fps: number | undefined): number {
  const v = typeof fps === 'number' && Number.isFinite(fps) && fps > 0 ? fps : LIVE_DEFAULT_FPS;
  return Math.min(Math.max(v, 0.1), LIVE_MAX_FPS);
}

export function clampWidth(width: number | undefined): number {
  const v = typeof width === 'number' && Number.isFinite(width) && width > 0 ? Math.round(width) : LIVE_DEFAULT_WIDTH;
  return Math.min(Math.max(v, 32), LIVE_MAX_WIDTH) & ~1;
}

export interface Plan {
  outputs: OutputPlan[];
  /** Subscriber id → the width of the output that serves it. */
  assign: Map<number, number>;
  /** Decode keyframes only. */
  keyframesOnly: boolean;
}

export interface PlanNeed {
  id: number;
  width: number;
  fps: number;
}

/**
 * Each distinct width gets an output, up to `maxOutputs`; a subscriber beyond that is served by
 * the smallest kept width at least its own (else the largest). An output runs at the highest rate
 * among its subscribers. `keyIntervalMs` is the stream's keyframe spacing, when known.
 */
export function computePlan(needs: Iterable<PlanNeed>, maxOutputs: number, keyIntervalMs: number | null): Plan {
  const all = [...needs];
  const byWidth = new Map<number, number>();
  for (const s of all) {
    byWidth.set(s.width, Math.max(byWidth.get(s.width) ?? 0, s.fps));
  }
  const widths = [...byWidth.keys()].sort((a, b) => b - a);
  const kept = widths.slice(0, maxOutputs);
  const fpsOf = new Map<number, number>(kept.map((w) => [w, byWidth.get(w)!]));
  const assign = new Map<number, number>();
  for (const s of all) {
    const w = kept.filter((k) => k >= s.width).pop() ?? kept[0];
    assign.set(s.id, w);
    fpsOf.set(w, Math.max(fpsOf.get(w)!, s.fps));
  }
  const outputs = kept.map((w) => ({ width: w, fps: fpsOf.get(w)! }));
  const maxFps = Math.max(0, ...outputs.map((o) => o.fps));
  // 5 % slack: a keyframe every 1000 ms serves 1 fps even when the camera's clock runs slow.
  const keyframesOnly = keyIntervalMs !== null && outputs.length > 0 && (maxFps * keyIntervalMs) / 1000 <= 1.05;
  return { outputs, assign, keyframesOnly };
}

/** Does the running process serve everything the desired plan needs? */
export function covers(running: Plan, desired: Plan): boolean {
  if (running.keyframesOnly && !desired.keyframesOnly) {
    return false;
  }
  return desired.outputs.every((d) => running.outputs.some((r) => r.width === d.width && r.fps >= d.fps));
}

/** Does the running process do work nobody needs (a width, a rate, or frames beyond keyframes)? */
export function wasteful(running: Plan, desired: Plan): boolean {
  if (!running.keyframesOnly && desired.keyframesOnly) {
    return true;
  }
  return running.outputs.some((r) => !desired.outputs.some((d) => d.width === r.width && d.fps >= r.fps));
}

/** The furthest a running process is retimed from its own rates (its stdin clock runs this much faster at most). */
export const MAX_RETIME = 16;

/**
 * The clock scale that turns the running process's rates into the desired ones, or null when
 * no single scale does: other widths, other decoding (keyframes only or not), rates in another
 * proportion, or further than MAX_RETIME. ffmpeg's rate filters pick pictures by their time
 * stamps, and its stdin's clock is ours, so pictures stamped `scale` times further apart come out
 * `scale` times as often: a rate change needs no new ffmpeg.
 */
export function retime(running: Plan, desired: Plan): number | null {
  if (running.keyframesOnly !== desired.keyframesOnly || running.outputs.length !== desired.outputs.length) {
    return null;
  }
  let scale: number | null = null;
  for (const d of desired.outputs) {
    const r = running.outputs.find((o) => o.width === d.width);
    if (!r) {
      return null;
    }
    const s = d.fps / r.fps;
    if (scale !== null && Math.abs(s - scale) > scale * 1e-9) {
      return null;
    }
    scale = s;
  }
  return scale !== null && scale <= MAX_RETIME && scale >= 1 / MAX_RETIME ? scale : null;
}
