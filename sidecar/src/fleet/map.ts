/** CameraPoll / TapoError → PollResult: status, figures as reported, errors in words. */
import type { CameraPoll } from '../tapo/types.ts';
import { TapoError } from '../tapo/errors.ts';
import type { CameraStatus, EventKind, PollResult, ProblemReason } from '../model.ts';
import { capabilitiesOf } from '../tapo/capabilities.ts';
import { RECORDING_NO_CARD } from '../../../src/shared/query.ts';
import { isChildPoll, isSensorPoll } from './hub-probe.ts';

const EMPTY: Omit<PollResult, 'cameraId' | 'time' | 'status' | 'error'> = {
  latencyMs: null,
  uptimeSeconds: null,
  firmware: null,
  hardwareVersion: null,
  model: null,
  mac: null,
  rssiDbm: null,
  signalLevel: null,
  motionDetectionEnabled: null,
  personDetectionEnabled: null,
  privacyMode: null,
  recordingMode: null,
  storageUsedBytes: null,
  storageTotalBytes: null,
  sdCardStatus: null,
  temperatureC: null,
};

/** The record plan's word, or "no card" when the slot is empty: a plan without a card records nothing. */
function recordingStatus(p: CameraPoll): string | null {
  return p.sdCard && !p.sdCard.present ? RECORDING_NO_CARD : p.recordingMode;
}

export function pollToResult(cameraId: string, p: CameraPoll, time: number): PollResult {
  const card = p.sdCard?.present ? p.sdCard : null;
  return {
    cameraId,
    time,
    status: 'online',
    error: null,
    latencyMs: finite(p.latencyMs),
    uptimeSeconds: finite(p.uptimeSeconds),
    firmware: p.deviceInfo.firmware || null,
    hardwareVersion: p.deviceInfo.hardwareVersion || null,
    model: p.deviceInfo.model || null,
    mac: p.deviceInfo.mac || null,
    rssiDbm: finite(p.connection?.rssiDbm),
    signalLevel: finite(p.connection?.signalLevel),
    motionDetectionEnabled: p.motionDetectionEnabled,
    personDetectionEnabled: p.personDetectionEnabled,
    privacyMode: p.privacyMode,
    recordingMode: recordingStatus(p),
    // An empty slot ('offline', 0 B) has no storage figures.
    storageUsedBytes: card ? finite(card.usedBytes) : null,
    storageTotalBytes: card ? finite(card.totalBytes) : null,
    sdCardStatus: p.sdCard?.status ?? null,
    temperatureC: finite(p.temperatureC),
    batteryPercent: finite(p.deviceInfo.batteryPercent),
    ...(p.detections ? { detectionsEnabled: p.detections } : {}),
    login: p.login ?? null,
    alias: p.deviceInfo.alias || null,
    linkType: p.connection?.linkType || null,
    ssid: p.connection?.ssid ?? null,
    led: p.led,
    firmwareUpdateState: p.firmwareUpdate?.state ?? null,
    firmwareUpgradeFailed: p.firmwareUpdate?.lastUpgradeFailed ?? null,
    loopRecording: card ? card.loopRecording : null,
    capabilities: capabilitiesOf(p.components),
    ...(isChildPoll(p)
      ? {
          // A battery child in power save is reachable, just not awake: not a fault.
          status: p.sleeping ? ('sleeping' as const) : ('online' as const),
          batteryCharging: p.battery.charging,
          batteryLow: p.battery.lowBattery,
          powerSource: p.battery.powerSource,
          batteryOverheated: p.battery.overheated,
        }
      : {}),
    ...(isSensorPoll(p)
      ? {
          batteryLow: p.sensor.lowBattery,
          humidityPct: p.sensor.humidityPct,
          contactOpen: p.sensor.contactOpen,
          motionDetected: p.sensor.motionDetected,
          waterLeak: p.sensor.waterLeak,
        }
      : {}),
  };
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function statusOfError(err: unknown): CameraStatus {
  if (!(err instanceof TapoError)) {
    return 'error';
  }
  switch (err.kind) {
    case 'network':
    case 'timeout':
      return 'offline';
    case 'auth_failed':
    case 'login_paused':
      return 'auth_failed';
    case 'locked_out':
      return 'locked_out';
    default:
      return 'error';
  }
}

const KIND_WORDS: Record<string, string> = {
  network: 'unreachable',
  timeout: 'no answer in time',
  tls_mismatch: 'certificate changed',
  auth_failed: 'login refused',
  locked_out: 'logins suspended',
  login_paused: 'logins paused',
  not_supported: 'not supported',
  protocol: 'unexpected answer',
  unsupported_login: 'unsupported firmware login',
};

/**
 * Words for an error. TapoError messages are secret-free by contract; anything else is our own
 * bug, reported by its class and a shortened message.
 */
export function describeError(err: unknown): string {
  if (err instanceof TapoError) {
    const words = KIND_WORDS[err.kind] ?? err.kind;
    return err.message.toLowerCase().startsWith(words) ? err.message : `${words}: ${err.message}`;
  }
  if (err instanceof Error) {
    return `internal error (${err.name}): ${err.message.slice(0, 200)}`;
  }
  return 'internal error';
}

const REASONS: Partial<Record<string, ProblemReason>> = {
  network: 'unreachable',
  timeout: 'unreachable',
  auth_failed: 'wrong_password',
  locked_out: 'locked',
  login_paused: 'logins_paused',
  unsupported_login: 'needs_newer_login',
  tls_mismatch: 'certificate_changed',
};

export function errorToResult(cameraId: string, err: unknown, time: number): PollResult {
  const result: PollResult = { cameraId, time, status: statusOfError(err), error: describeError(err), ...EMPTY };
  result.reason = (err instanceof TapoError && REASONS[err.kind]) || 'error';
  if (
    err instanceof TapoError &&
    (err.kind === 'locked_out' || err.kind === 'login_paused') &&
    err.secondsLeft !== undefined
  ) {
    result.until = time + err.secondsLeft * 1000;
  }
  return result;
}

/** A camera that cannot be polled until Grafana sends its password (resumed without TAPO_SECRET_KEY). */
export function waitingForPassword(cameraId: string, time: number): PollResult {
  return {
    cameraId,
    time,
    status: 'unknown',
    error:
      'waiting for its password: the sidecar restarted without TAPO_SECRET_KEY; polling resumes when Grafana calls',
    ...EMPTY,
    reason: 'waiting_password',
  };
}

/**
 * The Tapo app's event-type codes (`alarm_type`, `video_type`, `event_type`) that name one of our
 * kinds; the table as the app's enum has it (tapo-v4-protocol's PROTOCOL.md, mihai-dinculescu/tapo).
 * 15/16: package delivered/picked up; 17/18: doorbell ring missed/answered; 22: unfamiliar person.
 */
const ALARM_CODES: Readonly<Record<number, EventKind>> = {
  2: 'motion',
  3: 'tamper',
  4: 'line_crossing',
  5: 'intrusion',
  6: 'person',
  7: 'baby_cry',
  8: 'vehicle',
  9: 'pet',
  10: 'ring',
  11: 'bark',
  12: 'meow',
  13: 'glass_break',
  15: 'package',
  16: 'package',
  17: 'ring',
  18: 'ring',
  22: 'person',
  33: 'pet',
};

/**
 * Words of a last alarm's type. Only "motion" is on record from real cameras: the others follow the
 * detection's own name (its config module, e.g. `bark_detection`), first match wins.
 */
const ALARM_WORDS: ReadonlyArray<[RegExp, EventKind]> = [
  [/bark/i, 'bark'],
  [/meow/i, 'meow'],
  [/baby|cry|bcd/i, 'baby_cry'],
  [/glass/i, 'glass_break'],
  [/package|parcel/i, 'package'],
  [/line.?cross/i, 'line_crossing'],
  [/intrusion|area/i, 'intrusion'],
  [/tamper/i, 'tamper'],
  [/vehicle/i, 'vehicle'],
  [/pet|animal/i, 'pet'],
  [/person|people|human|face/i, 'person'],
  [/ring|doorbell|bell/i, 'ring'],
];

/** A last alarm's type (words or an app code) as an event kind; anything unknown counts as motion. */
export function eventKind(type: string): EventKind {
  const t = type.trim();
  if (/^\d{1,3}$/.test(t)) {
    return ALARM_CODES[Number(t)] ?? 'motion';
  }
  return ALARM_WORDS.find(([re]) => re.test(t))?.[1] ?? 'motion';
}
