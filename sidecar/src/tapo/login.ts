/**
 * The login handshake. Lockout rules live here: the probe carries no secret; a digest is only
 * sent when the camera's device_confirm proved it holds our password hash; any failure after a
 * credential was sent is final (auth_failed) — the client never tries the same credentials again.
 */
import { TapoError } from './errors.ts';
import {
  makeNonce,
  matchDeviceConfirm,
  digestPasswd,
  deriveKeys,
  tagPrefix,
  md5Upper,
  type HashAlgo,
} from './crypto.ts';
import { parseJson, errorCodeOf, secondsLeftOf, dataCodeOf, isObject, attemptsLeftOf } from './decode.ts';
import type { LoginAttempts } from './login-budget.ts';
import { SecureSession } from './secure-session.ts';
import { LegacySession } from './legacy-session.ts';
import type { Session } from './session.ts';
import type { Transport, HttpReply } from './transport.ts';
import type { LoginFlow } from './types.ts';
import { tpapLogin, TpapNotSpoken, type TpapLoginOptions } from './tpap/tpap-login.ts';

export interface LoginResult {
  session: Session;
  /** Certificate fingerprint the successful login went over. */
  fingerprint: string;
  hashAlgo: HashAlgo;
  /** TPAP only: the credential form that worked (remembered per camera). */
  tpapForm?: string;
  /** TPAP only: the verifier it worked on (public values; remembered with the form). */
  tpapVerifier?: string;
}

export interface LoginOptions {
  /** The flow this camera used last time: 'tpap' goes straight to it (no older probe first). */
  flow?: LoginFlow | null;
  /** What TPAP needs (passcode memory, remembered form); without it TPAP cameras are unsupported_login. */
  tpap?: Omit<TpapLoginOptions, 'fingerprint' | 'attempts'>;
  /** The camera's failed-login budget: told of every refused credential, asked before TPAP's next form. */
  attempts?: LoginAttempts;
}

async function viaTpap(
  transport: Transport,
  username: string,
  password: string,
  tpap: Omit<TpapLoginOptions, 'fingerprint'>,
  fingerprint?: string
): Promise<LoginResult> {
  const r = await tpapLogin(transport, username, password, { ...tpap, fingerprint });
  return {
    session: r.session,
    fingerprint: r.fingerprint,
    hashAlgo: r.passcode,
    tpapForm: r.form,
    tpapVerifier: r.verifier,
  };
}

/** Default when a camera says "blocked" without saying for how long (field reports: ~30 min). */
export const DEFAULT_LOCKOUT_SECONDS = 1800;

export function lockedError(secondsLeft: number = DEFAULT_LOCKOUT_SECONDS): TapoError {
  return new TapoError(
    'locked_out',
    `camera has suspended logins for ${secondsLeft} s after failed attempts; no call will be made until then`,
    {
      code: -40404,
      secondsLeft,
      method: 'login',
    }
  );
}

/**
 * Errors thrown after a credential (digest or hashed password) was sent and refused: the client
 * must not send those credentials again, even once a suspension has passed.
 */
export const credentialsRejected = new WeakSet<TapoError>();

/** Parse a login answer; a suspension anywhere in it throws locked_out. */
export function readLoginReply(reply: HttpReply, afterCredential: boolean): Record<string, unknown> {
  const json = parseJson(reply.body, 'login');
  if (!isObject(json)) {
    throw new TapoError('protocol', 'login: camera answer is not an object', { method: 'login' });
  }
  const secs = secondsLeftOf(json);
  const code = errorCodeOf(json);
  if (secs > 0 || code === -40404 || dataCodeOf(json) === -40404) {
    const err = lockedError(secs > 0 ? secs : DEFAULT_LOCKOUT_SECONDS);
    if (afterCredential) {
      credentialsRejected.add(err);
    }
    throw err;
  }
  if (reply.status === 401 && dataCodeOf(json) === -40411) {
    throw new TapoError('auth_failed', 'camera rejected the user name (the local API user is "admin")', {
      code: -40411,
      method: 'login',
    });
  }
  if (reply.status >= 500) {
    throw new TapoError('protocol', `login: camera answered HTTP ${reply.status}`, {
      method: 'login',
      httpStatus: reply.status,
    });
  }
  return json;
}

/** The answer to a sent credential; a suspension that came with it counts as a failed login. */
function credentialReply(reply: HttpReply, attempts: LoginAttempts | undefined): Record<string, unknown> {
  try {
    return readLoginReply(reply, true);
  } catch (e) {
    if (e instanceof TapoError && e.kind === 'locked_out') {
      attempts?.failed(null);
    }
    throw e;
  }
}

function rejected(kind: 'auth_failed', message: string, opts: { code?: number; method: string }): TapoError {
  const err = new TapoError(kind, message, opts);
  credentialsRejected.add(err);
  return err;
}

export async function login(
  transport: Transport,
  username: string,
  password: string,
  opts: LoginOptions = {}
): Promise<LoginResult> {
  if (opts.flow === 'tpap' && opts.tpap) {
    try {
      return await viaTpap(transport, username, password, { ...opts.tpap, attempts: opts.attempts });
    } catch (e) {
      // Firmware went back to an older login: find it with the probe below.
      if (!(e instanceof TpapNotSpoken)) {
        throw e;
      }
    }
  }
  const cnonce = makeNonce();
  const probeReply = await transport.post(
    '/',
    JSON.stringify({ method: 'login', params: { cnonce, encrypt_type: '3', username } })
  );
  const probe = readLoginReply(probeReply, false);
  const code = errorCodeOf(probe);
  const result = isObject(probe.result) ? probe.result : {};
  const data = isObject(result.data) ? result.data : {};
  const types = Array.isArray(data.encrypt_type) ? data.encrypt_type : [];

  if (code === -40413 && types.includes('3')) {
    const nonce = data.nonce;
    const confirm = data.device_confirm;
    if (
      typeof nonce !== 'string' ||
      typeof confirm !== 'string' ||
      !/^[0-9A-Fa-f]{8,128}$/.test(nonce) ||
      confirm.length > 512
    ) {
      throw new TapoError('protocol', 'login: secure challenge without a usable nonce/confirmation', {
        method: 'login',
        code,
      });
    }
    const match = matchDeviceConfirm(password, cnonce, nonce, confirm);
    if (!match) {
      // Nothing counted as a failed attempt was sent, and nothing will be until the password changes.
      throw new TapoError(
        'auth_failed',
        "wrong password: the camera's confirmation does not match it (no login attempt was sent)",
        { code: -40413, method: 'login' }
      );
    }
    const reply = await transport.post(
      '/',
      JSON.stringify({
        method: 'login',
        params: { cnonce, encrypt_type: '3', digest_passwd: digestPasswd(match.hash, cnonce, nonce), username },
      }),
      {},
      probeReply.fingerprint // the digest goes only to the certificate that answered the probe
    );
    const ans = credentialReply(reply, opts.attempts);
    const ansCode = errorCodeOf(ans);
    const r = isObject(ans.result) ? ans.result : {};
    if (ansCode !== 0 || typeof r.stok !== 'string') {
      opts.attempts?.failed(attemptsLeftOf(ans));
      throw rejected(
        'auth_failed',
        `camera refused the login (code ${ansCode}); not retrying with the same credentials`,
        { code: ansCode, method: 'login' }
      );
    }
    if (r.user_group !== undefined && r.user_group !== 'root') {
      throw rejected(
        'auth_failed',
        'login is not the owner account (user_group is not root): use user "admin" with the cloud password',
        { method: 'login' }
      );
    }
    const startSeq = typeof r.start_seq === 'number' ? r.start_seq : Number(r.start_seq);
    if (!Number.isSafeInteger(startSeq) || !/^[A-Za-z0-9._-]{1,256}$/.test(r.stok)) {
      throw new TapoError('protocol', 'login: session answer without a usable token or sequence', { method: 'login' });
    }
    const session = new SecureSession(transport, {
      stok: r.stok,
      keys: deriveKeys(cnonce, nonce, match.hash),
      tagPrefix: tagPrefix(match.hash, cnonce),
      startSeq,
    });
    return { session, fingerprint: reply.fingerprint, hashAlgo: match.algo };
  }

  if (code === -40211 && opts.tpap) {
    // The camera is on login version 4 (TPAP): switch, on the certificate that answered the probe.
    return viaTpap(transport, username, password, { ...opts.tpap, attempts: opts.attempts }, probeReply.fingerprint);
  }
  if (code === -40211 || code === -40209 || code === -40210) {
    throw new TapoError(
      'unsupported_login',
      `camera firmware asks for a login this client does not speak (code ${code}; newer firmware uses TPAP/SPAKE2+)`,
      {
        code,
        method: 'login',
      }
    );
  }
  if (code !== -40401 && code !== -40413) {
    throw new TapoError('protocol', `login: unexpected answer to the probe (code ${code})`, { code, method: 'login' });
  }

  // Legacy firmware: one hashed-password login.
  const reply = await transport.post(
    '/',
    JSON.stringify({ method: 'login', params: { hashed: true, password: md5Upper(password), username } }),
    {},
    probeReply.fingerprint
  );
  const ans = credentialReply(reply, opts.attempts);
  const ansCode = errorCodeOf(ans);
  const r = isObject(ans.result) ? ans.result : {};
  if (reply.status !== 200 || ansCode !== 0 || typeof r.stok !== 'string' || !/^[A-Za-z0-9._-]{1,256}$/.test(r.stok)) {
    opts.attempts?.failed(attemptsLeftOf(ans));
    throw rejected(
      'auth_failed',
      `camera refused the login (code ${ansCode}); not retrying with the same credentials`,
      { code: ansCode, method: 'login' }
    );
  }
  return { session: new LegacySession(transport, r.stok), fingerprint: reply.fingerprint, hashAlgo: 'md5' };
}
