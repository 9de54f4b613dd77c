/**
 * The TPAP login (login version 4, fact sheet §4–§7): pake_register, then pake_share with the
 * SPAKE2+ share and confirmation, then the camera's dev_confirm checked in constant time before the
 * session is used. Lockout rules: each passcode form (§5.2, under the camera's extra_crypt, §5.4)
 * is sent at most once per password — a refused form is remembered and never sent again — and
 * once the form that works on this camera's verifier is known, only that form is sent; no form is
 * started once the camera's failed-login budget is spent (login-budget.ts). When every
 * possible form was refused the result is auth_failed. A suspension answer is locked_out.
 *
 * The register answer does not say which form the verifier was made from: dev_share is
 * y·G + w0·N, and without y no guess of w0 can be checked against it (that is SPAKE2+'s point).
 * Only a pake_share tells, and a wrong one counts as a failed login. So before the first success
 * on a verifier every form is possible; after it, one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TapoError } from '../errors.ts';
import { errorCodeOf, isObject, attemptsLeftOf } from '../decode.ts';
import type { LoginAttempts } from '../login-budget.ts';
import type { Transport, HttpReply } from '../transport.ts';
import { readLoginReply, lockedError, credentialsRejected } from '../login.ts';
import {
  PASSCODE_FORMS,
  passcodeOf,
  tpapUsername,
  applyExtraCrypt,
  extraCryptName,
  UnknownExtraCrypt,
  type PasscodeForm,
} from './passcodes.ts';
import { randomScalar, proverShare, proverFinish, decodePoint } from './spake2plus.ts';
import {
  deriveW0W1,
  contextHash,
  transcript,
  w0Encoding,
  confirmations,
  channelKeys,
  macEqual,
} from './key-schedule.ts';
import { TpapSession } from './tpap-session.ts';

/** The camera answered the TPAP login as if it did not speak it (e.g. firmware went back). */
export class TpapNotSpoken extends TapoError {}

/** Which passcode forms of which passwords the camera refused (keyed by the form with its extra_crypt). */
export interface PasscodeRefusals {
  isRefused(password: string, key: string): boolean;
  refuse(password: string, key: string): void;
}

/**
 * Refusals kept in this process only, for the last password (the client keeps them in its state
 * store as keyed tags; this is for stores without a tagger, and for tests).
 */
export class PasscodeMemory implements PasscodeRefusals {
  private password: string | null = null;
  private readonly refused = new Set<string>();

  isRefused(password: string, key: string): boolean {
    return this.password === password && this.refused.has(key);
  }
  refuse(password: string, key: string): void {
    if (this.password !== password) {
      this.password = password;
      this.refused.clear();
    }
    this.refused.add(key);
  }
  clear(): void {
    this.password = null;
    this.refused.clear();
  }
}

export interface TpapLoginOptions {
  memory: PasscodeRefusals;
  /** The form that worked last time on this camera ('sha256', 'sha256+password_shadow/5'…). */
  preferredForm?: string | undefined;
  /**
   * The verifier `preferredForm` worked on (`TpapLoginResult.verifier`). When the camera still
   * answers with it, only that form is sent; when it answers with another (the password or the
   * firmware changed), every form is possible again, that one first. Absent: saved before
   * verifiers were remembered, taken as the same.
   */
  preferredVerifier?: string | undefined;
  /** `https://host:port` for the Referer header the app sends. */
  origin: string;
  /** Require this certificate (the one that answered the probe). */
  fingerprint?: string | undefined;
  /** The camera's failed-login budget: asked before each form, told of each refusal. */
  attempts?: LoginAttempts | undefined;
  /** Test hooks: fixed randoms (the vectors). */
  userRandom?: () => Buffer;
  scalar?: () => bigint;
}

export interface TpapLoginResult {
  session: TpapSession;
  fingerprint: string;
  /** The credential form that worked: remember it for this camera. */
  form: string;
  passcode: PasscodeForm;
  /** Which verifier it worked on (public values only): remember it with the form. */
  verifier: string;
}

/** The register request, as the app sends it (null fields left out). */
export function registerRequest(username: string, userRandom: Uint8Array): Record<string, unknown> {
  return {
    method: 'login',
    params: {
      sub_method: 'pake_register',
      username,
      user_random: Buffer.from(userRandom).toString('base64'),
      cipher_suites: [1],
      encryption: ['aes_128_ccm'],
      passcode_type: 'userpw',
    },
  };
}

const B64 = /^[A-Za-z0-9+/]{1,400}={0,2}$/;
const STOK = /^[A-Za-z0-9!*()~._\-=+,;:@&$']{1,256}$/;

function b64(v: unknown, what: string, len?: number): Buffer {
  const b = typeof v === 'string' && B64.test(v) ? Buffer.from(v, 'base64') : null;
  if (!b || (len !== undefined && b.length !== len)) {
    throw new TapoError('protocol', `login: ${what} missing or malformed in the camera's answer`, { method: 'login' });
  }
  return b;
}

/** Suspension answers TPAP firmware gives besides the older ones (§9.6, §10): minutes in error_info, -40408. */
function tpapLocked(json: unknown): number | null {
  if (!isObject(json)) {
    return null;
  }
  const info = isObject(json.error_info) ? json.error_info : null;
  const minutes = Number(info?.lockedMinute);
  if (Number.isFinite(minutes) && minutes > 0) {
    return Math.min(Math.ceil(minutes * 60), 7 * 24 * 3600);
  }
  return errorCodeOf(json) === -40408 ? 0 : null;
}

function readReply(reply: HttpReply, afterCredential: boolean): Record<string, unknown> {
  let peek: unknown = null;
  try {
    peek = JSON.parse(reply.body.toString('utf8'));
  } catch {
    // readLoginReply says what is wrong with it
  }
  const secs = tpapLocked(peek);
  if (secs !== null) {
    const err = lockedError(secs > 0 ? secs : undefined);
    if (afterCredential) {
      credentialsRejected.add(err);
    }
    throw err;
  }
  return readLoginReply(reply, afterCredential);
}

/** The forms `preferred` names first (a known form: it alone), else every form in the app's order. */
function candidateForms(preferred: string | undefined, known: boolean): PasscodeForm[] {
  const first = PASSCODE_FORMS.find((f) => preferred === f || preferred?.startsWith(`${f}+`));
  if (!first) {
    return [...PASSCODE_FORMS];
  }
  return known ? [first] : [first, ...PASSCODE_FORMS.filter((f) => f !== first)];
}

/** A name for the camera's verifier from the register answer's public parts (no secret in them). */
export function verifierId(salt: Buffer, iterations: number, extra: string | null): string {
  return createHash('sha256')
    .update(`tpap verifier\0${salt.toString('base64')}\0${iterations}\0${extra ?? ''}`)
    .digest('base64url')
    .slice(0, 22);
}

export async function tpapLogin(
  transport: Transport,
  username: string,
  password: string,
  o: TpapLoginOptions
): Promise<TpapLoginResult> {
  const headers = {
    Referer: o.origin,
    'User-Agent': 'Tapo CameraClient Android',
    requestByApp: 'true',
    Accept: 'application/json',
  };
  let fingerprint = o.fingerprint;
  // Set by the first register answer: which verifier this is, and the forms it may take.
  let verifier = '';
  let candidates: PasscodeForm[] | null = null;
  // Forms sent in this call, so a memory that fails to remember still ends the loop.
  const sent = new Set<string>();
  let keyOf = (f: PasscodeForm): string => f;
  // A form refused before with this password is never sent twice.
  const untried = () => candidates?.find((f) => !sent.has(keyOf(f)) && !o.memory.isRefused(password, keyOf(f))) ?? null;
  for (;;) {
    // Each form may cost a failed login: none is started once the budget is spent.
    o.attempts?.check();
    const userRandom = o.userRandom?.() ?? randomBytes(32);
    const regReply = await transport.post(
      '/',
      JSON.stringify(registerRequest(tpapUsername(0, username), userRandom)),
      headers,
      fingerprint
    );
    fingerprint = regReply.fingerprint;
    const reg = readReply(regReply, false);
    const regCode = errorCodeOf(reg);
    if (regCode === -40209) {
      throw new TapoError('auth_failed', 'camera rejected the user name (the local API user is "admin")', {
        code: regCode,
        method: 'login',
      });
    }
    if (regCode !== 0 || !isObject(reg.result)) {
      throw new TpapNotSpoken(
        'unsupported_login',
        `camera refused the TPAP login start (code ${regCode}); it asks for a login this client does not speak`,
        { code: regCode, method: 'login' }
      );
    }
    const r = reg.result;
    if (
      (r.cipher_suites !== undefined && Number(r.cipher_suites) !== 1) ||
      (r.encryption ?? 'aes_128_ccm') !== 'aes_128_ccm'
    ) {
      throw new TapoError('unsupported_login', 'camera chose a TPAP cipher this client does not speak', {
        method: 'login',
      });
    }
    const iterations = Number(r.iterations ?? 10_000);
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) {
      throw new TapoError('protocol', 'login: iteration count out of range', { method: 'login' });
    }
    const devRandom = b64(r.dev_random, 'dev_random');
    const salt = b64(r.dev_salt, 'dev_salt');
    const Y = b64(r.dev_share, 'dev_share');
    decodePoint(Y, 'dev_share');
    const extra = r.extra_crypt;
    const xName = extraCryptName(extra);
    keyOf = (f: PasscodeForm) => (xName ? `${f}+${xName}` : f);
    if (candidates === null) {
      verifier = verifierId(salt, iterations, xName);
      const known = o.preferredForm !== undefined && (o.preferredVerifier ?? verifier) === verifier;
      candidates = candidateForms(o.preferredForm, known);
    }
    const form = untried();
    if (form === null) {
      break;
    }
    const key = keyOf(form);
    sent.add(key);
    let credential: string;
    try {
      credential = applyExtraCrypt(passcodeOf(password, form), extra);
    } catch (e) {
      if (e instanceof UnknownExtraCrypt) {
        throw new TapoError(
          'unsupported_login',
          `camera asks for a credential transform this client does not know (${e.message})`,
          {
            method: 'login',
          }
        );
      }
      throw e;
    }
    const { w0, w1 } = deriveW0W1(credential, salt, iterations);
    const x = o.scalar?.() ?? randomScalar();
    const X = proverShare(x, w0);
    const { Z, V } = proverFinish(x, w0, w1, Y);
    const tt = transcript(contextHash(userRandom, devRandom), X, Y, Z, V, w0Encoding(w0));
    const k = confirmations(tt, X, Y);
    const shareReply = await transport.post(
      '/',
      JSON.stringify({
        method: 'login',
        params: {
          sub_method: 'pake_share',
          user_share: X.toString('base64'),
          user_confirm: k.userConfirm.toString('base64'),
        },
      }),
      headers,
      fingerprint
    );
    let share: Record<string, unknown>;
    try {
      share = readReply(shareReply, true);
    } catch (e) {
      if (e instanceof TapoError && e.kind === 'locked_out') {
        o.attempts?.failed(null);
        // The suspension came with this credential's refusal (a lock already in force answers the
        // register): the form is spent, so it is not sent again once the suspension ends. While
        // other forms are untried, the password itself is not proven wrong.
        o.memory.refuse(password, key);
        if (candidates.some((f) => !o.memory.isRefused(password, keyOf(f)))) {
          credentialsRejected.delete(e);
        }
      }
      throw e;
    }
    const shareCode = errorCodeOf(share);
    const s = isObject(share.result) ? share.result : null;
    const devConfirm =
      typeof s?.dev_confirm === 'string' && B64.test(s.dev_confirm) ? Buffer.from(s.dev_confirm, 'base64') : null;
    if (shareCode !== 0 || !s || !devConfirm || !macEqual(devConfirm, k.devConfirm)) {
      // Wrong form (-40401), or a confirmation that does not prove the camera holds our verifier:
      // either way this form is spent for this password, and the session is never used.
      o.memory.refuse(password, key);
      o.attempts?.failed(attemptsLeftOf(share));
      if (untried() === null) {
        break; // no register for a form that will not be sent
      }
      continue;
    }
    const stok = s.stok ?? s.sessionId;
    const startSeq = Number(s.start_seq);
    const expired = Number(s.expired ?? 3600);
    if (
      typeof stok !== 'string' ||
      !STOK.test(stok) ||
      !Number.isInteger(startSeq) ||
      startSeq < -(2 ** 31) ||
      startSeq >= 2 ** 32
    ) {
      throw new TapoError('protocol', 'login: session answer without a usable token or sequence', { method: 'login' });
    }
    const session = new TpapSession(transport, {
      stok,
      keys: channelKeys(k.kShared),
      startSeq: startSeq >>> 0,
      expiresAt: Date.now() + (Number.isFinite(expired) && expired > 0 ? Math.min(expired, 86_400) : 3600) * 1000,
      headers: { Referer: o.origin, 'User-Agent': headers['User-Agent'], requestByApp: 'true' },
    });
    return { session, fingerprint: shareReply.fingerprint, form: key, passcode: form, verifier };
  }
  const err = new TapoError(
    'auth_failed',
    candidates?.length === 1
      ? 'camera refused this password in the passcode form that works on it (sent once); not trying again until the password is changed'
      : `camera refused every passcode form of this password (${PASSCODE_FORMS.length} tried at most once each); not trying again until the password is changed`,
    { code: -40401, method: 'login' }
  );
  credentialsRejected.add(err);
  throw err;
}
