/**
 * The simulated camera's state and its API methods (the part behind /stok=…/ds). Values change
 * plausibly over time per model; methods a model lacks answer -40210 like real firmware.
 */
import { createHash } from 'node:crypto';
import type { ModelProfile } from './profiles.ts';
import { Prng } from './prng.ts';

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

export class DeviceState {
  alias: string;
  readonly mac: string;
  readonly deviceId: string;
  motionDetection = true;
  personDetection = true;
  privacyMode = false;
  led = true;
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
    this.prng = new Prng(seed);
    this.sdUsed = Math.floor(profile.sdCardBytes * (0.3 + 0.4 * this.prng.next()));
  }

  /** Answer one method. */
  call(method: string, params: unknown): MethodAnswer {
    if (this.profile.unsupported.includes(method)) {
      return { error_code: -40210 };
    }
    const p = isObj(params) ? params : {};
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

const ok = (result: unknown = {}): MethodAnswer => ({ error_code: 0, result });
const bad: MethodAnswer = { error_code: -40209 };

const HANDLERS: Record<string, (d: DeviceState, p: Json) => MethodAnswer> = {
  getDeviceInfo: (d) => {
    const basic: Json = {
      device_type: 'SMART.IPCAMERA',
      device_model: d.profile.model,
      device_info: `${d.profile.model} ${d.profile.hwVersion} IPC`,
      device_name: d.profile.model,
      device_alias: d.alias,
      hw_version: d.profile.hwVersion,
      sw_version: d.profile.firmware,
      mac: d.mac,
      dev_id: d.deviceId,
      manufacturer_name: 'TP-LINK',
      region: 'EU',
      features: 3,
      ffs: false,
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
  getLedStatus: (d) => ok({ led: { config: { enabled: onOff(d.led) } } }),
  setLedStatus: (d, p) => {
    const e = enabledAt(p, 'led', 'config');
    if (e === null || e === undefined) {
      return bad;
    }
    d.led = e;
    return ok();
  },
  getSdCardStatus: (d) => {
    const total = d.profile.sdCardBytes;
    const used = d.nextSdUsed();
    const status = total > 0 ? 'normal' : 'offline';
    const info = {
      disk_name: '1',
      status,
      detect_status: total > 0 ? 'normal' : 'offline',
      type: 'local',
      rw_attr: total > 0 ? 'rw' : 'r',
      total_space: fmtSize(total),
      free_space: fmtSize(total - used),
      video_total_space: fmtSize(total * 0.9),
      video_free_space: fmtSize(Math.max(0, total * 0.9 - used)),
      percent: total > 0 ? String(Math.round((used / total) * 100)) : '0',
      loop_record_status: total > 0 ? '1' : '0',
      record_duration: total > 0 ? String(Math.floor(used / (1024 * 1024 * 2))) : '0',
      write_protect: '0',
    };
    return ok({ harddisk_manage: { hd_info: [{ hd_info_1: info }] } });
  },
  getLastAlarmInfo: (d) =>
    ok({
      system: {
        last_alarm_info: {
          last_alarm_time: d.lastAlarm ? String(Math.floor(d.lastAlarm.time / 1000)) : '0',
          last_alarm_type: d.lastAlarm?.type ?? '',
        },
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
  getTimezone: () => ok({ system: { basic: { timezone: 'UTC+01:00', timing_mode: 'ntp', zone_id: 'Europe/Berlin' } } }),
  getPresetConfig: (d) =>
    ok({
      preset: {
        preset: {
          id: d.presets.map((p) => p.id),
          name: d.presets.map((p) => p.name),
          position_pan: d.presets.map((p) => String(p.x / 180)),
          position_tilt: d.presets.map((p) => String(p.y / 90)),
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
