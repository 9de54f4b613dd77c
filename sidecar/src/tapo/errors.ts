/**
 * The camera client's one error type. `kind` is what callers branch on; `code` keeps the camera's
 * own error_code. Messages are built from words and numbers only — never from passwords, hashes,
 * tokens, keys or anything derived from nonces — so they are safe to log and to show to users.
 */
export type TapoErrorKind =
  | 'network'
  | 'timeout'
  | 'tls_mismatch'
  | 'auth_failed'
  | 'locked_out'
  | 'login_paused'
  | 'not_supported'
  | 'protocol'
  | 'unsupported_login';

export interface TapoErrorOptions {
  /** The camera's error_code, when it gave one. */
  code?: number;
  /** For locked_out: seconds until the camera accepts logins again; login_paused: until the sidecar risks one. */
  secondsLeft?: number;
  /** The API method the error belongs to (e.g. getDeviceInfo). */
  method?: string;
  /** HTTP status, when the error came from one. */
  httpStatus?: number;
}

export class TapoError extends Error {
  readonly kind: TapoErrorKind;
  readonly code?: number;
  readonly secondsLeft?: number;
  readonly method?: string;
  readonly httpStatus?: number;

  constructor(kind: TapoErrorKind, message: string, opts: TapoErrorOptions = {}) {
    super(message);
    this.name = 'TapoError';
    this.kind = kind;
    if (opts.code !== undefined) {
      this.code = opts.code;
    }
    if (opts.secondsLeft !== undefined) {
      this.secondsLeft = opts.secondsLeft;
    }
    if (opts.method !== undefined) {
      this.method = opts.method;
    }
    if (opts.httpStatus !== undefined) {
      this.httpStatus = opts.httpStatus;
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      code: this.code,
      secondsLeft: this.secondsLeft,
      method: this.method,
    };
  }
}

export function isTapoError(e: unknown): e is TapoError {
  return e instanceof TapoError;
}

/** Known camera error codes, for messages and decisions. */
export const ERROR_CODES = {
  SESSION_INVALID: -40401,
  NONCE_CHALLENGE: -40413,
  BAD_USER: -40411,
  LOCKED: -40404,
  NOT_SUPPORTED_FORMAT: -40210,
  MISSING_PARAMS: -40211,
  INVALID_ARGS: -40209,
  METHOD_UNSUPPORTED: -40105,
  METHOD_UNSUPPORTED_2: -40106,
  RATE_LIMIT: -40109,
  TAG_FAILED: -1,
  PRIVACY_ON: -64324,
  MOTOR_BUSY: -64303,
  PTZ_LIMIT: -64304,
  TOO_MANY_CLIENTS: -52407,
  TOO_MANY_CLIENTS_2: -52419,
} as const;

/** Codes that mean "this model/firmware does not have that method". */
export const NOT_SUPPORTED_CODES: ReadonlySet<number> = new Set([-40210, -40105, -40106]);

const CODE_WORDS: Record<number, string> = {
  [-40401]: 'session invalid',
  [-40413]: 'nonce challenge / bad hash',
  [-40411]: 'bad user name',
  [-40404]: 'logins suspended',
  [-40210]: 'function not supported',
  [-40211]: 'missing parameters',
  [-40209]: 'invalid arguments',
  [-40105]: 'method not supported',
  [-40106]: 'method not supported',
  [-40109]: 'repeated within one second',
  [-1]: 'tag check failed',
  [-64324]: 'privacy mode is on',
  [-64303]: 'motor busy',
  [-64304]: 'pan/tilt limit reached',
  [-52407]: 'too many clients',
  [-52419]: 'too many clients',
};

export function describeCode(code: number): string {
  return CODE_WORDS[code] ?? 'camera error';
}
