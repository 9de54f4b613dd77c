/**
 * TapoClient: one camera's local API. Serial requests, session reuse with one re-login + retry,
 * lockout protection (see login.ts) and trust-on-first-use certificate pinning.
 */
import { logger } from '../log.ts';
import { TapoError, NOT_SUPPORTED_CODES, describeCode } from './errors.ts';
import { Transport, normalizeFingerprint } from './transport.ts';
import { SerialQueue } from './queue.ts';
import { login, credentialsRejected } from './login.ts';
import { PasscodeMemory } from './tpap/tpap-login.ts';
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
  /** TPAP passcode forms refused with the current password (each is sent at most once). */
  private readonly passcodes = new PasscodeMemory();
  /** Set when the camera refused these credentials; cleared by resetAuth(). */
  private authFailure: TapoError | null = null;
  private closed = false;
  private readonly log;
  /** Number of logins this client has performed (for tests and metrics). */
  loginCount = 0;

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
    this.log = logger.child({ camera: this.key });
    this.transport = new Transport({
      host: this.host,
      port: this.port,
      timeoutMs: opts.timeoutMs ?? 5000,
      maxSockets: opts.maxSockets ?? 1,
      expectedFingerprint: () => this.fingerprint,
    });
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
    return until !== undefined && until > Date.now() ? until : null;
  }

  get isLockedOut(): boolean {
    return this.lockedUntil !== null;
  }

  /** True after the camera refused the credentials (now or before a restart), until they change. */
  get isAuthFailed(): boolean {
    return this.authFailure?.kind === 'auth_failed' || this.refusedBefore();
  }

  /** Tag of the current credentials in the state store's keyed HMAC, or null without one. */
  private credentialTag(): string | null {
    return this.store.credentialTag?.(this.key, this.username, this.password) ?? null;
  }

  /** The camera refused exactly these credentials before (remembered across restarts). */
  private refusedBefore(): boolean {
    const failed = this.store.get(this.key)?.failedCredential;
    return failed !== undefined && failed === this.credentialTag();
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
    this.passcodes.clear();
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
      const secondsLeft = Math.max(1, Math.ceil((until - Date.now()) / 1000));
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
    this.loginCount++;
    try {
      const state = this.store.get(this.key);
      const res = await login(this.transport, this.username, this.password, {
        flow: state?.loginFlow ?? null,
        tpap: { memory: this.passcodes, preferredForm: state?.tpapForm, origin: `https://${this.host}:${this.port}` },
      });
      if (state?.loginFlow !== undefined && state.loginFlow !== res.session.flow) {
        this.log.warn({ from: state.loginFlow, to: res.session.flow }, 'camera login flow changed');
      }
      if (
        state?.loginFlow !== res.session.flow ||
        state?.lockedUntil !== undefined ||
        state?.tpapForm !== res.tpapForm ||
        state?.failedCredential !== undefined
      ) {
        // Only write when something changed: the file store writes to disk.
        this.store.update(this.key, {
          loginFlow: res.session.flow,
          lockedUntil: undefined,
          tpapForm: res.tpapForm,
          failedCredential: undefined,
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
          this.store.update(this.key, { lockedUntil: Date.now() + secs * 1000 });
          this.log.warn({ secondsLeft: secs }, 'camera suspended logins');
        }
        if (e.kind === 'auth_failed' || credentialsRejected.has(e)) {
          this.authFailure = e;
          const tag = this.credentialTag();
          if (tag !== null) {
            this.store.update(this.key, { failedCredential: tag });
          }
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
      const started = performance.now();
      const subs = await this.sendMultiple(
        s,
        POLL_PARTS.map(([, mk]) => mk())
      );
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      return { ...buildPoll(subs, latencyMs), login: s.flow };
    });
  }
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
