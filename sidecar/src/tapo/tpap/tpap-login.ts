/**
 * The TPAP login (login version 4, fact sheet §4–§7): pake_register, then pake_share with the
 * SPAKE2+ share and confirmation, then the camera's dev_confirm checked in constant time before the
 * session is used. Lockout rules: each passcode form (§5.2, under the camera's extra_crypt, §5.4)
 * is sent at most once per password — a refused form is remembered and never sent again — and
 * when every form was refused the result is auth_failed. A suspension answer is locked_out.
 */
import { randomBytes } from 'node:crypto';
import { TapoError } from '../errors.ts';
import { errorCodeOf, isObject } from '../decode.ts';
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

/**
 * Which credential forms this client has sent with which password. A form the camera refused is
 * never sent again with the same password; a new password starts afresh.
 */
export class PasscodeMemory {
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
  memory: PasscodeMemory;
  /** The form that worked last time on this camera ('sha256', 'sha256+password_shadow/5'…), tried first. */
  preferredForm?: string | undefined;
  /** `https://host:port` for the Referer header the app sends. */
  origin: string;
  /** Require this certificate (the one that answered the probe). */
  fingerprint?: string | undefined;
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

function orderedForms(preferred: string | undefined): PasscodeForm[] {
  const first = PASSCODE_FORMS.find((f) => preferred === f || preferred?.startsWith(`${f}+`));
  return first ? [first, ...PASSCODE_FORMS.filter((f) => f !== first)] : [...PASSCODE_FORMS];
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
  for (const form of orderedForms(o.preferredForm)) {
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
    const key = xName ? `${form}+${xName}` : form;
    if (o.memory.isRefused(password, key)) {
      continue; // refused before with this password: never sent twice
    }
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
        // The suspension came with this credential's refusal (a lock already in force answers the
        // register): the form is spent, so it is not sent again once the suspension ends. While
        // other forms are untried, the password itself is not proven wrong.
        o.memory.refuse(password, key);
        if (PASSCODE_FORMS.some((f) => !o.memory.isRefused(password, xName ? `${f}+${xName}` : f))) {
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
    return { session, fingerprint: shareReply.fingerprint, form: key, passcode: form };
  }
  const err = new TapoError(
    'auth_failed',
    `camera refused every passcode form of this password (${PASSCODE_FORMS.length} tried at most once each); not trying again until the password is changed`,
    { code: -40401, method: 'login' }
  );
  credentialsRejected.add(err);
  throw err;
}
