/**
 * Sensors behind a hub (T310/T315, T110, T100, T300, S200B/D): their entries in the hub's child
 * list, which hold their state (recordings/sensors sheet §12.2, §12.3; reading the list never
 * wakes them). Untrusted like every answer: out-of-range readings are "not reported".
 */
import { z } from 'zod';
import type { SensorKind } from '../../../../src/shared/query.ts';
import { numberish, validate } from '../decode.ts';

export type { SensorKind };

/** One sensor as the hub's list describes it; null means "not reported". */
export interface HubSensor {
  deviceId: string;
  kind: SensorKind;
  model: string;
  /** The name given in the Tapo app (sent as base64 `nickname`). */
  alias: string;
  firmware: string;
  hardwareVersion: string;
  mac: string;
  online: boolean;
  /** Sub-GHz link to the hub, dBm, and its level 0..3. */
  rssiDbm: number | null;
  signalLevel: number | null;
  lowBattery: boolean | null;
  /** Only T315, T300 (and KE100, S210/S220) report it. */
  batteryPercent: number | null;
  /** °C (converted when the sensor reports Fahrenheit). */
  temperatureC: number | null;
  humidityPct: number | null;
  contactOpen: boolean | null;
  motionDetected: boolean | null;
  waterLeak: boolean | null;
  /** Seconds between the sensor's reports (bounds how fresh its state is). */
  reportIntervalS: number | null;
}

/** Category → kind (python-kasa's categories, §12.1). */
const KINDS: Record<string, SensorKind> = {
  'subg.trigger.temp-hmdt-sensor': 'temp_humidity',
  'subg.trigger.contact-sensor': 'contact',
  'subg.trigger.motion-sensor': 'motion',
  'subg.trigger.water-leak-sensor': 'water_leak',
  'subg.trigger.button': 'button',
};

/** Key paths of a sensor entry our decoder reads (checked against the real H200's list). */
export const SENSOR_LIST_PATHS = [
  'device_id',
  'category',
  'model',
  'nickname',
  'status',
  'rssi',
  'signal_level',
  'at_low_battery',
  'current_temp',
  'current_humidity',
  'temp_unit',
  'open',
  'report_interval',
] as const;

export function sensorKindOf(category: unknown): SensorKind | null {
  return typeof category === 'string' ? (KINDS[category] ?? null) : null;
}

function inRange(v: unknown, min: number, max: number): number | null {
  const n = numberish(v);
  return n !== null && n >= min && n <= max ? n : null;
}

const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

function text(v: unknown): string {
  return typeof v === 'string' && v.length <= 512 ? v : '';
}

/** The nickname is base64 of UTF-8; anything else is taken as it is. */
function nickname(v: unknown): string {
  const s = text(v);
  if (s !== '' && /^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0) {
    const decoded = Buffer.from(s, 'base64').toString('utf8');
    if (!decoded.includes('\uFFFD')) {
      return decoded;
    }
  }
  return s;
}

function celsius(v: unknown, unit: unknown): number | null {
  const t = inRange(v, -100, 200);
  if (t === null) {
    return null;
  }
  const c = unit === 'fahrenheit' ? ((t - 32) * 5) / 9 : t;
  return c >= -60 && c <= 100 ? Math.round(c * 10) / 10 : null;
}

/** A T300's leak: `in_alarm`, or its status word when `in_alarm` is missing. */
function leak(e: Record<string, unknown>): boolean | null {
  const inAlarm = bool(e.in_alarm);
  if (inAlarm !== null) {
    return inAlarm;
  }
  return e.water_leak_status === 'water_leak' ? true : e.water_leak_status === undefined ? null : false;
}

/** One entry of a sensor's trigger log (§12.5): newest first in the answer. */
export interface TriggerLogEntry {
  id: number;
  /** Epoch ms. */
  time: number;
  /** 'singleClick', 'doubleClick', 'rotation', 'motion', 'open', 'close', 'waterLeak', ... */
  event: string;
}

const triggerLogs = z.object({
  start_id: z.number().int().optional(),
  sum: z.number().int().min(0).optional(),
  logs: z
    .array(
      z
        .object({
          id: z.number().int().min(0),
          timestamp: z.number().int().min(0).max(1e11),
          event: z.string().max(64),
        })
        .passthrough()
    )
    .max(1000),
});

export function decodeTriggerLogs(result: unknown): TriggerLogEntry[] {
  return validate(triggerLogs, result, 'get_trigger_logs').logs.map((l) => ({
    id: l.id,
    time: l.timestamp * 1000,
    event: l.event,
  }));
}

const entrySchema = z.object({ device_id: z.string().regex(/^[0-9A-Fa-f]{8,64}$/) }).passthrough();

/** A sensor entry of the hub's list, or null for entries that are not sensors we know. */
export function decodeSensorEntry(raw: unknown): HubSensor | null {
  const e = validate(entrySchema, raw, 'getChildDeviceList') as Record<string, unknown>;
  const kind = sensorKindOf(e.category);
  if (kind === null) {
    return null;
  }
  return {
    deviceId: e.device_id as string,
    kind,
    model: text(e.model) || text(e.device_model),
    alias: nickname(e.nickname),
    firmware: text(e.fw_ver),
    hardwareVersion: text(e.hw_ver),
    mac: text(e.mac),
    online: e.status === 'online',
    rssiDbm: inRange(e.rssi, -150, -1),
    signalLevel: inRange(e.signal_level, 0, 4),
    lowBattery: bool(e.at_low_battery) ?? bool(e.is_low),
    batteryPercent: inRange(e.battery_percentage, 0, 100),
    temperatureC: kind === 'temp_humidity' ? celsius(e.current_temp, e.temp_unit) : null,
    humidityPct: kind === 'temp_humidity' ? inRange(e.current_humidity, 0, 100) : null,
    contactOpen: kind === 'contact' ? bool(e.open) : null,
    motionDetected: kind === 'motion' ? bool(e.detected) : null,
    waterLeak: kind === 'water_leak' ? leak(e) : null,
    reportIntervalS: inRange(e.report_interval, 1, 86_400),
  };
}
