/**
 * Motion event sources besides polling: an ONVIF PullPoint subscription where the camera offers
 * one. The fleet asks a factory for a source per camera; while a source is active, last-alarm
 * polling does not produce events for that camera (the two would count the same motion twice).
 */
import type { CameraConfig } from '../config/types.ts';
import type { EventKind, MotionEvent } from '../model.ts';

export interface MotionSourceCallbacks {
  /** A motion/person event began (end null) or ended (same start, end set). */
  event(e: { start: number; end: number | null; kind: EventKind }): void;
  /** The subscription works (true) or failed and the fleet should fall back to last-alarm polling (false). */
  state(active: boolean, reason?: string): void;
}

export interface MotionSource {
  readonly source: MotionEvent['source'];
  /**
   * Whether the source delivers this kind; last-alarm polling reports the kinds it does not (a
   * camera may push motion and people over ONVIF but a bark only as its last alarm). Without it,
   * the source delivers every kind.
   */
  delivers?(kind: EventKind): boolean;
  stop(): Promise<void>;
}

/** Returns null when the camera has no such source (no camera account, no ONVIF port). */
export type MotionSourceFactory = (camera: CameraConfig, cb: MotionSourceCallbacks) => MotionSource | null;
