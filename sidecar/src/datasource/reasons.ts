/**
 * Why a camera is not answering, in words a user can act on: for Save & test (CheckHealth) and for
 * controls refused because the camera is not logged in. Built from the poll result only (never a secret).
 */
import type { PollResult, ProblemReason } from '../model.ts';

export interface Problem {
  reason: ProblemReason | 'not_polled';
  /** Short words for the first line of Save & test: "wrong password", "locked for 12 min". */
  words: string;
  /** The words already say all the poll's error does (it is not repeated after them). */
  complete?: boolean;
}

/** Minutes left of a suspension, rounded up, at least 1. */
function minutesLeft(until: number | undefined, error: string | null, now: number): number | null {
  if (until !== undefined) {
    return Math.max(1, Math.ceil((until - now) / 60_000));
  }
  const m = /(\d+) s\b/.exec(error ?? '');
  return m ? Math.max(1, Math.ceil(Number(m[1]) / 60)) : null;
}

function reasonOf(p: PollResult): ProblemReason {
  if (p.reason) {
    return p.reason;
  }
  // Resumed from history (no reason kept): from the status.
  switch (p.status) {
    case 'offline':
      return 'unreachable';
    case 'auth_failed':
      return 'wrong_password';
    case 'locked_out':
      return 'locked';
    default:
      return 'error';
  }
}

/** Null when the camera answered its last poll. */
export function problemOf(p: PollResult | null, now = Date.now()): Problem | null {
  if (!p) {
    return { reason: 'not_polled', words: 'not polled yet' };
  }
  if (p.status === 'online') {
    return null;
  }
  const reason = reasonOf(p);
  switch (reason) {
    case 'wrong_password':
      return { reason, words: 'wrong password, or Third-Party Compatibility off? (Tapo app → Me → Tapo Lab)' };
    case 'unreachable':
      return { reason, words: 'unreachable (check the address and that it is powered and on the network)' };
    case 'locked': {
      const min = minutesLeft(p.until, p.error, now);
      return {
        reason,
        words: min === null ? 'locked after failed logins' : `locked for ${min} min after failed logins`,
      };
    }
    case 'logins_paused': {
      // The error says why and what to do; only its minutes are brought up to date.
      const min = minutesLeft(p.until, null, now);
      const text = p.error ?? 'logins paused so your camera does not lock you out; check the password meanwhile';
      return {
        reason,
        words: min === null ? text : text.replace(/^logins paused for \d+ min/, `logins paused for ${min} min`),
        complete: true,
      };
    }
    case 'needs_newer_login':
      return {
        reason,
        words: 'needs a newer login (firmware asks for TPAP; toggling Third-Party Compatibility off and on may help)',
      };
    case 'certificate_changed':
      return { reason, words: 'certificate changed (a different device at this address?)' };
    case 'waiting_password':
      return { reason, words: 'waiting for its password (open the datasource in Grafana, or set TAPO_SECRET_KEY)' };
    default:
      return { reason, words: p.error ?? 'error' };
  }
}
