/**
 * The camera client's contract: options, persisted per-camera state and the typed values its
 * methods return. Colleagues (fleet, http, grafana) code against this file; `client.ts` implements it.
 */
import type { TapoErrorKind } from './errors.ts';
import type { EventKind } from '../../../src/shared/query.ts';

/** legacy: hashed password; secure: encrypt_type 3 + securePassthrough; tpap: login version 4 (SPAKE2+, AES-CCM). */
export type LoginFlow = 'secure' | 'legacy' | 'tpap';

/** What the client remembers about one camera across restarts. */
export interface CameraState {
  /** SHA-256 of the camera's certificate (uppercase hex, colon-free), pinned at the first successful login. */
  fingerprint?: string;
  /** The login flow the camera answered with last time. */
  loginFlow?: LoginFlow;
  /** Epoch ms until which the camera suspended logins (-40404); no call is made before it. */
  lockedUntil?: number;
  /** TPAP cameras: the credential form that worked ('md5', 'sha256+password_shadow/5', …); no secret. */
  tpapForm?: string;
  /**
   * TPAP cameras: which verifier `tpapForm` worked on (a digest of the register answer's public
   * salt, iterations and extra_crypt). While the camera answers with it, only that form is sent.
   */
  tpapVerifier?: string;
  /**
   * Tags (keyed HMAC, see credential-memory.ts) of every password, and every login v4 passcode
   * form of a password, the camera refused; never sent again. Newest last, bounded.
   */
  refusedCredentials?: string[];
  /**
   * When each refused login was sent (epoch ms, oldest first, bounded): the failed-login budget's
   * window (login-budget.ts). Per camera, whatever the password; a successful login clears it.
   */
  loginFailures?: number[];
  /** The camera's own count of login attempts left, and when it said so (epoch ms). */
  cameraAttemptsLeft?: { attempts: number; at: number };
}

/** Persists CameraState per camera key (`host:port`). Implementations: MemoryStateStore, FileStateStore. */
export interface ClientStateStore {
  get(key: string): CameraState | undefined;
  /** Merge `patch` into the stored state; a field set to undefined is removed. */
  update(key: string, patch: Partial<CameraState>): void;
  /** Tags credentials for `refusedCredentials`; without it, refusals are remembered per client only. */
  credentialTag?(cameraKey: string, username: string, password: string, form?: string): string;
}

export interface TapoClientOptions {
  host: string;
  /** Default 443. */
  port?: number;
  /** Default 'admin' (the local API user; the password is the owner's cloud password). */
  username?: string;
  password: string;
  /** Per-request timeout, default 5000 ms. */
  timeoutMs?: number;
  /** Expected certificate SHA-256 (hex, any case, colons allowed). Overrides the stored pin. */
  pinnedFingerprint?: string;
  /** Called once when a fingerprint is pinned at the first successful login (trust on first use). */
  onFingerprint?: (sha256: string) => void;
  /** Where fingerprint, login flow and lockout are remembered. Default: a private MemoryStateStore. */
  stateStore?: ClientStateStore;
  /** Max sockets in the per-camera keep-alive pool (1..2, default 1). */
  maxSockets?: number;
  /** The clock the lockout and the failed-login budget are kept by (epoch ms); default Date.now (tests inject one). */
  now?: () => number;
}

/** A sub-request the camera does not have on this model/firmware. */
export interface NotSupported {
  notSupported: true;
  code: number;
}

export function isNotSupported(v: unknown): v is NotSupported {
  return typeof v === 'object' && v !== null && (v as { notSupported?: unknown }).notSupported === true;
}

export interface DeviceInfo {
  model: string;
  alias: string;
  firmware: string;
  hardwareVersion: string;
  mac: string;
  deviceId: string;
  deviceType: string;
  /** Battery models only; null on wired cameras. */
  batteryPercent: number | null;
  /** Battery models only (device-reported); null otherwise. */
  uptimeSeconds: number | null;
  /** Battery models only (battery temperature); null otherwise. */
  temperatureC: number | null;
}

export interface ConnectionInfo {
  /** 'wifi' | 'ethernet' (as reported). */
  linkType: string;
  rssiDbm: number | null;
  /** Signal level 0..4 as the camera reports it. */
  signalLevel: number | null;
  /** Decoded from base64; null when absent. */
  ssid: string | null;
}

export interface SdCardInfo {
  /** Camera's status word, e.g. 'normal', 'offline', 'formatting', 'abnormal'. */
  status: string;
  /** A usable card is in the slot ('offline' or 0 B means none). */
  present: boolean;
  /** The card overwrites its oldest footage when full (a full card is then normal); null when not reported. */
  loopRecording: boolean | null;
  totalBytes: number;
  freeBytes: number;
  usedBytes: number;
}

/** getFirmwareUpdateStatus: `state` 'normal' when no upgrade runs; whether the last upgrade failed. */
export interface FirmwareUpdate {
  state: string;
  lastUpgradeFailed: boolean | null;
}

export interface LastAlarm {
  /** Epoch ms. */
  time: number;
  /** e.g. 'motion', 'person'. */
  type: string;
}

export interface ClockInfo {
  /** Camera's clock, epoch ms. */
  time: number;
  /** Camera's local time string, 'YYYY-MM-DD hh:mm:ss'. */
  localTime: string | null;
}

export interface TimezoneInfo {
  timezone: string | null;
  zoneId: string | null;
  timingMode: string | null;
}

export interface Preset {
  id: string;
  name: string;
}

/** The parts one poll gathers; `CameraPoll.parts` says how each went. */
export type PollPart =
  | 'deviceInfo'
  | 'connection'
  | 'motionDetection'
  | 'personDetection'
  | 'privacyMode'
  | 'led'
  | 'sdCard'
  | 'lastAlarm'
  | 'recordPlan'
  | 'components'
  | 'firmwareUpdate';

/** 'ok', not supported by this model (code kept), or failed for another reason (kind + code). */
export type PartStatus = 'ok' | NotSupported | { error: TapoErrorKind; code?: number };

/** One poll: a single multipleRequest. Null means "not reported / not supported", never a guess. */
export interface CameraPoll {
  deviceInfo: {
    model: string;
    alias: string;
    firmware: string;
    hardwareVersion: string;
    mac: string;
    deviceId: string;
    deviceType: string;
    batteryPercent: number | null;
  };
  connection: ConnectionInfo | null;
  motionDetectionEnabled: boolean | null;
  personDetectionEnabled: boolean | null;
  privacyMode: boolean | null;
  /** The LED's mode word: 'on', 'off' or 'auto'; null when not reported. */
  led: string | null;
  sdCard: SdCardInfo | null;
  /** getAppComponentList, name → version: what the camera says it can do; null when not reported. */
  components: Record<string, number> | null;
  firmwareUpdate: FirmwareUpdate | null;
  lastAlarm: LastAlarm | null;
  /** 'off' | 'scheduled' from the record plan; null when not reported. */
  recordingMode: string | null;
  /** Device-reported (battery models); null on wired cameras. */
  uptimeSeconds: number | null;
  /** Device-reported (battery models); null on wired cameras. */
  temperatureC: number | null;
  /** Round trip of the poll request, ms. */
  latencyMs: number;
  /** The login flow of the session the poll went over. */
  login?: LoginFlow;
  /** How each part went; a not-supported part never fails the poll. */
  parts: Record<PollPart, PartStatus>;
  /** The smart detections the camera has, each on or off (read every few minutes); absent when not read. */
  detections?: Partial<Record<EventKind, boolean>> | null;
}

/** A raw sub-request/sub-response of multipleRequest. */
export interface SubRequest {
  method: string;
  params: unknown;
}
export interface SubResponse {
  method: string;
  errorCode: number;
  result: unknown;
}
