/**
 * The device side of TPAP (fact sheet §11): a verifier record only (salt, iterations, w0, L — the
 * password is dropped once it is derived, as the app provisions it), one global pending
 * handshake, pake_register / pake_share with the confirmation checked in constant time, and the
 * /ds channel with its sequence window. The camera (camera.ts) owns sessions, lockout and stats;
 * this module answers through the hooks it is given.
 */
import { randomBytes } from 'node:crypto';
import { passcodeOf, applyExtraCrypt, tpapUsername, type PasscodeForm } from '../../tapo/tpap/passcodes.ts';
import { randomScalar, verifierShare, verifierFinish, verifierL, scalarBytes } from '../../tapo/tpap/spake2plus.ts';
import {
  deriveW0W1,
  contextHash,
  transcript,
  w0Encoding,
  confirmations,
  channelKeys,
  macEqual,
  type ChannelKeys,
} from '../../tapo/tpap/key-schedule.ts';
import { seal, open } from '../../tapo/tpap/ccm-channel.ts';

export interface TpapDeviceOptions {
  /** The passcode form the camera's verifier was made from (§5.2; default md5). */
  passcode?: PasscodeForm;
  /** Sent in every register reply; the verifier is made through it (§5.4). */
  extraCrypt?: { type: string; params: Record<string, unknown> } | null;
  /** PBKDF2 iterations (default 5000, as seen on cameras). */
  iterations?: number;
  /** How far ahead of the expected seq a request may be (default 16; 1 is strict). */
  seqWindow?: number;
  /** Also accept python-kasa's minimal w0 encoding in the transcript (§11.4; default true). */
  lenientW0?: boolean;
}

export interface TpapChannel {
  keys: ChannelKeys;
  nextSeq: number;
}

export interface TpapDeviceHooks {
  mac: () => string;
  /** A credential arrived (pake_share). */
  credentialAttempt: () => void;
  /** The credential was wrong: the answer to give (the suspension, or one with attempts left), or null for a bare -40401. */
  failed: () => unknown;
  /** The credential was right: opens a session with these keys and returns its stok. */
  succeeded: (channel: TpapChannel) => { stok: string; expiresSeconds: number };
  /** Answer a decrypted multipleRequest. */
  dispatch: (json: unknown) => unknown;
}

const USERNAMES = new Set([tpapUsername(0), tpapUsername(1), 'admin']);

interface Pending {
  y: bigint;
  Y: Buffer;
  userRandom: Buffer;
  devRandom: Buffer;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

function fromB64(v: unknown, len?: number): Buffer | null {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]{1,400}={0,2}$/.test(v)) {
    return null;
  }
  const b = Buffer.from(v, 'base64');
  return len === undefined || b.length === len ? b : null;
}

export class TpapDevice {
  private readonly salt = randomBytes(16);
  private readonly iterations: number;
  private readonly w0: bigint;
  private readonly L: Buffer;
  private readonly extraCrypt: TpapDeviceOptions['extraCrypt'];
  private readonly window: number;
  private readonly lenient: boolean;
  private pending: Pending | null = null;
  /** Fault: a stranger posing as the camera — accepts any share, answers a confirmation that proves nothing. */
  impostor = false;

  constructor(
    password: string,
    private readonly hooks: TpapDeviceHooks,
    opts: TpapDeviceOptions = {}
  ) {
    this.iterations = opts.iterations ?? 5000;
    this.extraCrypt = opts.extraCrypt ?? null;
    this.window = Math.max(1, opts.seqWindow ?? 16);
    this.lenient = opts.lenientW0 ?? true;
    const credential = applyExtraCrypt(passcodeOf(password, opts.passcode ?? 'md5'), this.extraCrypt);
    const { w0, w1 } = deriveW0W1(credential, this.salt, this.iterations);
    this.w0 = w0;
    this.L = verifierL(w1);
    // Only (salt, iterations, w0, L) stay: the password and w1 are not kept.
  }

  /** POST / on TPAP firmware: every older login is refused with -40211 (§2.3, §11.1). */
  login(p: Record<string, unknown>): unknown {
    switch (p.sub_method) {
      case 'discover':
        return {
          error_code: 0,
          result: {
            mac: this.hooks.mac(),
            tpap: { tls: 1, port: 443, dac: false, noc: 1, pake: [2], user_hash_type: 0 },
          },
        };
      case 'pake_register':
        return this.register(p);
      case 'pake_share':
        return this.share(p);
      default:
        return { error_code: -40211 };
    }
  }

  private register(p: Record<string, unknown>): unknown {
    if (typeof p.username !== 'string' || !USERNAMES.has(p.username)) {
      return { error_code: -40209 };
    }
    const userRandom = fromB64(p.user_random);
    if (!userRandom || userRandom.length < 16 || userRandom.length > 64) {
      return { error_code: -40209 };
    }
    const suites = p.cipher_suites;
    if (suites !== undefined && !(Array.isArray(suites) && suites.includes(1))) {
      return { error_code: -40209 };
    }
    const y = randomScalar();
    const Y = verifierShare(y, this.w0);
    const devRandom = randomBytes(32);
    this.pending = { y, Y, userRandom, devRandom };
    return {
      error_code: 0,
      result: {
        dev_random: b64(devRandom),
        dev_salt: b64(this.salt),
        dev_share: b64(Y),
        iterations: this.iterations,
        cipher_suites: 1,
        encryption: 'aes_128_ccm',
        ...(this.extraCrypt ? { extra_crypt: this.extraCrypt } : {}),
      },
    };
  }

  private share(p: Record<string, unknown>): unknown {
    const pending = this.pending;
    this.pending = null;
    const X = fromB64(p.user_share);
    const confirm = fromB64(p.user_confirm, 32);
    if (!pending || !X || !confirm) {
      return { error_code: -40401 };
    }
    this.hooks.credentialAttempt();
    let shared: { Z: Buffer; V: Buffer };
    try {
      shared = verifierFinish(pending.y, this.w0, this.L, X);
    } catch {
      return this.hooks.failed() ?? { error_code: -40401 };
    }
    if (this.impostor) {
      const { stok, expiresSeconds } = this.hooks.succeeded({
        keys: { key: randomBytes(16), baseNonce: randomBytes(12) },
        nextSeq: 1,
      });
      return {
        error_code: 0,
        result: { stok, start_seq: 1, expired: expiresSeconds, dev_confirm: b64(randomBytes(32)) },
      };
    }
    const ctx = contextHash(pending.userRandom, pending.devRandom);
    const encodings = this.lenient ? (['fixed', 'kasa'] as const) : (['fixed'] as const);
    for (const enc of encodings) {
      const w0b = w0Encoding(this.w0, enc);
      if (enc === 'kasa' && w0b.equals(scalarBytes(this.w0))) {
        break; // same bytes as the fixed form: nothing else to try
      }
      const k = confirmations(transcript(ctx, X, pending.Y, shared.Z, shared.V, w0b), X, pending.Y);
      if (macEqual(confirm, k.userConfirm)) {
        // start_seq: random, below 2^27 as seen on cameras.
        const startSeq = 1 + Math.floor(Math.random() * (2 ** 27 - 1));
        const { stok, expiresSeconds } = this.hooks.succeeded({ keys: channelKeys(k.kShared), nextSeq: startSeq });
        return {
          error_code: 0,
          result: { stok, start_seq: startSeq, expired: expiresSeconds, dev_confirm: b64(k.devConfirm) },
        };
      }
    }
    return this.hooks.failed() ?? { error_code: -40401 };
  }

  /**
   * POST /stok=…/ds of a live session. Returns the binary reply, or a plaintext refusal and
   * whether the session is now dead (§8, §9.2, §11.5).
   */
  ds(channel: TpapChannel, body: Buffer): { reply: Buffer | object; kill: boolean; why?: 'seq' | 'tag' } {
    if (body.length < 20) {
      return { reply: { error_code: -40401 }, kill: true, why: 'tag' };
    }
    const seq = body.readUInt32BE(0);
    if ((seq - channel.nextSeq) >>> 0 >= this.window) {
      return { reply: { error_code: -40401 }, kill: true, why: 'seq' };
    }
    const opened = open(channel.keys, body);
    if (!opened) {
      return { reply: { error_code: -40401 }, kill: true, why: 'tag' };
    }
    channel.nextSeq = (seq + 1) >>> 0;
    let json: unknown;
    try {
      json = JSON.parse(opened.plaintext.toString('utf8'));
    } catch {
      return { reply: { error_code: -40209 }, kill: false };
    }
    if ((json as { method?: unknown })?.method !== 'multipleRequest') {
      return { reply: { error_code: -40209 }, kill: false };
    }
    const answer = this.hooks.dispatch(json);
    return { reply: seal(channel.keys, seq, Buffer.from(JSON.stringify(answer), 'utf8')), kill: false };
  }
}
