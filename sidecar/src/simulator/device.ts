/**
 * The simulated camera's state and its API methods (the part behind /stok=…/ds). Values change
 * plausibly over time per model; methods a model lacks answer -40210 like real firmware.
 */
import { createHash } from 'node:crypto';
import { componentsOf, type ModelId, type ModelProfile } from './profiles.ts';
import type { EventKind } from '../../../src/shared/query.ts';
import { SIM_DETECTIONS, detectionConfigAnswer } from './detections.ts';
import { Prng } from './prng.ts';
import { SimulatedSdCard } from './sdcard.ts';

type Json = Record<string, unknown>;
export interface MethodAnswer {
  error_code: number;
  result?: unknown;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function fmtSize(bytes: number): string {
  if (bytes <= 0) {
    return '0B';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(1))}${units[i]}`;
}

function localTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const REGION = 'EU';
/** The camera's zone (its recording days are named in it). */
const TIME_ZONE = { timezone: 'UTC+01:00', timing_mode: 'ntp', zone_id: 'Europe/Berlin' };

/** 32 uppercase hex digits derived from `label` (stable ids such as hw_id and oem_id). */
function hex32(label: string): string {
  return createHash('md5').update(`camwatch-sim:${label}`).digest('hex').toUpperCase();
}

export class DeviceState {
  alias: string;
  readonly mac: string;
  readonly deviceId: string;
  /** Per model and hardware version, like firmware's hw_id / oem_id; hw_desc per unit. */
  readonly hwId: string;
  readonly oemId: string;
  readonly hwDesc: string;
  /** When the card's oldest footage starts (epoch ms). */
  readonly recordingSince = Date.now() - 3 * 86_400_000;
  motionDetection = true;
  personDetection = true;
  /** The model's smart detections (beyond motion and person), each on or off. */
  readonly detections: Map<EventKind, boolean>;
  privacyMode = false;
  led = true;
  /** The LED's mode word when it is neither on nor off (a D130 answers 'auto'); cleared by a set. */
  ledWord: string | null;
  recordPlanEnabled = true;
  bootTime = Date.now();
  lastAlarm: { time: number; type: string } | null = null;
  position = { x: 0, y: 0 };
  presets: Array<{ id: string; name: string; x: number; y: number }> = [
    { id: '1', name: 'Door', x: 40, y: 0 },
    { id: '2', name: 'Window', x: -60, y: 10 },
  ];
  private rssi = -58;
  private sdUsed: number;
  private readonly prng: Prng;
  /** What the card recorded, and the playback searches that read it. */
  readonly card: SimulatedSdCard;
  /** Called when the camera reboots (sessions die). */
  onReboot: () => void = () => {};

  constructor(
    readonly profile: ModelProfile,
    name: string,
    seed: number
  ) {
    this.alias = name;
    const h = createHash('sha256').update(`camwatch-sim:${name}`).digest('hex').toUpperCase();
    this.deviceId = h.slice(0, 40);
    this.mac = ['40', 'AE', '30', h.slice(40, 42), h.slice(42, 44), h.slice(44, 46)].join('-');
    this.hwId = hex32(`hw:${profile.model}:${profile.hwVersion}`);
    this.oemId = hex32(`oem:${profile.model}`);
    this.hwDesc = hex32(`desc:${name}`);
    this.prng = new Prng(seed);
    this.sdUsed = Math.floor(profile.sdCardBytes * (0.3 + 0.4 * this.prng.next()));
    const led = profile.facts?.led;
    this.led = led !== 'off';
    this.ledWord = led === 'on' || led === 'off' ? null : (led ?? null);
    // All on, but tampering, which cameras ship with off (C210 reference answer).
    this.detections = new Map(
      (SIM_DETECTIONS[profile.model as ModelId] ?? [])
        .filter((k) => k !== 'motion' && k !== 'person')
        .map((k) => [k, k !== 'tamper'])
    );
    this.card = new SimulatedSdCard({ present: profile.sdCardBytes > 0, zone: TIME_ZONE.zone_id, seed });
  }

  /** Answer one method. */
  call(method: string, params: unknown): MethodAnswer {
    if (this.profile.unsupported.includes(method)) {
      return { error_code: -40210 };
    }
    const detection = detectionConfigAnswer(method, this.detections);
    if (detection !== undefined) {
      return detection === null ? { error_code: -40210 } : ok(detection);
    }
    const p = isObj(params) ? params : {};
    const recorded = this.card.call(method, p);
    if (recorded) {
      return recorded;
    }
    const h = HANDLERS[method];
    if (!h) {
      return { error_code: -40210 };
    }
    return h(this, p);
  }

  // ---- changing values -------------------------------------------------------------------
  nextRssi(): number {
    this.rssi = Math.max(-85, Math.min(-38, this.rssi + this.prng.int(-3, 3)));
    return this.rssi;
  }
  nextSdUsed(): number {
    const total = this.profile.sdCardBytes;
    if (total === 0) {
      return 0;
    }
    // Roughly what continuous recording writes between two polls.
    this.sdUsed += this.prng.int(20, 200) * 1024 * 1024;
    // Loop recording: old footage is overwritten near full.
    if (this.sdUsed > total * 0.95) {
      this.sdUsed = Math.floor(total * 0.6);
    }
    return this.sdUsed;
  }
  uptimeSeconds(): number {
    return Math.floor((Date.now() - this.bootTime) / 1000);
  }
  batteryPercent(): number {
    // Drains 1 % every 10 minutes of uptime, never below 5.
    return Math.max(5, 100 - Math.floor(this.uptimeSeconds() / 600));
  }
  temperatureC(): number {
    return Math.round((21 + 4 * Math.sin(Date.now() / 3_600_000) + this.prng.next()) * 10) / 10;
  }
}

function onOff(v: boolean): string {
  return v ? 'on' : 'off';
}

/** Reads `{ section: { key: { enabled: 'on'|'off' } } }`; undefined when absent, null when malformed. */
function enabledAt(p: Json, section: string, key: string): boolean | undefined | null {
  const s = p[section];
  if (!isObj(s) || !isObj(s[key])) {
    return null;
  }
  const e = (s[key] as Json).enabled;
  if (e === undefined) {
    return undefined;
  }
  if (e === 'on' || e === 'off') {
    return e === 'on';
  }
  return null;
}

/** Both size spellings firmware sends: rounded with a unit ("59.5GB") and exact ("63887638528B"). */
function sizes(prefix: string, bytes: number): Json {
  const b = Math.max(0, Math.floor(bytes));
  return { [`${prefix}_space`]: fmtSize(b), [`${prefix}_space_accurate`]: `${b}B` };
}

/** A recorded device's card, as it answered (older firmware sends no exact `*_accurate` sizes). */
function recordedCard(d: DeviceState, f: NonNullable<ModelProfile['facts']>): Json {
  const size = (prefix: string, bytes: number): Json => {
    const both = sizes(prefix, bytes);
    return f.accurateSizes ? both : { [`${prefix}_space`]: both[`${prefix}_space`] };
  };
  const c = f.card;
  const total = c?.totalBytes ?? 0;
  const free = c?.freeBytes ?? 0;
  return {
    ...(f.accurateSizes ? { ...size('crossline_free', 0), ...size('crossline_total', 0) } : {}),
    detect_status: c ? 'normal' : 'offline',
    disk_name: '1',
    ...size('free', free),
    loop_record_status: c?.loop ? '1' : '0',
    ...size('msg_push_free', 0),
    ...size('msg_push_total', 0),
    percent: c?.percent ?? '0',
    ...size('picture_free', 0),
    ...size('picture_total', 0),
    record_duration: '0',
    record_free_duration: '0',
    record_start_time: c ? String(Math.floor(d.recordingSince / 1000)) : '0',
    rw_attr: c ? 'rw' : 'r',
    status: c ? 'normal' : 'offline',
    ...size('total', total),
    type: 'local',
    ...size('video_free', free),
    ...size('video_total', Math.floor(total * 0.96)),
    write_protect: '0',
  };
}

/**
 * hd_info_1 as firmware 1.4.3 fills it: the card's totals, then the video, picture, message-push
 * and line-crossing partitions, all as strings. Without a card every figure is "0B"/"0".
 */
function sdCardInfo(d: DeviceState): Json {
  // A recorded device answers as recorded while its card is as recorded (a test may pull or fill it).
  if (d.profile.facts && d.card.state === (d.profile.facts.card ? 'normal' : 'none')) {
    return recordedCard(d, d.profile.facts);
  }
  const total = d.card.state === 'none' ? 0 : d.profile.sdCardBytes;
  const present = total > 0;
  const used = !present ? 0 : d.card.state === 'full' ? total : d.nextSdUsed();
  // Firmware splits the card: most for video, small shares for pictures and message-push clips.
  const videoTotal = Math.floor(total * 0.9);
  const pictureTotal = Math.floor(total * 0.05);
  const pushTotal = Math.floor(total * 0.02);
  const videoFree = Math.max(0, videoTotal - used);
  const bytesPerSecond = (2 * 1024 * 1024) / 8; // ~2 Mbit/s main stream
  return {
    ...sizes('crossline_free', 0),
    ...sizes('crossline_total', 0),
    detect_status: present ? 'normal' : 'offline',
    disk_name: '1',
    ...sizes('free', total - used),
    loop_record_status: present ? '1' : '0',
    ...sizes('msg_push_free', pushTotal * 0.9),
    ...sizes('msg_push_total', pushTotal),
    percent: present ? String(Math.round((used / total) * 100)) : '0',
    ...sizes('picture_free', pictureTotal * 0.8),
    ...sizes('picture_total', pictureTotal),
    record_duration: present ? String(Math.floor(used / bytesPerSecond)) : '0',
    record_free_duration: present ? String(Math.floor(videoFree / bytesPerSecond)) : '0',
    record_start_time: present ? String(Math.floor(d.recordingSince / 1000)) : '0',
    rw_attr: present ? 'rw' : 'r',
    status: !present ? 'offline' : d.card.state === 'broken' ? 'abnormal' : 'normal',
    ...sizes('total', total),
    type: 'local',
    ...sizes('video_free', videoFree),
    ...sizes('video_total', videoTotal),
    write_protect: '0',
  };
}

const ok = (result: unknown = {}): MethodAnswer => ({ error_code: 0, result });

/** getLastAlarmInfo's answer (cameras and hub children alike): seconds as text, '0' (or '') and '' when none. */
export function lastAlarmAnswer(last: { time: number; type: string } | null, never: '0' | '' = '0'): MethodAnswer {
  return ok({
    system: {
      last_alarm_info: {
        last_alarm_time: last ? String(Math.floor(last.time / 1000)) : never,
        last_alarm_type: last?.type ?? '',
      },
    },
  });
}
const bad: MethodAnswer = { error_code: -40209 };

const HANDLERS: Record<string, (d: DeviceState, p: Json) => MethodAnswer> = {
  getDeviceInfo: (d) => {
    // Every key a C210 on 1.4.3 sends (reference answers); battery models add their readings.
    const basic: Json = {
      avatar: d.profile.battery ? 'camera c400' : 'Home',
      barcode: '',
      dev_id: d.deviceId,
      device_alias: d.alias,
      device_info: `${d.profile.model} ${d.profile.hwVersion} IPC`,
      device_model: d.profile.model,
      device_name: d.profile.model,
      device_type: d.profile.facts?.deviceType ?? 'SMART.IPCAMERA',
      features: 3,
      ffs: false,
      has_set_location_info: 1,
      hw_desc: d.hwDesc,
      hw_id: d.hwId,
      hw_version: d.profile.hwVersion,
      is_cal: true,
      latitude: 0,
      longitude: 0,
      mac: d.mac,
      manufacturer_name: 'TP-LINK',
      mobile_access: '0',
      oem_id: d.oemId,
      region: d.profile.facts?.region ?? REGION,
      sw_version: d.profile.firmware,
    };
    if (d.profile.battery) {
      basic.battery_percent = d.batteryPercent();
      basic.battery_temperature = d.temperatureC();
      basic.battery_charging = 'NO';
      basic.low_battery = d.batteryPercent() < 15;
      basic.up_time = d.uptimeSeconds();
    }
    return ok({ device_info: { basic_info: basic } });
  },
  getConnectionType: (d) => {
    if (d.profile.linkType === 'ethernet') {
      return ok({ link_type: 'ethernet' });
    }
    const recorded = d.profile.facts?.connection;
    if (recorded) {
      return ok({ link_type: 'wifi', ...recorded });
    }
    const dbm = d.nextRssi();
    const level = dbm > -50 ? 4 : dbm > -60 ? 3 : dbm > -70 ? 2 : dbm > -80 ? 1 : 0;
    return ok({
      link_type: 'wifi',
      rssi: String(level),
      rssiValue: dbm,
      ssid: Buffer.from('camwatch-sim').toString('base64'),
    });
  },
  getDetectionConfig: (d) =>
    ok({
      motion_detection: {
        motion_det: {
          enabled: onOff(d.motionDetection),
          sensitivity: 'medium',
          digital_sensitivity: '50',
          people_enabled: 'off',
          vehicle_enabled: 'off',
          non_vehicle_enabled: 'off',
        },
      },
    }),
  setDetectionConfig: (d, p) => {
    const e = enabledAt(p, 'motion_detection', 'motion_det');
    if (e === null) {
      return bad;
    }
    if (e !== undefined) {
      d.motionDetection = e;
    }
    return ok();
  },
  getPersonDetectionConfig: (d) =>
    ok({ people_detection: { detection: { enabled: onOff(d.personDetection), sensitivity: '50' } } }),
  setPersonDetectionConfig: (d, p) => {
    const e = enabledAt(p, 'people_detection', 'detection');
    if (e === null) {
      return bad;
    }
    if (e !== undefined) {
      d.personDetection = e;
    }
    return ok();
  },
  getLensMaskConfig: (d) => ok({ lens_mask: { lens_mask_info: { enabled: onOff(d.privacyMode) } } }),
  setLensMaskConfig: (d, p) => {
    const e = enabledAt(p, 'lens_mask', 'lens_mask_info');
    if (e === null || e === undefined) {
      return bad;
    }
    d.privacyMode = e;
    return ok();
  },
  getLedStatus: (d) => ok({ led: { config: { enabled: d.ledWord ?? onOff(d.led) } } }),
  setLedStatus: (d, p) => {
    const e = enabledAt(p, 'led', 'config');
    if (e === null || e === undefined) {
      return bad;
    }
    d.led = e;
    d.ledWord = null;
    return ok();
  },
  getSdCardStatus: (d) => ok({ harddisk_manage: { hd_info: [{ hd_info_1: sdCardInfo(d) }] } }),
  getLastAlarmInfo: (d) => lastAlarmAnswer(d.lastAlarm, d.profile.facts?.noAlarmTime),
  getAppComponentList: (d) => ok({ app_component: { app_component_list: componentsOf(d.profile) } }),
  getFirmwareUpdateStatus: (d) =>
    ok({
      cloud_config: {
        upgrade_status: { lastUpgradingSuccess: d.profile.facts?.lastUpgradingSuccess ?? true, state: 'normal' },
      },
    }),
  getRecordPlan: (d) => {
    const day = JSON.stringify(['0000-2400:2']);
    return ok({
      record_plan: {
        chn1_channel: {
          enabled: onOff(d.recordPlanEnabled),
          monday: day,
          tuesday: day,
          wednesday: day,
          thursday: day,
          friday: day,
          saturday: day,
          sunday: day,
        },
      },
    });
  },
  getClockStatus: () => {
    const now = new Date();
    return ok({
      system: { clock_status: { seconds_from_1970: Math.floor(now.getTime() / 1000), local_time: localTime(now) } },
    });
  },
  getTimezone: () => ok({ system: { basic: { ...TIME_ZONE } } }),
  getPresetConfig: (d) =>
    ok({
      preset: {
        preset: {
          id: d.presets.map((p) => p.id),
          name: d.presets.map((p) => p.name),
          position_pan: d.presets.map((p) => String(p.x / 180)),
          position_tilt: d.presets.map((p) => String(p.y / 90)),
          position_zoom: d.presets.map(() => '0'),
          read_only: d.presets.map(() => '0'),
        },
      },
    }),
  motorMoveToPreset: (d, p) => {
    if (d.privacyMode) {
      return { error_code: -64324 };
    }
    const g = isObj(p.preset) && isObj(p.preset.goto_preset) ? p.preset.goto_preset : null;
    const preset = g ? d.presets.find((x) => x.id === String(g.id)) : undefined;
    if (!preset) {
      return { error_code: -64302 };
    }
    d.position = { x: preset.x, y: preset.y };
    return ok();
  },
  motorMove: (d, p) => {
    if (d.privacyMode) {
      return { error_code: -64324 };
    }
    const mv = isObj(p.motor) && isObj(p.motor.move) ? p.motor.move : null;
    const x = Number(mv?.x_coord);
    const y = Number(mv?.y_coord);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      return bad;
    }
    if (Math.abs(x) > 170 || Math.abs(y) > 35) {
      return { error_code: -64304 };
    }
    d.position = { x, y };
    return ok();
  },
  relativeMove: (d, p) => {
    if (d.privacyMode) {
      return { error_code: -64324 };
    }
    const st = isObj(p.motor) && isObj(p.motor.movestep) ? p.motor.movestep : null;
    const dir = Number(st?.direction);
    if (!Number.isInteger(dir) || dir < 0 || dir > 359) {
      return bad;
    }
    const rad = (dir * Math.PI) / 180;
    const x = Math.round(d.position.x + 10 * Math.cos(rad));
    const y = Math.round(d.position.y + 5 * Math.sin(rad));
    if (Math.abs(x) > 170 || Math.abs(y) > 35) {
      return { error_code: -64304 };
    }
    d.position = { x, y };
    return ok();
  },
  rebootDevice: (d) => {
    d.bootTime = Date.now();
    // Sessions die after the answer is sent.
    setImmediate(() => d.onReboot());
    return ok();
  },
};

export const SIMULATED_METHODS = Object.keys(HANDLERS);
