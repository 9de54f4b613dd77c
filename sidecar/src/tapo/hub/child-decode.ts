/**
 * Decoders for a hub's answers: its getChildDeviceList page and a battery child's own
 * getDeviceInfo (hub fact sheet §3.3, §6). Both spellings python-kasa knows are accepted
 * (`device_model`/`model`, `sw_ver`/`fw_ver`/`sw_version`, ...). Every key read here is listed in
 * CHILD_LIST_PATHS / CHILD_INFO_PATHS, which the peer test checks against the real H200/D230 answers.
 */
import { z } from 'zod';
import { validate, numberish } from '../decode.ts';

/** One battery child as the hub's list describes it; null means "not reported". */
export interface HubChild {
  deviceId: string;
  alias: string;
  model: string;
  deviceType: string;
  /** 'camera' for cameras and doorbells; sensors ('subg.trigger.*') are not ours. */
  category: string;
  firmware: string;
  hardwareVersion: string;
  mac: string;
  /** Paired and reachable by the hub. */
  online: boolean;
  /** In power save now (asleep): reading it from the list does not wake it. */
  sleeping: boolean;
  /** 'BATTERY', 'SOLAR' (as reported) or null. */
  powerSource: string | null;
  batteryPercent: number | null;
  charging: boolean | null;
  lowBattery: boolean | null;
  batteryTemperatureC: number | null;
  batteryVoltageMv: number | null;
  /** Link/module uptime (the hub's view), seconds. */
  uptimeSeconds: number | null;
  /** Since the camera itself last woke, seconds. */
  camUptimeSeconds: number | null;
  /** The child's signal at the hub, dBm (cached in the list: reading it never wakes the child). */
  rssiDbm: number | null;
}

/** A child's own getDeviceInfo through the hub: no temperature, voltage or uptime (§6). */
export interface ChildDeviceInfo {
  deviceId: string;
  alias: string;
  model: string;
  deviceType: string;
  firmware: string;
  batteryPercent: number | null;
  charging: boolean | null;
  lowBattery: boolean | null;
  overheated: boolean | null;
  powerSource: string | null;
  online: boolean | null;
}

/** Key paths of a list entry our decoder reads (any one spelling of each is enough). */
export const CHILD_LIST_PATHS = [
  'device_id',
  'category',
  'device_type',
  'device_model',
  'alias',
  'sw_ver',
  'hw_ver',
  'mac',
  'online',
  'power_save_status',
  'power',
  'battery_percent',
  'battery_charging',
  'low_battery',
  'battery_temperature',
  'battery_voltage',
  'uptime',
  'cam_uptime',
  'rssi',
] as const;

/** Key paths of a child's getDeviceInfo our decoder reads. */
export const CHILD_INFO_PATHS = [
  'device_info.basic_info.dev_id',
  'device_info.basic_info.device_alias',
  'device_info.basic_info.device_model',
  'device_info.basic_info.device_type',
  'device_info.basic_info.sw_version',
  'device_info.basic_info.battery_percent',
  'device_info.basic_info.battery_charging',
  'device_info.basic_info.low_battery',
  'device_info.basic_info.battery_overheated',
  'device_info.basic_info.power',
  'device_info.basic_info.online',
] as const;

/** Key paths of the list page itself. */
export const CHILD_PAGE_PATHS = ['start_index', 'sum', 'child_device_list'] as const;

const CHARGING = new Set(['yes', 'true', '1', 'charging', 'on']);
const NOT_CHARGING = new Set(['no', 'false', '0', 'off', 'not_charging']);

/** 'YES'/'NO' and friends; only "NO" has been seen on real hubs (§9.3). */
export function decodeCharging(v: unknown): boolean | null {
  if (typeof v === 'boolean') {
    return v;
  }
  if (typeof v === 'number') {
    return v === 1 ? true : v === 0 ? false : null;
  }
  if (typeof v !== 'string') {
    return null;
  }
  const s = v.trim().toLowerCase();
  return CHARGING.has(s) ? true : NOT_CHARGING.has(s) ? false : null;
}

function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') {
    return v;
  }
  if (v === 1 || v === '1' || v === 'true') {
    return true;
  }
  if (v === 0 || v === '0' || v === 'false') {
    return false;
  }
  return null;
}

function inRange(v: unknown, min: number, max: number): number | null {
  const n = numberish(v);
  return n !== null && n >= min && n <= max ? n : null;
}

function text(...vs: unknown[]): string {
  for (const v of vs) {
    if (typeof v === 'string' && v.length <= 512) {
      return v;
    }
  }
  return '';
}

function power(v: unknown): string | null {
  return typeof v === 'string' && /^[A-Z_]{1,20}$/i.test(v) ? v.toUpperCase() : null;
}

const entrySchema = z.object({ device_id: z.string().regex(/^[0-9A-Fa-f]{8,64}$/) }).passthrough();

export function decodeChildEntry(raw: unknown): HubChild {
  const e = validate(entrySchema, raw, 'getChildDeviceList') as Record<string, unknown>;
  // A temperature of "NO" (or absent) means not reported.
  return {
    deviceId: e.device_id as string,
    alias: text(e.alias, e.device_alias, e.nickname),
    model: text(e.device_model, e.model),
    deviceType: text(e.device_type, e.type),
    category: text(e.category),
    firmware: text(e.sw_ver, e.fw_ver, e.sw_version),
    hardwareVersion: text(e.hw_ver, e.hw_version),
    mac: text(e.mac),
    online: bool(e.online) ?? false,
    sleeping: e.power_save_status === 'on',
    powerSource: power(e.power ?? e.power_mode),
    batteryPercent: inRange(e.battery_percent ?? e.battery_percentage, 0, 100),
    charging: decodeCharging(e.battery_charging),
    lowBattery: bool(e.low_battery ?? e.at_low_battery),
    batteryTemperatureC: inRange(e.battery_temperature, -60, 150),
    batteryVoltageMv: inRange(e.battery_voltage, 0, 20_000),
    uptimeSeconds: inRange(e.uptime, 0, 100 * 365 * 86_400),
    camUptimeSeconds: inRange(e.cam_uptime, 0, 100 * 365 * 86_400),
    // 0 (as subg_*_rssi send) is no reading, not a perfect signal.
    rssiDbm: inRange(e.rssi, -150, -1),
  };
}

const pageSchema = z.object({
  start_index: z.number().int().min(0).optional(),
  sum: z.number().int().min(0).max(1000),
  child_device_list: z.array(z.unknown()).max(1000),
});

export interface ChildPage {
  sum: number;
  /** Entries as sent (sensors included); undecodable entries are dropped by the caller. */
  entries: unknown[];
}

export function decodeChildPage(result: unknown): ChildPage {
  const p = validate(pageSchema, result, 'getChildDeviceList');
  return { sum: p.sum, entries: p.child_device_list };
}

const infoSchema = z.object({
  device_info: z.object({ basic_info: z.object({ device_model: z.string().max(200) }).passthrough() }),
});

export function decodeChildDeviceInfo(result: unknown): ChildDeviceInfo {
  const b = validate(infoSchema, result, 'getDeviceInfo').device_info.basic_info as Record<string, unknown>;
  return {
    deviceId: text(b.dev_id),
    alias: text(b.device_alias, b.device_name),
    model: text(b.device_model),
    deviceType: text(b.device_type),
    firmware: text(b.sw_version),
    batteryPercent: inRange(b.battery_percent, 0, 100),
    charging: decodeCharging(b.battery_charging),
    lowBattery: bool(b.low_battery),
    overheated: bool(b.battery_overheated),
    powerSource: power(b.power ?? b.power_mode),
    online: bool(b.online),
  };
}

/** True for children that are cameras or doorbells (sensors behind the same hub are skipped). */
export function isCameraChild(c: HubChild): boolean {
  return c.category === 'camera' || /IPCAMERA|DOORBELL/.test(c.deviceType);
}
