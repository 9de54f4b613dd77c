/**
 * Whether a camera can take a control now (PTZ, presets, privacy, reboot, snapshot), judged by
 * its real state: a camera that is not logged in answers with why (wrong password, offline,
 * locked for N min), not with a guess about its hardware made from a model it never reported.
 */
import type { CameraSnapshot } from '../model.ts';
import { problemOf } from './reasons.ts';

export interface Refusal {
  /** 409: the camera refuses us until something changes (password, suspension); 502: it does not answer. */
  code: 409 | 502;
  error: string;
  reason: string;
}

/**
 * Null when the control may go ahead. A camera not polled yet may go ahead: its client logs in
 * lazily and reports what happened. A snapshot comes over RTSP with the camera account, so only
 * an unreachable camera refuses it, and only when the picture does not come from a restream.
 */
export function controlRefusal(cam: CameraSnapshot, action: string, now = Date.now()): Refusal | null {
  if (cam.disabled) {
    return { code: 409, error: `${cam.name} is disabled in the datasource settings`, reason: 'disabled' };
  }
  if (!cam.last) {
    return null;
  }
  const problem = problemOf(cam.last, now);
  if (!problem || problem.reason === 'not_polled') {
    return null;
  }
  if (problem.reason === 'unreachable' && !(action === 'snapshot' && cam.restream)) {
    return { code: 502, error: `${cam.name} is offline: ${problem.words}`, reason: problem.reason };
  }
  if (action === 'snapshot') {
    return null;
  }
  return {
    code: problem.reason === 'error' ? 502 : 409,
    error: `${cam.name} is not logged in: ${problem.words}`,
    reason: problem.reason,
  };
}
