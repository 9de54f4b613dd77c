/**
 * The per-camera failed-login budget: how many refused logins the sidecar may cost one camera in a
 * sliding window, so that the camera's own counter never reaches the point where it suspends
 * logins for everyone, the owner's app included. Plain functions over the stored state.
 */
import { TapoError } from './errors.ts';

/**
 * At most 3 failed logins per camera in any 30 minutes. Why: the app stops itself after 5 failed
 * attempts and V3 firmware counted 10; the TPAP threshold is unknown (nobody triggered it live), so
 * the budget stays two below the lowest known one, leaving the owner's app room to mistype too.
 * 30 minutes is the suspension cameras were seen to impose (sec_left around 1,800 s), so a counter
 * that forgets at that pace never sees more than 3 from us. One that forgets only on a success (as
 * the simulator's) still adds windows up; then the camera's own count, when it gives one, stops us.
 */
export const LOGIN_BUDGET = { failures: 3, windowMs: 30 * 60_000 } as const;

/**
 * When the camera itself says how many attempts remain (`remainAttempts`, or V3's `time`), the
 * sidecar never spends the last one: one more failure there would lock the owner out.
 */
export const CAMERA_ATTEMPTS_KEPT = 1;

/** Failure times kept per camera (newest last): enough to know the window, bounded. */
const MAX_KEPT = 16;

/** What the store keeps about failed logins (epoch ms; no secret). */
export interface LoginFailures {
  /** When each refused credential was sent, oldest first. */
  at?: readonly number[];
  /** The camera's own word on attempts left, and when it said so. */
  cameraLeft?: { attempts: number; at: number } | undefined;
}

export interface LoginPause {
  /** Epoch ms when a failed login may be risked again. */
  until: number;
  /** Failed logins in the window now. */
  failures: number;
  /** The camera said this many attempts remain (when that is why). */
  cameraLeft?: number;
}

/**
 * The failure times still inside the window at `now`. After the clock stepped back, a time less
 * than a window ahead counts as now; one further ahead cannot be ours and is dropped.
 */
export function recentFailures(at: readonly number[] | undefined, now: number): number[] {
  return (at ?? [])
    .filter((t) => Number.isFinite(t) && t - now < LOGIN_BUDGET.windowMs)
    .map((t) => Math.min(t, now))
    .filter((t) => now - t < LOGIN_BUDGET.windowMs)
    .sort((a, b) => a - b);
}

/** The failure list with one more at `now`, bounded. */
export function withFailure(at: readonly number[] | undefined, now: number): number[] {
  return [...recentFailures(at, now), now].slice(-MAX_KEPT);
}

/** Null while a failed login may still be risked; else until when the sidecar must not send one. */
export function loginPause(state: LoginFailures, now: number): LoginPause | null {
  const recent = recentFailures(state.at, now);
  let until = 0;
  if (recent.length >= LOGIN_BUDGET.failures) {
    // The window frees a slot when enough of the oldest have left it.
    until = recent[recent.length - LOGIN_BUDGET.failures]! + LOGIN_BUDGET.windowMs;
  }
  const said = state.cameraLeft;
  const saidAt = said ? Math.min(said.at, now) : 0;
  const cameraSaysStop =
    said !== undefined && said.attempts <= CAMERA_ATTEMPTS_KEPT && now - saidAt < LOGIN_BUDGET.windowMs;
  if (cameraSaysStop) {
    // Its word holds for one window; after that its counter is taken to have aged as ours did.
    until = Math.max(until, saidAt + LOGIN_BUDGET.windowMs);
  }
  if (until <= now) {
    return null;
  }
  return { until, failures: recent.length, ...(cameraSaysStop ? { cameraLeft: said.attempts } : {}) };
}

/** The error a login meets while paused: when it ends, why, and what to do meanwhile. */
export function pausedError(p: LoginPause, now: number): TapoError {
  const secondsLeft = Math.max(1, Math.ceil((p.until - now) / 1000));
  const minutes = Math.ceil(secondsLeft / 60);
  const why =
    p.cameraLeft !== undefined
      ? `the camera says ${p.cameraLeft} login attempt${p.cameraLeft === 1 ? '' : 's'} left`
      : `${p.failures} failed logins with wrong passwords in ${LOGIN_BUDGET.windowMs / 60_000} min`;
  return new TapoError(
    'login_paused',
    `logins paused for ${minutes} min so your camera does not lock you out (${why}); meanwhile check the password (the Tapo app's cloud password, Third-Party Compatibility on): the sidecar tries it by itself then`,
    { secondsLeft, method: 'login' }
  );
}

/** What a login asks of the budget, and tells it. */
export interface LoginAttempts {
  /** Throws login_paused when a failed login may not be risked now. */
  check(): void;
  /** A credential was sent and refused (`cameraLeft`: attempts the camera says remain, if it says). */
  failed(cameraLeft: number | null): void;
}
