/**
 * One simulated sensor behind a hub (T310/T315 temperature and humidity, T110 contact, T100
 * motion, T300 water leak, S200B button): its entry in the hub's child list with the real field
 * names and shapes, and its trigger log. Facts from python-kasa's recorded answers
 * (tests/fixtures/smart/child/T310(EU)_1.0_1.5.0, T315(EU)_1.0_1.7.0, T110(EU)_1.0_1.9.0,
 * T100(EU)_1.0_1.12.0, T300(EU)_1.0_1.7.0, S200B(EU)_1.0_1.11.0, and the H200(US)_1.0_1.3.6 list)
 * and the recordings/sensors sheet §12.
 */
import { createHash } from 'node:crypto';
import type { MethodAnswer } from '../device.ts';

export type SensorModel = 'T310' | 'T315' | 'T110' | 'T100' | 'T300' | 'S200B';

const MODELS: Record<SensorModel, { category: string; avatar: string; fw: string; reportInterval: number }> = {
  T310: {
    category: 'subg.trigger.temp-hmdt-sensor',
    avatar: 'sensor_t310',
    fw: '1.5.0 Build 230105 Rel.150707',
    reportInterval: 16,
  },
  T315: {
    category: 'subg.trigger.temp-hmdt-sensor',
    avatar: 'sensor_t315',
    fw: '1.8.0 Build 230921 Rel.091519',
    reportInterval: 16,
  },
  T110: {
    category: 'subg.trigger.contact-sensor',
    avatar: 'door',
    fw: '1.9.0 Build 230704 Rel.154559',
    reportInterval: 16,
  },
  T100: {
    category: 'subg.trigger.motion-sensor',
    avatar: 'sensor',
    fw: '1.12.0 Build 230512 Rel.103011',
    reportInterval: 60,
  },
  T300: {
    category: 'subg.trigger.water-leak-sensor',
    avatar: 'sensor_t300',
    fw: '1.7.0 Build 230628 Rel.194748',
    reportInterval: 16,
  },
  S200B: {
    category: 'subg.trigger.button',
    avatar: 'button',
    fw: '1.12.0 Build 231121 Rel.092508',
    reportInterval: 16,
  },
};

export interface SimulatedSensorOptions {
  alias: string;
  model: SensorModel;
  /** °C (T31x; default 21.5). */
  temperatureC?: number;
  /** % (T31x; default 55). */
  humidityPct?: number;
  /** Report Fahrenheit, as a US T310 may. */
  fahrenheit?: boolean;
  /** Battery percent where the model reports one (T315, T300; default 100). */
  batteryPercent?: number;
}

/** A trigger-log entry as the hub keeps it (newest first in answers). */
interface LogEntry {
  id: number;
  eventId: string;
  timestamp: number;
  event: string;
}

export class SimulatedSensor {
  readonly deviceId: string;
  readonly model: SensorModel;
  readonly mac: string;
  alias: string;
  temperatureC: number;
  humidityPct: number;
  open = false;
  detected = false;
  leak = false;
  lowBattery = false;
  batteryPercent: number;
  online = true;
  rssi = -52;
  readonly fahrenheit: boolean;
  private readonly logs: LogEntry[] = [];
  private triggeredAt: number | null = null;
  readonly pairedAt = Math.floor(Date.now() / 1000) - 86_400 * 60;

  constructor(
    opts: SimulatedSensorOptions,
    readonly parentId: string
  ) {
    this.model = opts.model;
    this.alias = opts.alias;
    this.temperatureC = opts.temperatureC ?? 21.5;
    this.humidityPct = opts.humidityPct ?? 55;
    this.fahrenheit = !!opts.fahrenheit;
    this.batteryPercent = opts.batteryPercent ?? 100;
    const h = createHash('sha256').update(`camwatch-sim-sensor:${parentId}:${opts.alias}`).digest('hex').toUpperCase();
    this.deviceId = h.slice(0, 40);
    this.mac = `F0A731${h.slice(40, 46)}`;
  }

  private log(event: string): void {
    const last = this.logs[0];
    this.logs.unshift({
      id: (last?.id ?? 0) + 1,
      eventId: createHash('md5').update(`${this.deviceId}:${this.logs.length}`).digest('hex'),
      timestamp: Math.floor(Date.now() / 1000),
      event,
    });
    this.logs.length = Math.min(this.logs.length, 50);
  }

  /** T110: the door opens or closes. */
  setOpen(open: boolean): void {
    this.open = open;
    this.log(open ? 'open' : 'close');
  }
  /** T100: motion starts or ends. */
  setDetected(on: boolean): void {
    this.detected = on;
    if (on) {
      this.log('motion');
    }
  }
  /** T300: water under the sensor, or dry again. */
  setLeak(on: boolean): void {
    this.leak = on;
    this.triggeredAt = Math.floor(Date.now() / 1000);
    this.log(on ? 'waterLeak' : 'waterDry');
  }
  /** S200B: a press (or a double press). */
  press(kind: 'singleClick' | 'doubleClick' = 'singleClick'): void {
    this.log(kind);
  }

  /** The entry in the hub's getChildDeviceList: the sensor's state as the hub caches it. */
  listEntry(): Record<string, unknown> {
    const m = MODELS[this.model];
    const e: Record<string, unknown> = {
      at_low_battery: this.lowBattery,
      avatar: m.avatar,
      bind_count: 1,
      category: m.category,
      device_id: this.deviceId,
      fw_ver: m.fw,
      hw_id: createHash('md5').update(`hw:${this.model}`).digest('hex').toUpperCase(),
      hw_ver: '1.0',
      jamming_rssi: -111,
      jamming_signal_level: 1,
      lastOnboardingTimestamp: this.pairedAt,
      mac: this.mac,
      model: this.model,
      nickname: Buffer.from(this.alias, 'utf8').toString('base64'),
      oem_id: createHash('md5').update(`oem:${this.model}`).digest('hex').toUpperCase(),
      parent_device_id: this.parentId,
      region: 'Europe/Berlin',
      report_interval: m.reportInterval,
      rssi: this.rssi,
      signal_level: this.rssi > -60 ? 3 : this.rssi > -75 ? 2 : 1,
      specs: 'EU',
      status: this.online ? 'online' : 'offline',
      status_follow_edge: false,
      type: 'SMART.TAPOSENSOR',
    };
    switch (this.model) {
      case 'T315':
      case 'T310': {
        const t = this.fahrenheit ? (this.temperatureC * 9) / 5 + 32 : this.temperatureC;
        Object.assign(e, {
          current_humidity: Math.round(this.humidityPct),
          current_humidity_exception: 0,
          current_temp: Math.round(t * 10) / 10,
          current_temp_exception: 0,
          temp_unit: this.fahrenheit ? 'fahrenheit' : 'celsius',
        });
        if (this.model === 'T315') {
          e.battery_percentage = this.batteryPercent;
        }
        break;
      }
      case 'T110':
        e.open = this.open;
        break;
      case 'T100':
        e.detected = this.detected;
        break;
      case 'T300':
        Object.assign(e, {
          battery_percentage: this.batteryPercent,
          in_alarm: this.leak,
          water_leak_status: this.leak ? 'water_leak' : 'water_dry',
          ...(this.triggeredAt !== null ? { trigger_timestamp: this.triggeredAt } : {}),
        });
        break;
      case 'S200B':
        break;
    }
    return e;
  }

  /** A "smart" method relayed by the hub (snake_case inside the camera envelope, §12.1). */
  call(method: string, params: unknown): MethodAnswer {
    if (!this.online) {
      return { error_code: -1 };
    }
    switch (method) {
      case 'get_device_info':
        return { error_code: 0, result: this.listEntry() };
      case 'get_trigger_logs': {
        const p = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
        const size = typeof p.page_size === 'number' && p.page_size > 0 ? Math.min(p.page_size, 50) : 5;
        return {
          error_code: 0,
          result: { start_id: this.logs[0]?.id ?? 0, sum: this.logs.length, logs: this.logs.slice(0, size) },
        };
      }
      default:
        // Unsupported child methods answer -1001 (UNSPECIFIC_ERROR), as a real S200B does.
        return { error_code: -1001 };
    }
  }
}
