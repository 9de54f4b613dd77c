/**
 * Request shapes and result decoders for the camera methods we use. Shapes are the camera's
 * (see the protocol notes); decoders turn them into our typed values or throw protocol errors.
 */
import { z } from 'zod';
import { TapoError } from './errors.ts';
import { validate, parseSize, numberish, isObject } from './decode.ts';
import type {
  ConnectionInfo,
  DeviceInfo,
  FirmwareUpdate,
  SdCardInfo,
  LastAlarm,
  ClockInfo,
  TimezoneInfo,
  Preset,
  SubRequest,
} from './types.ts';

const onOff = z.enum(['on', 'off']).transform((v) => v === 'on');
const str = z.string().max(4096);
const optStr = z.string().max(4096).optional();
const num = z.union([z.number(), z.string().max(40)]).optional();

export const req = {
  deviceInfo: (): SubRequest => ({ method: 'getDeviceInfo', params: { device_info: { name: ['basic_info'] } } }),
  connection: (): SubRequest => ({ method: 'getConnectionType', params: { network: { get_connection_type: [] } } }),
  motionDetection: (): SubRequest => ({
    method: 'getDetectionConfig',
    params: { motion_detection: { name: ['motion_det'] } },
  }),
  setMotionDetection: (on: boolean): SubRequest => ({
    method: 'setDetectionConfig',
    params: { motion_detection: { motion_det: { enabled: on ? 'on' : 'off' } } },
  }),
  personDetection: (): SubRequest => ({
    method: 'getPersonDetectionConfig',
    params: { people_detection: { name: ['detection'] } },
  }),
  setPersonDetection: (on: boolean): SubRequest => ({
    method: 'setPersonDetectionConfig',
    params: { people_detection: { detection: { enabled: on ? 'on' : 'off' } } },
  }),
  privacyMode: (): SubRequest => ({ method: 'getLensMaskConfig', params: { lens_mask: { name: ['lens_mask_info'] } } }),
  setPrivacyMode: (on: boolean): SubRequest => ({
    method: 'setLensMaskConfig',
    params: { lens_mask: { lens_mask_info: { enabled: on ? 'on' : 'off' } } },
  }),
  led: (): SubRequest => ({ method: 'getLedStatus', params: { led: { name: ['config'] } } }),
  setLed: (on: boolean): SubRequest => ({
    method: 'setLedStatus',
    params: { led: { config: { enabled: on ? 'on' : 'off' } } },
  }),
  sdCard: (): SubRequest => ({ method: 'getSdCardStatus', params: { harddisk_manage: { table: ['hd_info'] } } }),
  lastAlarm: (): SubRequest => ({ method: 'getLastAlarmInfo', params: { system: { name: ['last_alarm_info'] } } }),
  recordPlan: (): SubRequest => ({ method: 'getRecordPlan', params: { record_plan: { name: ['chn1_channel'] } } }),
  clock: (): SubRequest => ({ method: 'getClockStatus', params: { system: { name: 'clock_status' } } }),
  timezone: (): SubRequest => ({ method: 'getTimezone', params: { system: { name: ['basic'] } } }),
  ptzMoveStep: (direction: number): SubRequest => ({
    method: 'relativeMove',
    params: { motor: { movestep: { direction: String(direction) } } },
  }),
  ptzMove: (x: number, y: number): SubRequest => ({
    method: 'motorMove',
    params: { motor: { move: { x_coord: String(x), y_coord: String(y) } } },
  }),
  presets: (): SubRequest => ({ method: 'getPresetConfig', params: { preset: { name: ['preset'] } } }),
  gotoPreset: (id: string): SubRequest => ({
    method: 'motorMoveToPreset',
    params: { preset: { goto_preset: { id } } },
  }),
  reboot: (): SubRequest => ({ method: 'rebootDevice', params: { system: { reboot: 'null' } } }),
  components: (): SubRequest => ({
    method: 'getAppComponentList',
    params: { app_component: { name: 'app_component_list' } },
  }),
  firmwareUpdate: (): SubRequest => ({
    method: 'getFirmwareUpdateStatus',
    params: { cloud_config: { name: 'upgrade_status' } },
  }),
};

const basicInfo = z.object({
  device_info: z.object({
    basic_info: z.object({
      device_model: str,
      device_alias: optStr,
      device_name: optStr,
      sw_version: optStr,
      hw_version: optStr,
      mac: optStr,
      dev_id: optStr,
      device_type: optStr,
      battery_percent: num,
      battery_temperature: num,
      up_time: num,
      uptime: num,
    }),
  }),
});

/** Battery readings come as numbers or numeric strings; anything else is "not reported". */
function optNumber(v: unknown, min: number, max: number): number | null {
  const n = numberish(v);
  return n !== null && n >= min && n <= max ? n : null;
}

export function decodeDeviceInfo(result: unknown): DeviceInfo {
  const b = validate(basicInfo, result, 'getDeviceInfo').device_info.basic_info;
  return {
    model: b.device_model,
    alias: b.device_alias ?? b.device_name ?? '',
    firmware: b.sw_version ?? '',
    hardwareVersion: b.hw_version ?? '',
    mac: b.mac ?? '',
    deviceId: b.dev_id ?? '',
    deviceType: b.device_type ?? '',
    batteryPercent: optNumber(b.battery_percent, 0, 100),
    uptimeSeconds: optNumber(b.up_time ?? b.uptime, 0, 100 * 365 * 86400),
    temperatureC: optNumber(b.battery_temperature, -60, 150),
  };
}

const connectionType = z.object({ link_type: str, rssi: num, rssiValue: num, ssid: optStr });

export function decodeConnection(result: unknown): ConnectionInfo {
  const c = validate(connectionType, result, 'getConnectionType');
  let ssid: string | null = null;
  if (c.ssid !== undefined && c.ssid !== '') {
    ssid = /^[A-Za-z0-9+/]*={0,2}$/.test(c.ssid) ? Buffer.from(c.ssid, 'base64').toString('utf8') : c.ssid;
  }
  // A camera without a reading sends rssi "-1" and rssiValue 0 (a real TC40): 0 dBm is no signal
  // figure anyone has, so it is "not reported", as is any level below 0.
  const level = optNumber(c.rssi, 0, 10);
  const dbm = optNumber(c.rssiValue, -150, -1);
  const noReading = numberish(c.rssi) !== null && level === null;
  return {
    linkType: c.link_type,
    rssiDbm: noReading ? null : dbm,
    signalLevel: level,
    ssid,
  };
}

const motionDet = z.object({ motion_detection: z.object({ motion_det: z.object({ enabled: onOff }) }) });
export function decodeMotionDetection(result: unknown): boolean {
  return validate(motionDet, result, 'getDetectionConfig').motion_detection.motion_det.enabled;
}

const personDet = z.object({ people_detection: z.object({ detection: z.object({ enabled: onOff }) }) });
export function decodePersonDetection(result: unknown): boolean {
  return validate(personDet, result, 'getPersonDetectionConfig').people_detection.detection.enabled;
}

const lensMask = z.object({ lens_mask: z.object({ lens_mask_info: z.object({ enabled: onOff }) }) });
export function decodePrivacyMode(result: unknown): boolean {
  return validate(lensMask, result, 'getLensMaskConfig').lens_mask.lens_mask_info.enabled;
}

const led = z.object({ led: z.object({ config: z.object({ enabled: onOff }) }) });
export function decodeLed(result: unknown): boolean {
  return validate(led, result, 'getLedStatus').led.config.enabled;
}

/** The LED's mode word as the camera sends it: 'on', 'off', or 'auto' (a real D130). */
const ledMode = z.object({ led: z.object({ config: z.object({ enabled: z.string().regex(/^[a-z_]{1,20}$/) }) }) });
export function decodeLedMode(result: unknown): string {
  return validate(ledMode, result, 'getLedStatus').led.config.enabled;
}

const hdDisk = z.object({
  status: str,
  total_space: optStr,
  free_space: optStr,
  // Exact byte counts ("63887638528B"), sent beside the rounded figures by newer firmware.
  total_space_accurate: optStr,
  free_space_accurate: optStr,
  detect_status: optStr,
  // "1" while the card overwrites its oldest footage (loop recording), "0" otherwise.
  loop_record_status: optStr,
});
const hdList = z.object({ harddisk_manage: z.object({ hd_info: z.array(z.unknown()).max(16) }) });
/** What decodeSdCard reads, as one schema (for the shape checks): `hd_info[0].hd_info_1`. */
const hdInfo = z.object({ harddisk_manage: z.object({ hd_info: z.array(z.record(z.string(), hdDisk)) }) });

/** The exact figure when the camera sends a readable one, else the rounded one; null when neither reads. */
function sizeOf(accurate: string | undefined, rounded: string | undefined): number | null {
  const exact = accurate === undefined ? null : parseSize(accurate);
  return exact ?? parseSize(rounded ?? '0B');
}

/**
 * The schema of `{ <key>: disk }`, built once per usual key: zod compiles each new object schema on
 * first use, and building it for every poll made that compiling a tenth of a poll's CPU. Unusual keys
 * (the camera's choice) get a fresh schema, so the cache stays bounded.
 */
const diskSchemas = new Map<string, z.ZodType<Record<string, z.infer<typeof hdDisk>>>>();
function diskSchema(key: string): z.ZodType<Record<string, z.infer<typeof hdDisk>>> {
  const cached = diskSchemas.get(key);
  if (cached) {
    return cached;
  }
  const schema = z.object({ [key]: hdDisk });
  if (/^hd_info_\d{1,2}$/.test(key)) {
    diskSchemas.set(key, schema);
  }
  return schema;
}

/** The first disk, or null when the camera reports none. Other keys beside the disk are ignored. */
export function decodeSdCard(result: unknown): SdCardInfo | null {
  const first = validate(hdList, result, 'getSdCardStatus').harddisk_manage.hd_info[0];
  if (first === undefined) {
    return null;
  }
  if (!isObject(first)) {
    throw new TapoError('protocol', 'getSdCardStatus: unexpected shape at harddisk_manage.hd_info.[0]', {
      method: 'getSdCardStatus',
    });
  }
  const keys = Object.keys(first);
  const key = keys.find((k) => /^hd_info_\d+$/.test(k)) ?? keys.find((k) => isObject(first[k]));
  if (key === undefined) {
    return null;
  }
  const disk = validate(diskSchema(key), first, 'getSdCardStatus')[key]!;
  const total = sizeOf(disk.total_space_accurate, disk.total_space);
  const free = sizeOf(disk.free_space_accurate, disk.free_space);
  if (total === null || free === null) {
    throw new TapoError('protocol', 'getSdCardStatus: unreadable size', { method: 'getSdCardStatus' });
  }
  const loop = disk.loop_record_status;
  return {
    status: disk.status,
    // "offline" is how every recorded camera without a card says so; a 0 B card is none either.
    present: disk.status !== 'offline' && disk.detect_status !== 'offline' && total > 0,
    loopRecording: loop === '1' ? true : loop === '0' ? false : null,
    totalBytes: total,
    freeBytes: Math.min(free, total),
    usedBytes: Math.max(0, total - free),
  };
}

const lastAlarm = z.object({
  system: z.object({
    last_alarm_info: z.object({ last_alarm_time: z.union([z.string().max(20), z.number()]), last_alarm_type: optStr }),
  }),
});

/** null when the camera never alarmed (time 0). */
export function decodeLastAlarm(result: unknown): LastAlarm | null {
  const a = validate(lastAlarm, result, 'getLastAlarmInfo').system.last_alarm_info;
  // A camera that never alarmed sends "0", or "" (a real C100 on 1.3.14).
  if (a.last_alarm_time === '') {
    return null;
  }
  const secs = numberish(a.last_alarm_time);
  if (secs === null || secs < 0 || secs > 1e11) {
    throw new TapoError('protocol', 'getLastAlarmInfo: unreadable time', { method: 'getLastAlarmInfo' });
  }
  if (secs === 0) {
    return null;
  }
  return { time: Math.round(secs * 1000), type: a.last_alarm_type ?? 'motion' };
}

const recordPlan = z.object({ record_plan: z.object({ chn1_channel: z.object({ enabled: onOff }).passthrough() }) });
export function decodeRecordingMode(result: unknown): string {
  return validate(recordPlan, result, 'getRecordPlan').record_plan.chn1_channel.enabled ? 'scheduled' : 'off';
}

const clock = z.object({
  system: z.object({
    clock_status: z.object({ seconds_from_1970: z.union([z.number(), z.string().max(20)]), local_time: optStr }),
  }),
});
export function decodeClock(result: unknown): ClockInfo {
  const c = validate(clock, result, 'getClockStatus').system.clock_status;
  const secs = numberish(c.seconds_from_1970);
  if (secs === null || secs < 0 || secs > 1e11) {
    throw new TapoError('protocol', 'getClockStatus: unreadable time', { method: 'getClockStatus' });
  }
  return { time: secs * 1000, localTime: c.local_time ?? null };
}

const tz = z.object({
  system: z.object({ basic: z.object({ timezone: optStr, zone_id: optStr, timing_mode: optStr }) }),
});
export function decodeTimezone(result: unknown): TimezoneInfo {
  const b = validate(tz, result, 'getTimezone').system.basic;
  return { timezone: b.timezone ?? null, zoneId: b.zone_id ?? null, timingMode: b.timing_mode ?? null };
}

const presets = z.object({
  preset: z.object({
    preset: z.object({
      id: z.array(z.union([z.string().max(40), z.number()])).max(1000),
      name: z.array(z.string().max(200)).max(1000),
    }),
  }),
});
export function decodePresets(result: unknown): Preset[] {
  const p = validate(presets, result, 'getPresetConfig').preset.preset;
  if (p.id.length !== p.name.length) {
    throw new TapoError('protocol', 'getPresetConfig: id and name lists differ in length', {
      method: 'getPresetConfig',
    });
  }
  return p.id.map((id, i) => ({ id: String(id), name: p.name[i]! }));
}

const components = z.object({
  app_component: z.object({
    app_component_list: z
      .array(z.object({ name: z.string().max(100), version: z.union([z.number(), z.string().max(20)]) }))
      .max(500),
  }),
});

/** The camera's components, name → version: what it can do, as the camera itself says (never the model name). */
export function decodeComponents(result: unknown): Record<string, number> {
  const list = validate(components, result, 'getAppComponentList').app_component.app_component_list;
  const out: Record<string, number> = {};
  for (const c of list) {
    out[c.name] = numberish(c.version) ?? 1;
  }
  return out;
}

const upgradeStatus = z.object({
  cloud_config: z.object({
    upgrade_status: z.object({ state: z.string().max(40), lastUpgradingSuccess: z.boolean().optional() }),
  }),
});

/** Whether a firmware upgrade runs now ('normal', 'downloading', ...) and whether the last one failed. */
export function decodeFirmwareUpdate(result: unknown): FirmwareUpdate {
  const u = validate(upgradeStatus, result, 'getFirmwareUpdateStatus').cloud_config.upgrade_status;
  return {
    state: u.state,
    lastUpgradeFailed: u.lastUpgradingSuccess === undefined ? null : !u.lastUpgradingSuccess,
  };
}

/** Set/action methods answer {} (or anything object-like); only the error_code matters. */
export function decodeAck(result: unknown, method: string): void {
  if (result !== undefined && !isObject(result)) {
    throw new TapoError('protocol', `${method}: unexpected answer`, { method });
  }
}

/**
 * The shape each decoder reads, by method (what we need from the camera's answer; everything
 * else is ignored). Tests check these paths against real firmware answers.
 */
export const DECODED_SHAPES: Readonly<Record<string, z.ZodType>> = {
  getDeviceInfo: basicInfo,
  getConnectionType: connectionType,
  getDetectionConfig: motionDet,
  getPersonDetectionConfig: personDet,
  getLensMaskConfig: lensMask,
  getLedStatus: led,
  getSdCardStatus: hdInfo,
  getLastAlarmInfo: lastAlarm,
  getRecordPlan: recordPlan,
  getClockStatus: clock,
  getTimezone: tz,
  getPresetConfig: presets,
  getAppComponentList: components,
  getFirmwareUpdateStatus: upgradeStatus,
};
