/**
 * TapoClient: one camera's local API. Serial requests, session reuse with one re-login + retry,
 * lockout protection (see login.ts; a few failed logins per camera at most, login-budget.ts) and
 * trust-on-first-use certificate pinning.
 */
import { logger } from '../log.ts';
import { TapoError, NOT_SUPPORTED_CODES, describeCode } from './errors.ts';
import { Transport, normalizeFingerprint } from './transport.ts';
import { SerialQueue } from './queue.ts';
import { login, credentialsRejected } from './login.ts';
import { PasscodeMemory, type PasscodeRefusals } from './tpap/tpap-login.ts';
import { withTag } from './credential-memory.ts';
import { loginPause, pausedError, withFailure, type LoginAttempts } from './login-budget.ts';
import { SessionExpired, type Session } from './session.ts';
import { decodeMultiple, errorCodeOf } from './decode.ts';
import { MemoryStateStore } from './state.ts';
import * as m from './methods.ts';
import type {
  CameraPoll,
  ClientStateStore,
  ClockInfo,
  ConnectionInfo,
  DeviceInfo,
  LastAlarm,
  LoginFlow,
  PartStatus,
  PollPart,
  Preset,
  SdCardInfo,
  SubRequest,
  SubResponse,
  TapoClientOptions,
  TimezoneInfo,
} from './types.ts';
import type { HashAlgo } from './crypto.ts';
import type { EventKind } from '../../../src/shared/query.ts';
import { CONFIGURED_DETECTIONS, decodeDetectionEnabled, detectionRequest } from './detections.ts';

/** How often a poll also reads the smart detections' switches. */
const DETECTIONS_EVERY_MS = 5 * 60_000;

const POLL_PARTS: Array<[PollPart, () => SubRequest]> = [
  ['deviceInfo', m.req.deviceInfo],
  ['connection', m.req.connection],
  ['motionDetection', m.req.motionDetection],
  ['personDetection', m.req.personDetection],
  ['privacyMode', m.req.privacyMode],
  ['led', m.req.led],
  ['sdCard', m.req.sdCard],
  ['lastAlarm', m.req.lastAlarm],
  ['recordPlan', m.req.recordPlan],
  ['components', m.req.components],
  ['firmwareUpdate', m.req.firmwareUpdate],
];

export class TapoClient {
  readonly host: string;
  readonly port: number;
  /** Key of this camera in the state store. */
  readonly key: string;
  private readonly username: string;
  private password: string;
  private readonly store: ClientStateStore;
  private readonly onFingerprint?: (sha256: string) => void;
  private pinnedOverride: string | null;
  private readonly transport: Transport;
  private readonly queue = new SerialQueue();
  private session: Session | null = null;
  private hashAlgo: HashAlgo | null = null;
  /** TPAP passcode forms refused (each is sent at most once): kept as tags in the state store. */
  private readonly passcodes: PasscodeRefusals;
  /** The failed-login budget (login-budget.ts), kept in the state store: per camera, whatever the password. */
  private readonly attempts: LoginAttempts;
  private readonly now: () => number;
  /** Set when the camera refused these credentials; cleared by resetAuth(). */
  private authFailure: TapoError | null = null;
  private closed = false;
  private readonly log;
  /** Number of logins this client has performed (for tests and metrics). */
  loginCount = 0;
  /** The smart detections' switches as last read, and when (see poll). */
  private detectionsKnown: Partial<Record<EventKind, boolean>> | null = null;
  private detectionsAt: number | null = null;

  constructor(opts: TapoClientOptions) {
    if (typeof opts.host !== 'string' || opts.host === '') {
      throw new TapoError('protocol', 'camera host is missing');
    }
    this.host = opts.host;
    this.port = opts.port ?? 443;
    this.key = `${this.host}:${this.port}`;
    this.username = opts.username ?? 'admin';
    this.password = opts.password;
    this.store = opts.stateStore ?? new MemoryStateStore();
    this.onFingerprint = opts.onFingerprint;
    this.pinnedOverride = opts.pinnedFingerprint ? normalizeFingerprint(opts.pinnedFingerprint) : null;
    this.now = opts.now ?? Date.now;
    this.log = logger.child({ camera: this.key });
    this.transport = new Transport({
      host: this.host,
      port: this.port,
      timeoutMs: opts.timeoutMs ?? 5000,
      maxSockets: opts.maxSockets ?? 1,
      expectedFingerprint: () => this.fingerprint,
    });
    this.passcodes = this.store.credentialTag
      ? {
          isRefused: (password, form) => this.isRefused(this.tagOf(password, form)),
          refuse: (password, form) => this.rememberRefused(this.tagOf(password, form)),
        }
      : new PasscodeMemory();
    this.attempts = {
      check: () => {
        const state = this.store.get(this.key);
        const now = this.now();
        const pause = loginPause({ at: state?.loginFailures, cameraLeft: state?.cameraAttemptsLeft }, now);
        if (pause) {
          throw pausedError(pause, now);
        }
      },
      failed: (cameraLeft) => {
        const now = this.now();
        const failures = withFailure(this.store.get(this.key)?.loginFailures, now);
        const left = cameraLeft !== null ? { attempts: cameraLeft, at: now } : undefined;
        this.store.update(this.key, { loginFailures: failures, ...(left ? { cameraAttemptsLeft: left } : {}) });
        const pause = loginPause(
          { at: failures, cameraLeft: left ?? this.store.get(this.key)?.cameraAttemptsLeft },
          now
        );
        if (pause) {
          this.log.warn(
            {
              failures: pause.failures,
              cameraLeft: pause.cameraLeft,
              minutes: Math.ceil((pause.until - now) / 60_000),
            },
            'failed-login budget spent: no login to this camera until the window frees, so it never locks the owner out'
          );
        }
      },
    };
  }

  /** The pinned certificate fingerprint (option, else stored), or null before the first login. */
  get fingerprint(): string | null {
    return this.pinnedOverride ?? this.store.get(this.key)?.fingerprint ?? null;
  }

  /** The login flow the camera answered with (remembered across restarts), or null before one. */
  get loginFlow(): LoginFlow | null {
    return this.store.get(this.key)?.loginFlow ?? null;
  }

  /** Which password hash the secure firmware uses (after a login), or null. */
  get passwordHashAlgo(): HashAlgo | null {
    return this.hashAlgo;
  }

  get lockedUntil(): number | null {
    const until = this.store.get(this.key)?.lockedUntil;
    return until !== undefined && until > this.now() ? until : null;
  }

  get isLockedOut(): boolean {
    return this.lockedUntil !== null;
  }

  /** True after the camera refused the credentials (now or before a restart), until they change. */
  get isAuthFailed(): boolean {
    return this.authFailure?.kind === 'auth_failed' || this.refusedBefore();
  }

  /** Tag of a password (in a login v4 passcode form) in the state store's keyed HMAC, or null without one. */
  private tagOf(password: string, form?: string): string | null {
    return this.store.credentialTag?.(this.key, this.username, password, form) ?? null;
  }

  private isRefused(tag: string | null): boolean {
    return tag !== null && (this.store.get(this.key)?.refusedCredentials?.includes(tag) ?? false);
  }

  /** Remember a refusal (every one, bounded, across restarts): that tag is never sent again. */
  private rememberRefused(tag: string | null): void {
    if (tag !== null && !this.isRefused(tag)) {
      this.store.update(this.key, { refusedCredentials: withTag(this.store.get(this.key)?.refusedCredentials, tag) });
    }
  }

  /** The camera refused exactly these credentials before (remembered across restarts). */
  private refusedBefore(): boolean {
    return this.isRefused(this.tagOf(this.password));
  }

  /** True after the camera asked for a login flow this client does not speak, until resetAuth(). */
  get isLoginUnsupported(): boolean {
    return this.authFailure?.kind === 'unsupported_login';
  }

  /** New credentials (or the user says "try again", e.g. after a firmware change): allow one more login attempt. */
  resetAuth(newPassword?: string): void {
    if (newPassword !== undefined) {
      this.password = newPassword;
    }
    this.authFailure = null;
    this.session = null;
    if (this.passcodes instanceof PasscodeMemory) {
      this.passcodes.clear();
    }
  }

  /** Forget the pinned certificate (user chose to re-pin); the next successful login pins again. */
  repin(fingerprint?: string): void {
    this.pinnedOverride = fingerprint ? normalizeFingerprint(fingerprint) : null;
    this.store.update(this.key, { fingerprint: undefined });
    this.session = null;
  }

  /** Log in now (normally done lazily by the first call). */
  login(): Promise<void> {
    return this.queue.run(async () => {
      this.guard();
      await this.doLogin();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session = null;
    // Let queued work finish failing fast, then free sockets.
    await this.queue.run(async () => undefined);
    this.transport.close();
  }

  /** Fail fast, without touching the camera, when a call could only hurt (lockout, bad password). */
  private guard(): void {
    if (this.closed) {
      throw new TapoError('network', 'client is closed');
    }
    const until = this.lockedUntil;
    if (until !== null) {
      const secondsLeft = Math.max(1, Math.ceil((until - this.now()) / 1000));
      throw new TapoError('locked_out', `camera has suspended logins; waiting ${secondsLeft} s before any call`, {
        code: -40404,
        secondsLeft,
      });
    }
    if (this.authFailure?.kind === 'unsupported_login') {
      throw new TapoError(
        'unsupported_login',
        'camera firmware needs a login this client does not speak; not probing again until reset',
        {
          ...(this.authFailure.code !== undefined ? { code: this.authFailure.code } : {}),
          method: 'login',
        }
      );
    }
    if (!this.authFailure && this.refusedBefore()) {
      throw new TapoError(
        'auth_failed',
        'the camera refused this password before (remembered across restarts); not trying again until it changes',
        { method: 'login' }
      );
    }
    if (this.authFailure) {
      throw new TapoError(
        'auth_failed',
        'the camera refused these credentials earlier; not trying again until the password is changed',
        {
          ...(this.authFailure.code !== undefined ? { code: this.authFailure.code } : {}),
          method: 'login',
        }
      );
    }
  }

  private async doLogin(): Promise<Session> {
    this.session = null;
    // Nothing is sent while the budget is spent: not even a password the camera never saw.
    this.attempts.check();
    this.loginCount++;
    try {
      const state = this.store.get(this.key);
      const res = await login(this.transport, this.username, this.password, {
        flow: state?.loginFlow ?? null,
        attempts: this.attempts,
        tpap: {
          memory: this.passcodes,
          preferredForm: state?.tpapForm,
          preferredVerifier: state?.tpapVerifier,
          origin: `https://${this.host}:${this.port}`,
        },
      });
      if (state?.loginFlow !== undefined && state.loginFlow !== res.session.flow) {
        this.log.warn({ from: state.loginFlow, to: res.session.flow }, 'camera login flow changed');
      }
      if (
        state?.tpapVerifier !== undefined &&
        res.tpapVerifier !== undefined &&
        state.tpapVerifier !== res.tpapVerifier
      ) {
        this.log.info(
          { form: res.tpapForm },
          "camera's login verifier changed (password or firmware); passcode form learnt again"
        );
      }
      if (
        state?.loginFlow !== res.session.flow ||
        state?.lockedUntil !== undefined ||
        state?.tpapForm !== res.tpapForm ||
        state?.tpapVerifier !== res.tpapVerifier ||
        state?.loginFailures !== undefined ||
        state?.cameraAttemptsLeft !== undefined
      ) {
        // Only write when something changed: the file store writes to disk. Refused passwords
        // stay refused after a success: a mistyped one typed again is still never sent.
        this.store.update(this.key, {
          loginFlow: res.session.flow,
          lockedUntil: undefined,
          tpapForm: res.tpapForm,
          tpapVerifier: res.tpapVerifier,
          // A success resets the camera's counter, so the budget starts afresh.
          loginFailures: undefined,
          cameraAttemptsLeft: undefined,
        });
      }
      if (this.fingerprint === null) {
        this.store.update(this.key, { fingerprint: res.fingerprint });
        this.log.info({ fingerprint: res.fingerprint }, 'pinned camera certificate (trust on first use)');
        try {
          this.onFingerprint?.(res.fingerprint);
        } catch (e) {
          this.log.warn({ err: (e as Error)?.message }, 'onFingerprint callback failed');
        }
      }
      this.session = res.session;
      this.hashAlgo = res.hashAlgo;
      this.log.debug({ flow: res.session.flow }, 'logged in');
      return res.session;
    } catch (e) {
      if (e instanceof TapoError) {
        if (e.kind === 'locked_out') {
          const secs = e.secondsLeft ?? 1800;
          this.store.update(this.key, { lockedUntil: this.now() + secs * 1000 });
          this.log.warn({ secondsLeft: secs }, 'camera suspended logins');
        }
        if (e.kind === 'auth_failed' || credentialsRejected.has(e)) {
          this.authFailure = e;
          this.rememberRefused(this.tagOf(this.password));
          this.log.warn({ code: e.code }, 'camera refused the credentials; no further attempts until they change');
        }
        if (e.kind === 'unsupported_login') {
          // A status, not a retry loop: no more probes until resetAuth().
          this.authFailure = e;
          this.log.warn({ code: e.code }, 'camera firmware uses an unsupported login');
        }
      }
      throw e;
    }
  }

  /**
   * Run `fn` with a session: reuse it, or log in; when the camera rejects the session (expired,
   * tag failure, padding error, HTTP 500) log in once more and retry once.
   */
  private exec<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.guard();
      const first = this.session ?? (await this.doLogin());
      try {
        return await fn(first);
      } catch (e) {
        if (!(e instanceof SessionExpired)) {
          throw e;
        }
        this.log.debug({ reason: e.message }, 'session rejected; logging in again');
        this.session = null;
        this.guard();
        const second = await this.doLogin();
        try {
          return await fn(second);
        } catch (e2) {
          if (e2 instanceof SessionExpired) {
            this.session = null;
            throw new TapoError(
              'protocol',
              'camera rejected a fresh session as well; giving up on this call',
              e2.code === undefined ? {} : { code: e2.code }
            );
          }
          throw e2;
        }
      }
    });
  }

  /** One multipleRequest; each entry keeps its own error_code. */
  async multipleRequest(requests: SubRequest[]): Promise<SubResponse[]> {
    return this.exec((s) => this.sendMultiple(s, requests));
  }

  private async sendMultiple(s: Session, requests: SubRequest[]): Promise<SubResponse[]> {
    const reply = await s.call({ method: 'multipleRequest', params: { requests } });
    const code = errorCodeOf(reply);
    if (code !== 0) {
      throw new TapoError('protocol', `multipleRequest failed: ${describeCode(code)} (${code})`, {
        code,
        method: 'multipleRequest',
      });
    }
    const subs = decodeMultiple(
      reply,
      requests.map((r) => r.method)
    );
    // A sub-request saying "session invalid" means the whole session is gone.
    if (subs.some((r) => r.errorCode === -40401)) {
      throw new SessionExpired('session invalid', -40401);
    }
    return subs;
  }

  /** Call one method (wrapped in multipleRequest, as the app does) and decode its result. */
  private async callOne<T>(request: SubRequest, decode: (result: unknown) => T): Promise<T> {
    const [sub] = await this.multipleRequest([request]);
    return decodeSub(sub!, decode);
  }

  getDeviceInfo(): Promise<DeviceInfo> {
    return this.callOne(m.req.deviceInfo(), m.decodeDeviceInfo);
  }
  getConnectionInfo(): Promise<ConnectionInfo> {
    return this.callOne(m.req.connection(), m.decodeConnection);
  }
  getMotionDetection(): Promise<boolean> {
    return this.callOne(m.req.motionDetection(), m.decodeMotionDetection);
  }
  async setMotionDetection(enabled: boolean): Promise<void> {
    return this.callOne(m.req.setMotionDetection(bool(enabled)), (r) => m.decodeAck(r, 'setDetectionConfig'));
  }
  getPersonDetection(): Promise<boolean> {
    return this.callOne(m.req.personDetection(), m.decodePersonDetection);
  }
  async setPersonDetection(enabled: boolean): Promise<void> {
    return this.callOne(m.req.setPersonDetection(bool(enabled)), (r) => m.decodeAck(r, 'setPersonDetectionConfig'));
  }
  getPrivacyMode(): Promise<boolean> {
    return this.callOne(m.req.privacyMode(), m.decodePrivacyMode);
  }
  async setPrivacyMode(enabled: boolean): Promise<void> {
    return this.callOne(m.req.setPrivacyMode(bool(enabled)), (r) => m.decodeAck(r, 'setLensMaskConfig'));
  }
  getLed(): Promise<boolean> {
    return this.callOne(m.req.led(), m.decodeLed);
  }
  async setLed(enabled: boolean): Promise<void> {
    return this.callOne(m.req.setLed(bool(enabled)), (r) => m.decodeAck(r, 'setLedStatus'));
  }
  /** null when the camera reports no card. */
  getSdCard(): Promise<SdCardInfo | null> {
    return this.callOne(m.req.sdCard(), m.decodeSdCard);
  }
  /** null when the camera never alarmed. */
  getLastAlarm(): Promise<LastAlarm | null> {
    return this.callOne(m.req.lastAlarm(), m.decodeLastAlarm);
  }
  getClock(): Promise<ClockInfo> {
    return this.callOne(m.req.clock(), m.decodeClock);
  }
  getTimezone(): Promise<TimezoneInfo> {
    return this.callOne(m.req.timezone(), m.decodeTimezone);
  }
  /** Move one step towards `direction` degrees (0..359). */
  ptzMoveStep(direction: number): Promise<void> {
    if (!Number.isInteger(direction) || direction < 0 || direction > 359) {
      return Promise.reject(
        new TapoError('protocol', 'invalid argument: direction must be an integer 0..359', { method: 'relativeMove' })
      );
    }
    return this.callOne(m.req.ptzMoveStep(direction), (r) => m.decodeAck(r, 'relativeMove'));
  }
  /** Move to absolute motor coordinates. */
  ptzMove(x: number, y: number): Promise<void> {
    if (!Number.isInteger(x) || !Number.isInteger(y) || Math.abs(x) > 10000 || Math.abs(y) > 10000) {
      return Promise.reject(
        new TapoError('protocol', 'invalid argument: x and y must be integers', { method: 'motorMove' })
      );
    }
    return this.callOne(m.req.ptzMove(x, y), (r) => m.decodeAck(r, 'motorMove'));
  }
  getPresets(): Promise<Preset[]> {
    return this.callOne(m.req.presets(), m.decodePresets);
  }
  gotoPreset(id: string): Promise<void> {
    if (typeof id !== 'string' || !/^[\w-]{1,40}$/.test(id)) {
      return Promise.reject(new TapoError('protocol', 'invalid argument: preset id', { method: 'motorMoveToPreset' }));
    }
    return this.callOne(m.req.gotoPreset(id), (r) => m.decodeAck(r, 'motorMoveToPreset'));
  }
  /** Reboot the camera; the session dies with it. */
  async reboot(): Promise<void> {
    await this.callOne(m.req.reboot(), (r) => m.decodeAck(r, 'rebootDevice'));
    this.session = null;
  }

  /** One poll: a single multipleRequest; a part the model lacks never fails the poll. */
  poll(): Promise<CameraPoll> {
    return this.exec(async (s) => {
      // The smart detections' switches change rarely: the same request asks them now and then.
      const withDetections = this.detectionsAt === null || Date.now() - this.detectionsAt >= DETECTIONS_EVERY_MS;
      const started = performance.now();
      const subs = await this.sendMultiple(s, [
        ...POLL_PARTS.map(([, mk]) => mk()),
        ...(withDetections ? CONFIGURED_DETECTIONS.map(detectionRequest) : []),
      ]);
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const poll: CameraPoll = { ...buildPoll(subs.slice(0, POLL_PARTS.length), latencyMs), login: s.flow };
      if (withDetections) {
        this.detectionsKnown = decodeDetections(subs.slice(POLL_PARTS.length));
        this.detectionsAt = Date.now();
      }
      poll.detections = this.detectionsKnown;
      return poll;
    });
  }

  /** Which smart detections the camera has and whether each is on (asked now). */
  detections(): Promise<Partial<Record<EventKind, boolean>>> {
    return this.exec(async (s) =>
      decodeDetections(await this.sendMultiple(s, CONFIGURED_DETECTIONS.map(detectionRequest)))
    );
  }
}

/** The detections the camera answered for; one it lacks (an error code) is left out. */
function decodeDetections(subs: SubResponse[]): Partial<Record<EventKind, boolean>> {
  const out: Partial<Record<EventKind, boolean>> = {};
  CONFIGURED_DETECTIONS.forEach((kind, i) => {
    const sub = subs[i];
    if (sub && sub.errorCode === 0) {
      try {
        out[kind] = decodeDetectionEnabled(kind, sub.result);
      } catch {
        // An answer without the switch says nothing about it.
      }
    }
  });
  return out;
}

function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') {
    throw new TapoError('protocol', 'invalid argument: expected true or false');
  }
  return v;
}

function decodeSub<T>(sub: SubResponse, decode: (result: unknown) => T): T {
  if (sub.errorCode === 0) {
    return decode(sub.result);
  }
  if (NOT_SUPPORTED_CODES.has(sub.errorCode)) {
    throw new TapoError('not_supported', `${sub.method} is not supported by this camera (${sub.errorCode})`, {
      code: sub.errorCode,
      method: sub.method,
    });
  }
  throw new TapoError('protocol', `${sub.method} failed: ${describeCode(sub.errorCode)} (${sub.errorCode})`, {
    code: sub.errorCode,
    method: sub.method,
  });
}

/** Decode one part; failures are recorded in `parts` and the value becomes null. */
function part<T>(
  parts: Record<PollPart, PartStatus>,
  name: PollPart,
  sub: SubResponse,
  decode: (r: unknown) => T
): T | null {
  try {
    const v = decodeSub(sub, decode);
    parts[name] = 'ok';
    return v;
  } catch (e) {
    const err = e instanceof TapoError ? e : new TapoError('protocol', 'decode failed');
    parts[name] =
      err.kind === 'not_supported' && err.code !== undefined
        ? { notSupported: true, code: err.code }
        : { error: err.kind, ...(err.code !== undefined ? { code: err.code } : {}) };
    return null;
  }
}

export function buildPoll(subs: SubResponse[], latencyMs: number): CameraPoll {
  const parts = {} as Record<PollPart, PartStatus>;
  const get = (name: PollPart) => subs[POLL_PARTS.findIndex(([p]) => p === name)]!;
  // Without identity there is no poll: device info failing fails the call.
  const info = decodeSub(get('deviceInfo'), m.decodeDeviceInfo);
  parts.deviceInfo = 'ok';
  const poll: CameraPoll = {
    deviceInfo: {
      model: info.model,
      alias: info.alias,
      firmware: info.firmware,
      hardwareVersion: info.hardwareVersion,
      mac: info.mac,
      deviceId: info.deviceId,
      deviceType: info.deviceType,
      batteryPercent: info.batteryPercent,
    },
    connection: part(parts, 'connection', get('connection'), m.decodeConnection),
    motionDetectionEnabled: part(parts, 'motionDetection', get('motionDetection'), m.decodeMotionDetection),
    personDetectionEnabled: part(parts, 'personDetection', get('personDetection'), m.decodePersonDetection),
    privacyMode: part(parts, 'privacyMode', get('privacyMode'), m.decodePrivacyMode),
    led: part(parts, 'led', get('led'), m.decodeLedMode),
    sdCard: part(parts, 'sdCard', get('sdCard'), m.decodeSdCard),
    components: part(parts, 'components', get('components'), m.decodeComponents),
    firmwareUpdate: part(parts, 'firmwareUpdate', get('firmwareUpdate'), m.decodeFirmwareUpdate),
    lastAlarm: part(parts, 'lastAlarm', get('lastAlarm'), m.decodeLastAlarm),
    recordingMode: part(parts, 'recordPlan', get('recordPlan'), m.decodeRecordingMode),
    uptimeSeconds: info.uptimeSeconds,
    temperatureC: info.temperatureC,
    latencyMs,
    parts,
  };
  return poll;
}
