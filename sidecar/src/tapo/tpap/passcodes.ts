/**
 * What TPAP feeds to PBKDF2: the passcode candidates of the cloud password (fact sheet §5.2, in the
 * app's order) and the `extra_crypt` transforms some firmware asks for (§5.4). Plain functions.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { isObject } from '../decode.ts';
import { sha256Crypt, md5Crypt } from './unix-crypt.ts';

/** The passcode forms cameras take, tried in this order (MD5 first: the C510W; SHA-256: the C200 1.4.6). */
export const PASSCODE_FORMS = ['md5', 'sha256'] as const;
export type PasscodeForm = (typeof PASSCODE_FORMS)[number];

const hex = (algo: string, s: string | Buffer): string => createHash(algo).update(s).digest('hex');

export function passcodeOf(password: string, form: PasscodeForm): string {
  return form === 'md5'
    ? hex('md5', Buffer.from(password, 'utf8'))
    : hex('sha256', Buffer.from(password, 'utf8')).toUpperCase();
}

/** The username field: §5.1 (0 or absent: md5 hex of "admin"; 1: SHA-256 upper hex). */
export function tpapUsername(userHashType: number | undefined, user = 'admin'): string {
  return userHashType === 1 ? hex('sha256', user).toUpperCase() : hex('md5', user);
}

/** A transform the camera named that we do not know: the login cannot work, and we say so. */
export class UnknownExtraCrypt extends Error {}

/** A short, secret-free name for the transform (for logs and the remembered login form). */
export function extraCryptName(extra: unknown): string | null {
  if (!isObject(extra) || typeof extra.type !== 'string' || extra.type === '') {
    return null;
  }
  const params = isObject(extra.params) ? extra.params : {};
  const id = params.passwd_id;
  return extra.type === 'password_shadow' && (typeof id === 'number' || typeof id === 'string')
    ? `password_shadow/${String(id)}`
    : extra.type.replace(/[^\w/-]/g, '').slice(0, 40);
}

function rounded(prefix: string, roundsParam: unknown): string {
  // `passwd_rounds` without a rounds= in the prefix: treat it as one (inference; unseen on cameras).
  const r = Number(roundsParam);
  if (!/rounds=/.test(prefix) && Number.isInteger(r) && r > 0) {
    return `$5$rounds=${r}$${prefix.slice(3)}`;
  }
  return prefix;
}

/**
 * The PBKDF2 credential for `passcode` under the register reply's `extra_crypt` (§5.3/§5.4).
 * No transform (absent, null, {}): the passcode itself.
 */
export function applyExtraCrypt(passcode: string, extra: unknown): string {
  if (!isObject(extra) || extra.type === undefined || Object.keys(extra).length === 0) {
    return passcode;
  }
  const p = isObject(extra.params) ? extra.params : {};
  switch (extra.type) {
    case 'password_shadow': {
      const id = Number(p.passwd_id);
      const prefix = typeof p.passwd_prefix === 'string' ? p.passwd_prefix : '';
      if (id === 1 && prefix.startsWith('$1$')) {
        return md5Crypt(passcode, prefix);
      }
      if (id === 2) {
        return hex('sha1', Buffer.from(passcode, 'utf8'));
      }
      if (id === 3) {
        // Keyed on a username; cameras have none, so the passcode stays as it is.
        return passcode;
      }
      if (id === 5 && prefix.startsWith('$5$')) {
        return sha256Crypt(passcode, rounded(prefix, p.passwd_rounds));
      }
      throw new UnknownExtraCrypt(`password_shadow with passwd_id ${Number.isFinite(id) ? id : '?'}`);
    }
    case 'password_authkey': {
      const tmp = Buffer.from(typeof p.authkey_tmpkey === 'string' ? p.authkey_tmpkey : '', 'utf8');
      const dict = typeof p.authkey_dictionary === 'string' ? p.authkey_dictionary : '';
      if (dict.length === 0) {
        throw new UnknownExtraCrypt('password_authkey without a dictionary');
      }
      const pc = Buffer.from(passcode, 'utf8');
      let out = '';
      for (let i = 0; i < Math.max(pc.length, tmp.length); i++) {
        const l = i < pc.length ? pc[i]! : 0xbb;
        const r = i < tmp.length ? tmp[i]! : 0xbb;
        out += dict[(l ^ r) % dict.length];
      }
      return out;
    }
    case 'password_sha_with_salt': {
      const salt = typeof p.sha_salt === 'string' ? Buffer.from(p.sha_salt, 'base64').toString('utf8') : '';
      const name = Number(p.sha_name) === 0 ? 'admin' : 'user';
      return hex('sha256', Buffer.from(name + salt + passcode, 'utf8'));
    }
    default:
      throw new UnknownExtraCrypt(`extra_crypt type ${extraCryptName(extra) ?? '?'}`);
  }
}

/** The default passcode of `pake` kind 0 (§5.5; plugs and bulbs, not cameras) from the device MAC. */
export function defaultPasscode(mac: string): string {
  const b = Buffer.from(mac.replace(/[^0-9a-fA-F]/g, ''), 'hex');
  if (b.length !== 6) {
    throw new RangeError('MAC must have 6 bytes');
  }
  const ikm = Buffer.concat([
    Buffer.from('GqY5o136oa4i6VprTlMW2DpVXxmfW8', 'ascii'),
    b.subarray(3, 6),
    b.subarray(0, 3),
  ]);
  const out = hkdfSync('sha256', ikm, 'tp-kdf-salt-default-passcode', 'tp-kdf-info-default-passcode', 32);
  return Buffer.from(out).toString('hex').toUpperCase();
}
