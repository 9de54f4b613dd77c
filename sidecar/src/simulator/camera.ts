/**
 * A simulated Tapo camera: the device side of the local API over HTTPS with a self-signed
 * certificate — both login flows, securePassthrough with Seq/Tapo_tag checks, the suspension after
 * failed logins, 401 for parallel requests, token expiry and runtime fault injection.
 * Used by tests, benchmarks and the demo fleet; the client never imports it.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import {
  deviceConfirm,
  digestPasswd,
  deriveKeys,
  encrypt,
  decrypt,
  makeNonce,
  md5Upper,
  passwordHash,
  safeEqual,
  tagPrefix,
  tapoTag,
  type HashAlgo,
  type SessionKeys,
} from '../tapo/crypto.ts';
import { readLimitedBody } from './body.ts';
import { certificate, type CertPair } from './certs.ts';
import { PROFILES, type ModelId, type ModelProfile } from './profiles.ts';
import { DeviceState, type MethodAnswer } from './device.ts';
import { SIM_LAST_ALARM_TYPES, SIM_RECORDED_EVENT_CODES, type CameraDetectionKind } from './detections.ts';
import type { EventKind } from '../../../src/shared/query.ts';
import { Prng, hashString } from './prng.ts';
import { TpapDevice, type TpapChannel, type TpapDeviceOptions } from './tpap/tpap-device.ts';
import { TPAP_FIRMWARE, tpapProfile, type TpapFirmwareId } from './tpap/firmware.ts';

export type SimLoginFlow = 'secure' | 'legacy' | 'tpap';

export interface CameraFaults {
  /** Accept TCP connections and drop them at once (the camera is unreachable). */
  offline?: boolean;
  /** Delay every answer by this many ms. */
  slowMs?: number;
  /** Read the request, then close the connection without answering. */
  dropConnections?: boolean;
  /** Answer every request with bytes that are not JSON. */
  garbageJson?: boolean;
  /** Present a different certificate (an impostor, or a reset camera). */
  wrongCertificate?: boolean;
  /** Invalidate every session issued so far (one-shot; reads back false afterwards). */
  expireTokens?: boolean;
  /** How an invalid secure session is answered: error code -40401 (default) or HTTP 500. */
  sessionExpiryAnswer?: 'code' | 'http500';
  /** TPAP: pose as the camera without its verifier (any share "succeeds", dev_confirm is random). */
  tpapImpostor?: boolean;
}

export interface MotionEventInfo {
  kind: EventKind;
  /** Epoch ms. */
  start: number;
  /** Epoch ms; null while the event is ongoing. */
  end: number | null;
}

/** Another device behind the same login and transport (the simulated hub answers through this). */
export interface SimulatedApi {
  call(method: string, params: unknown): MethodAnswer;
  /** The order a multipleRequest's answers go out in (hubs may answer out of order). */
  reorder?<T>(items: T[]): T[];
}

export interface SimulatedCameraOptions {
  /** Answer the API with this instead of the camera's own methods (login, TLS and faults stay). */
  api?: SimulatedApi;
  name?: string;
  model?: ModelId;
  /** A whole profile (e.g. one of profiles/'s real devices); wins over `model`. */
  profile?: ModelProfile;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  loginFlow?: SimLoginFlow;
  hashAlgo?: HashAlgo;
  /** The local API password (the owner's cloud password). */
  cloudPassword?: string;
  /** The camera account (RTSP/ONVIF). */
  cameraAccount?: { username: string; password: string };
  /** Failed credential attempts before logins are suspended (default 5). */
  maxFailedLogins?: number;
  /** Suspension length in seconds (default 1800). */
  lockoutSeconds?: number;
  /**
   * TPAP: a wrong credential is answered with the app's login error model,
   * `error_info {failedAttempts, remainAttempts}` (fact sheet §4.2, §10: possible, not seen live),
   * instead of a bare -40401. Secure logins always carry V3's `time`/`max_time` counters.
   */
  attemptsInTpapFailures?: boolean;
  /** Sessions expire this long after login (default: never). */
  tokenTtlMs?: number;
  /** Random motion bursts with this mean interval. */
  autoMotion?: { meanIntervalMs: number };
  /** How long a triggered motion event lasts (default 5000 ms). */
  motionDurationMs?: number;
  /**
   * Firmware on a login nobody speaks yet: discover advertises TPAP, but every login request,
   * TPAP's included, is refused with -40211 (clients must say they cannot log in).
   */
  tpapOnly?: boolean;
  /** A 2026 firmware build on TPAP (model, firmware string, verifier form and extra_crypt). */
  firmware?: TpapFirmwareId;
  /** TPAP device settings (passcode form, extra_crypt, seq window); default: the firmware's, else MD5. */
  tpap?: TpapDeviceOptions;
  /** Certificate slot (cameras sharing a slot share a certificate). Default derived from the name. */
  certSlot?: string;
  seed?: number;
}

export interface CameraStats {
  /** Every login-method request (probe, discover, credential). */
  loginRequests: number;
  /** Login requests that carried a credential (digest_passwd or hashed password). */
  credentialAttempts: number;
  failedCredentialAttempts: number;
  successfulLogins: number;
  /** Login requests answered with the suspension. */
  lockedAnswers: number;
  /** Requests to /stok=…/ds. */
  apiRequests: number;
  parallelRejected: number;
  tagFailures: number;
  expiredSessionAnswers: number;
  /** TPAP requests refused for a sequence number outside the window (replays included). */
  seqRejected: number;
}

interface SessionRec {
  flow: SimLoginFlow;
  created: number;
  keys?: SessionKeys;
  prefix?: string;
  nextSeq: number;
  /** TPAP: the AES-CCM keys and expected seq. */
  channel?: TpapChannel;
}

const MAX_BODY = 256 * 1024;
const MAX_SESSIONS = 16;

function newStats(): CameraStats {
  return {
    loginRequests: 0,
    credentialAttempts: 0,
    failedCredentialAttempts: 0,
    successfulLogins: 0,
    lockedAnswers: 0,
    apiRequests: 0,
    parallelRejected: 0,
    tagFailures: 0,
    expiredSessionAnswers: 0,
    seqRejected: 0,
  };
}

export class SimulatedCamera {
  readonly name: string;
  readonly model: string;
  readonly profile: ModelProfile;
  readonly host: string;
  private flow: SimLoginFlow;
  private tpap: TpapDevice | null = null;
  readonly hashAlgo: HashAlgo;
  readonly cloudPassword: string;
  readonly cameraAccount: { username: string; password: string };
  readonly ptz: boolean;
  readonly events = new EventEmitter();
  readonly device: DeviceState;
  stats: CameraStats = newStats();
  private portNo = 0;
  private readonly server: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sessions = new Map<string, SessionRec>();
  private readonly challenges = new Map<string, string>(); // cnonce -> nonce
  private faults: CameraFaults = {};
  private inFlight = 0;
  private failedLogins = 0;
  private lockedUntil = 0;
  private readonly cert: CertPair;
  private readonly impostor: CertPair;
  private readonly prng: Prng;
  private autoMotionTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private readonly opts: SimulatedCameraOptions) {
    this.name = opts.name ?? 'Sim Camera';
    this.profile = opts.firmware ? tpapProfile(opts.firmware) : (opts.profile ?? PROFILES[opts.model ?? 'C210']);
    this.model = this.profile.model;
    this.host = opts.host ?? '127.0.0.1';
    this.flow = opts.loginFlow ?? this.profile.defaultLoginFlow;
    this.hashAlgo = opts.hashAlgo ?? this.profile.defaultHashAlgo;
    this.cloudPassword = opts.cloudPassword ?? 'CloudPass123';
    this.cameraAccount = opts.cameraAccount ?? { username: 'camuser', password: 'CamPass456' };
    this.ptz = this.profile.ptz;
    const seed = opts.seed ?? hashString(this.name);
    this.prng = new Prng(seed);
    this.device = new DeviceState(this.profile, this.name, seed);
    this.device.onReboot = () => this.sessions.clear();
    this.cert = certificate(opts.certSlot ?? `device-${hashString(this.name) % 4}`);
    this.impostor = certificate('impostor');
    this.setupTpap();
    this.server = https.createServer(
      { key: this.cert.key, cert: this.cert.cert, keepAliveTimeout: 30_000 },
      (req, res) => this.onRequest(req, res)
    );
    this.server.on('connection', (s: Socket) => {
      if (this.faults.offline) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // Clients that speak plain HTTP or give up mid-handshake are not our problem.
    this.server.on('tlsClientError', () => {});
  }

  static async start(opts: SimulatedCameraOptions = {}): Promise<SimulatedCamera> {
    const cam = new SimulatedCamera(opts);
    await new Promise<void>((resolve, reject) => {
      cam.server.once('error', reject);
      cam.server.listen(opts.port ?? 0, cam.host, () => {
        cam.server.off('error', reject);
        resolve();
      });
    });
    const addr = cam.server.address();
    cam.portNo = typeof addr === 'object' && addr ? addr.port : 0;
    if (opts.autoMotion) {
      cam.startAutoMotion(opts.autoMotion.meanIntervalMs);
    }
    return cam;
  }

  get port(): number {
    return this.portNo;
  }

  /** The login flow the firmware speaks now. */
  get loginFlow(): SimLoginFlow {
    return this.flow;
  }

  /** TPAP: the passcode form the camera's verifier was made from. */
  get tpapPasscode(): 'md5' | 'sha256' {
    return this.tpapOptions().passcode ?? 'md5';
  }

  /**
   * A firmware update that changes the login (e.g. to TPAP): sessions end, the verifier is made
   * afresh, suspensions and counters stay.
   */
  updateFirmware(flow: SimLoginFlow, tpap?: TpapDeviceOptions): void {
    this.flow = flow;
    if (tpap) {
      this.opts.tpap = tpap;
    }
    this.sessions.clear();
    this.challenges.clear();
    this.setupTpap();
  }

  private tpapOptions(): TpapDeviceOptions {
    return this.opts.tpap ?? (this.opts.firmware ? TPAP_FIRMWARE[this.opts.firmware].tpap : {});
  }

  private setupTpap(): void {
    this.tpap =
      this.flow !== 'tpap'
        ? null
        : new TpapDevice(
            this.cloudPassword,
            {
              mac: () => this.device.mac,
              credentialAttempt: () => this.stats.credentialAttempts++,
              failed: () => this.failedAttempt() ?? this.tpapFailure(),
              succeeded: (channel) => {
                this.failedLogins = 0;
                const stok = this.newSession({ flow: 'tpap', channel, nextSeq: channel.nextSeq });
                const ttl = this.opts.tokenTtlMs;
                return { stok, expiresSeconds: ttl === undefined ? 3600 : Math.max(1, Math.ceil(ttl / 1000)) };
              },
              dispatch: (json) => this.dispatch(json),
            },
            this.tpapOptions()
          );
    if (this.tpap) {
      this.tpap.impostor = !!this.faults.tpapImpostor;
    }
  }

  /** SHA-256 of the certificate currently presented (uppercase hex, no colons). */
  get fingerprint(): string {
    return this.faults.wrongCertificate ? this.impostor.fingerprint : this.cert.fingerprint;
  }

  get isLocked(): boolean {
    return Date.now() < this.lockedUntil;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Change faults at runtime; omitted keys keep their value. */
  setFault(f: CameraFaults): void {
    const wasWrong = !!this.faults.wrongCertificate;
    this.faults = { ...this.faults, ...f };
    if (f.expireTokens) {
      this.sessions.clear();
      this.faults.expireTokens = false;
    }
    if (!!this.faults.wrongCertificate !== wasWrong) {
      const pair = this.faults.wrongCertificate ? this.impostor : this.cert;
      this.server.setSecureContext({ key: pair.key, cert: pair.cert });
      this.dropSockets();
    }
    if (this.tpap) {
      this.tpap.impostor = !!this.faults.tpapImpostor;
    }
    if (f.offline || f.dropConnections) {
      this.dropSockets();
    }
  }

  clearFaults(): void {
    this.setFault({
      offline: false,
      slowMs: 0,
      dropConnections: false,
      garbageJson: false,
      wrongCertificate: false,
      sessionExpiryAnswer: 'code',
      tpapImpostor: false,
    });
  }

  get currentFaults(): Readonly<CameraFaults> {
    return { ...this.faults };
  }

  resetStats(): void {
    this.stats = newStats();
  }

  /** Lift a suspension and forget failed attempts (tests). */
  unlock(): void {
    this.lockedUntil = 0;
    this.failedLogins = 0;
  }

  /** Start an event of any detection kind now (ONVIF where it has a topic, and the last alarm); it ends after motionDurationMs. */
  triggerMotion(kind: CameraDetectionKind = 'motion'): MotionEventInfo {
    const start = Date.now();
    this.device.lastAlarm = { time: start, type: SIM_LAST_ALARM_TYPES[kind] };
    const ev: MotionEventInfo = { kind, start, end: null };
    this.events.emit('motion', ev);
    this.later(this.opts.motionDurationMs ?? 5000, () => {
      const end = Date.now();
      // Detection recording: the clip is on the card (and its searches) once the event is over.
      const code = SIM_RECORDED_EVENT_CODES[kind];
      this.device.card.recordDetection({
        start: Math.floor(start / 1000),
        end: Math.floor(end / 1000),
        videoType: 2,
        events: code === 2 ? [2] : [2, code],
      });
      this.events.emit('motion', { kind, start, end } satisfies MotionEventInfo);
    });
    return ev;
  }

  private startAutoMotion(meanMs: number): void {
    const schedule = () => {
      this.autoMotionTimer = setTimeout(
        () => {
          if (this.closed) {
            return;
          }
          if (this.device.motionDetection && !this.device.privacyMode) {
            // Motion and people only: clients of the standalone simulator (the conformance
            // harness) count on those two; other kinds come from triggerMotion(kind) and the demo.
            this.triggerMotion(this.device.personDetection && this.prng.next() < 0.3 ? 'person' : 'motion');
          }
          schedule();
        },
        Math.max(50, this.prng.exp(meanMs))
      );
      this.autoMotionTimer.unref();
    };
    schedule();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private dropSockets(): void {
    for (const s of this.sockets) {
      s.destroy();
    }
    this.sockets.clear();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.autoMotionTimer) {
      clearTimeout(this.autoMotionTimer);
    }
    for (const t of this.timers) {
      clearTimeout(t);
    }
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropSockets();
    this.server.closeAllConnections?.();
    await done;
    this.events.removeAllListeners();
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.inFlight > 0) {
      // Real cameras refuse a second request while one is being handled.
      this.stats.parallelRejected++;
      req.resume();
      this.send(res, 401, { error_code: -40401, result: { data: { code: -40401 } } }, true);
      return;
    }
    this.inFlight++;
    this.events.emit('request', { url: req.url ?? '' });
    let finished = false;
    const finish = () => {
      if (!finished) {
        finished = true;
        this.inFlight--;
      }
    };
    res.on('close', finish);
    res.on('finish', finish);

    readLimitedBody(
      req,
      MAX_BODY,
      (body) => {
        const respond = () => {
          if (this.closed) {
            return void res.destroy();
          }
          if (this.faults.dropConnections) {
            req.socket.destroy();
            finish();
            return;
          }
          if (this.faults.garbageJson) {
            const junk = Buffer.concat([
              Buffer.from('{"error_code":0,"result":{'),
              this.prng.bytes(this.prng.int(1, 64)),
            ]);
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(junk);
            return;
          }
          try {
            this.route(req, res, body);
          } catch {
            this.send(res, 500, { error_code: -40210 });
          }
        };
        const slow = this.faults.slowMs ?? 0;
        if (slow > 0) {
          this.later(slow, respond);
        } else {
          respond();
        }
      },
      finish
    );
    req.on('error', finish);
  }

  private send(res: ServerResponse, status: number, obj: unknown, close = false): void {
    const text = JSON.stringify(obj);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(text),
      ...(close ? { Connection: 'close' } : {}),
    });
    res.end(text);
  }

  private route(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    if (req.method !== 'POST') {
      return this.send(res, 405, { error_code: -40210 });
    }
    if (this.tpap && req.url !== '/' && req.url !== '') {
      return this.tpapDs(req, res, raw);
    }
    const body = raw.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return this.send(res, 200, { error_code: -40210 });
    }
    const url = req.url ?? '/';
    if (url === '/' || url === '') {
      return this.send(res, 200, this.login(json));
    }
    const m = /^\/stok=([^/]+)\/ds$/.exec(url);
    if (!m) {
      return this.send(res, 404, { error_code: -40210 });
    }
    this.stats.apiRequests++;
    const stok = decodeURIComponent(m[1]!);
    const s = this.sessions.get(stok);
    if (!s || (this.opts.tokenTtlMs !== undefined && Date.now() - s.created >= this.opts.tokenTtlMs)) {
      this.sessions.delete(stok);
      this.stats.expiredSessionAnswers++;
      if (this.loginFlow === 'secure' && this.faults.sessionExpiryAnswer === 'http500') {
        return this.send(res, 500, { error_code: -40401 });
      }
      return this.send(res, 200, { error_code: -40401 });
    }
    if (s.flow === 'legacy') {
      return this.send(res, 200, this.dispatch(json));
    }
    return this.send(res, 200, this.passthrough(s, req, body, json));
  }

  /** TPAP's binary channel: the session's seq window and AES-CCM, refusals in plaintext JSON (§8). */
  private tpapDs(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const m = /^\/stok=([^/]+)\/ds$/.exec(req.url ?? '');
    if (!m) {
      return this.send(res, 404, { error_code: -40210 });
    }
    this.stats.apiRequests++;
    const stok = m[1]!;
    const s = this.sessions.get(stok);
    if (!s?.channel || (this.opts.tokenTtlMs !== undefined && Date.now() - s.created >= this.opts.tokenTtlMs)) {
      this.sessions.delete(stok);
      this.stats.expiredSessionAnswers++;
      return this.send(res, 200, { error_code: -40401 });
    }
    const out = this.tpap!.ds(s.channel, raw);
    if (out.kill) {
      // A replayed/out-of-window seq or a body that does not open ends the session (§9.2).
      this.sessions.delete(stok);
      if (out.why === 'seq') {
        this.stats.seqRejected++;
      } else {
        this.stats.tagFailures++;
      }
    }
    if (!Buffer.isBuffer(out.reply)) {
      return this.send(res, 200, out.reply);
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': out.reply.length });
    res.end(out.reply);
  }

  private passthrough(s: SessionRec, req: IncomingMessage, body: string, json: unknown): unknown {
    const seq = Number(req.headers['seq']);
    const tag = req.headers['tapo_tag'];
    if (
      !Number.isSafeInteger(seq) ||
      typeof tag !== 'string' ||
      seq < s.nextSeq ||
      !safeEqual(tag, tapoTag(s.prefix!, body, seq))
    ) {
      this.stats.tagFailures++;
      return { error_code: -1 };
    }
    s.nextSeq = seq + 1;
    const o = json as { method?: unknown; params?: { request?: unknown } };
    if (o?.method !== 'securePassthrough' || typeof o.params?.request !== 'string') {
      return { error_code: -40210 };
    }
    let inner: unknown;
    try {
      inner = JSON.parse(decrypt(s.keys!, Buffer.from(o.params.request, 'base64')).toString('utf8'));
    } catch {
      return { error_code: -1 };
    }
    const answer = this.dispatch(inner);
    return {
      seq,
      result: { response: encrypt(s.keys!, Buffer.from(JSON.stringify(answer), 'utf8')).toString('base64') },
      error_code: 0,
    };
  }

  private call(method: string, params: unknown): MethodAnswer {
    return this.opts.api ? this.opts.api.call(method, params) : this.device.call(method, params);
  }

  private dispatch(reqJson: unknown): unknown {
    const r = reqJson as { method?: unknown; params?: unknown };
    if (typeof r?.method !== 'string') {
      return { error_code: -40210 };
    }
    if (r.method === 'multipleRequest') {
      const list = (r.params as { requests?: unknown })?.requests;
      if (!Array.isArray(list) || list.length > 64) {
        return { error_code: -40209 };
      }
      const responses = list.map((sub: unknown) => {
        const x = sub as { method?: unknown; params?: unknown };
        const method = typeof x?.method === 'string' ? x.method : '';
        const a = this.call(method, x?.params);
        return a.error_code === 0
          ? { method, result: a.result ?? {}, error_code: 0 }
          : { method, result: {}, error_code: a.error_code };
      });
      return { result: { responses: this.opts.api?.reorder?.(responses) ?? responses }, error_code: 0 };
    }
    const a = this.call(r.method, r.params);
    return a.error_code === 0 ? { result: a.result ?? {}, error_code: 0 } : { error_code: a.error_code };
  }

  // ---- login ---------------------------------------------------------------------------------

  private lockedAnswer(): unknown {
    const secLeft = Math.max(1, Math.ceil((this.lockedUntil - Date.now()) / 1000));
    const max = this.opts.maxFailedLogins ?? 5;
    this.stats.lockedAnswers++;
    if (this.flow === 'tpap') {
      // The app's TPAP login error model (§10): minutes, not seconds.
      return {
        error_code: -40404,
        error_info: { failedAttempts: max, lockedMinute: Math.ceil(secLeft / 60), remainAttempts: 0 },
      };
    }
    return {
      error_code: -40404,
      result: { data: { code: -40404, time: 0, max_time: max, sec_left: secLeft } },
      data: { code: -40404, sec_left: secLeft },
    };
  }

  private failedAttempt(): unknown {
    this.stats.failedCredentialAttempts++;
    this.failedLogins++;
    const max = this.opts.maxFailedLogins ?? 5;
    if (this.failedLogins >= max) {
      this.lockedUntil = Date.now() + (this.opts.lockoutSeconds ?? 1800) * 1000;
      this.failedLogins = 0;
      this.events.emit('locked', { until: this.lockedUntil });
      this.scheduleUnlockEvent();
      return this.lockedAnswer();
    }
    return null;
  }

  /** A TPAP wrong-credential answer with the attempts left, when the option asks for one (else the bare -40401). */
  private tpapFailure(): unknown {
    if (!this.opts.attemptsInTpapFailures) {
      return null;
    }
    const max = this.opts.maxFailedLogins ?? 5;
    return {
      error_code: -40401,
      error_info: { failedAttempts: this.failedLogins, lockedMinute: 0, remainAttempts: max - this.failedLogins },
    };
  }

  /** Emit 'unlocked' once the suspension has really passed (timers may fire a little early). */
  private scheduleUnlockEvent(): void {
    this.later(Math.max(1, this.lockedUntil - Date.now()), () => {
      if (this.isLocked) {
        this.scheduleUnlockEvent();
      } else {
        this.events.emit('unlocked');
      }
    });
  }

  private newSession(rec: Omit<SessionRec, 'created'>): string {
    const stok = randomBytes(16).toString('hex');
    if (this.sessions.size >= MAX_SESSIONS) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
    this.sessions.set(stok, { ...rec, created: Date.now() });
    this.stats.successfulLogins++;
    this.events.emit('login', { flow: rec.flow });
    return stok;
  }

  private login(json: unknown): unknown {
    const r = json as { method?: unknown; params?: Record<string, unknown> };
    if (r?.method !== 'login' || typeof r.params !== 'object' || r.params === null) {
      return { error_code: -40210 };
    }
    this.stats.loginRequests++;
    const p = r.params;
    if (this.isLocked) {
      return this.lockedAnswer();
    }
    if (this.tpap) {
      return this.tpap.login(p);
    }
    if (this.opts.tpapOnly) {
      return p.sub_method === 'discover'
        ? { error_code: 0, result: { tpap: { pake: [2], port: 4433 } } }
        : { error_code: -40211 };
    }
    if (p.username !== undefined && p.username !== 'admin') {
      return { error_code: -40411, result: { data: { code: -40411 } } };
    }
    return this.loginFlow === 'secure' ? this.secureLogin(p) : this.legacyLogin(p);
  }

  private challengeData(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { code: -40413, encrypt_type: ['3'], key: '', ...extra };
  }

  private secureLogin(p: Record<string, unknown>): unknown {
    const H = passwordHash(this.cloudPassword, this.hashAlgo);
    if (p.sub_method === 'discover') {
      return { error_code: -40413, result: { data: this.challengeData({ nonce: makeNonce() }) } };
    }
    if (p.hashed !== undefined || p.password !== undefined) {
      return { error_code: -40413, result: { data: this.challengeData() } };
    }
    const cnonce = p.cnonce;
    if (p.encrypt_type !== '3' || typeof cnonce !== 'string' || !/^[0-9A-F]{16}$/i.test(cnonce)) {
      return { error_code: -40211 };
    }
    if (typeof p.digest_passwd !== 'string') {
      const nonce = makeNonce();
      if (this.challenges.size > 64) {
        this.challenges.delete(this.challenges.keys().next().value!);
      }
      this.challenges.set(cnonce, nonce);
      // V3 firmware's nonce reply counts the attempts left (time of max_time, fact sheet §10).
      const max = this.opts.maxFailedLogins ?? 5;
      return {
        error_code: -40413,
        result: {
          data: this.challengeData({
            nonce,
            device_confirm: deviceConfirm(cnonce, H, nonce),
            time: max - this.failedLogins,
            max_time: max,
          }),
        },
      };
    }
    this.stats.credentialAttempts++;
    const nonce = this.challenges.get(cnonce);
    this.challenges.delete(cnonce);
    if (!nonce || !safeEqual(p.digest_passwd, digestPasswd(H, cnonce, nonce))) {
      const locked = this.failedAttempt();
      if (locked) {
        return locked;
      }
      const max = this.opts.maxFailedLogins ?? 5;
      return {
        error_code: -40413,
        result: { data: this.challengeData({ time: max - this.failedLogins, max_time: max, sec_left: 0 }) },
      };
    }
    this.failedLogins = 0;
    const startSeq = randomInt(1, 100_000);
    const stok = this.newSession({
      flow: 'secure',
      keys: deriveKeys(cnonce, nonce, H),
      prefix: tagPrefix(H, cnonce),
      nextSeq: startSeq,
    });
    return { error_code: 0, result: { stok, user_group: 'root', start_seq: startSeq } };
  }

  private legacyLogin(p: Record<string, unknown>): unknown {
    if (p.hashed === true && typeof p.password === 'string') {
      this.stats.credentialAttempts++;
      if (!safeEqual(p.password.toUpperCase(), md5Upper(this.cloudPassword))) {
        const locked = this.failedAttempt();
        if (locked) {
          return locked;
        }
        return { error_code: -40401, result: { data: { code: -40401 } } };
      }
      this.failedLogins = 0;
      return { error_code: 0, result: { stok: this.newSession({ flow: 'legacy', nextSeq: 0 }), user_group: 'root' } };
    }
    // Older firmware does not know encrypt_type 3 (nor discover): "log in properly".
    return { error_code: -40401, result: { data: { code: -40401 } } };
  }

  /** One line of JSON describing the camera for other clients. */
  describe(): Record<string, unknown> {
    return {
      name: this.name,
      model: this.model,
      host: this.host,
      port: this.port,
      ptz: this.ptz,
      battery: this.profile.battery,
      loginFlow: this.loginFlow,
      hashAlgo: this.loginFlow === 'secure' ? this.hashAlgo : this.loginFlow === 'tpap' ? this.tpapPasscode : 'md5',
      user: 'admin',
      cloudPassword: this.cloudPassword,
      cameraAccount: this.cameraAccount,
      fingerprint: this.fingerprint,
    };
  }
}
