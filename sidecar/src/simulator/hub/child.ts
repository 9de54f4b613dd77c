/**
 * One simulated battery child of a hub (C420, C425 camera or D230 doorbell): its battery, sleep
 * and temperature over time, its entry in the hub's child list and the methods it answers through
 * controlChild. Field names follow the real H200/D230 answers (hub fact sheet §3.3, §5, §6).
 */
import { createHash } from 'node:crypto';
import { lastAlarmAnswer, type MethodAnswer } from '../device.ts';
import { SIM_LAST_ALARM_TYPES, SIM_RECORDED_EVENT_CODES, type CameraDetectionKind } from '../detections.ts';
import { SimulatedSdCard } from '../sdcard.ts';

export type ChildModel = 'C420' | 'C425' | 'D230';

const MODELS: Record<ChildModel, { deviceType: string; devName: string; hw: string; sw: string; avatar: string }> = {
  C420: {
    deviceType: 'SMART.IPCAMERA',
    devName: 'Tapo Smart Wire-Free Camera',
    hw: '1.0',
    sw: '1.2.2 Build 231115 Rel.36021n',
    avatar: 'camera c420',
  },
  C425: {
    deviceType: 'SMART.IPCAMERA',
    devName: 'Tapo Smart Wire-Free Camera',
    hw: '1.0',
    sw: '1.1.4 Build 240110 Rel.52310n',
    avatar: 'camera c425',
  },
  D230: {
    deviceType: 'SMART.TAPODOORBELL',
    devName: 'Tapo Smart Doorbell',
    hw: '1.20',
    sw: '1.1.19 Build 240320 Rel.61410n',
    avatar: 'doorbell',
  },
};

export interface SimulatedChildOptions {
  alias: string;
  model: ChildModel;
  /** Starting charge, 0..100 (default 90). */
  batteryPercent?: number;
  /** Battery temperature in °C (default 18). */
  temperatureC?: number;
  power?: 'BATTERY' | 'SOLAR';
  /** Falls asleep this long after its last wake (default 30 s). */
  idleSleepMs?: number;
  /** Percent lost per hour awake / asleep, gained per hour charging (defaults 6, 0.2, 30). */
  drainAwakePerHour?: number;
  drainAsleepPerHour?: number;
  chargePerHour?: number;
  /** The clip a detection records, in seconds (default 10; a battery camera records a fixed length). */
  clipSeconds?: number;
}

/** Runtime faults of a child (the hub's own faults are the camera's, see SimulatedCamera.setFault). */
export interface ChildFaults {
  /** Asleep and does not wake for the hub: requests fail inside response_data (-1). */
  wontWake?: boolean;
  /** Out of reach of the hub (dead battery, out of range): `online: false`, requests fail (-1). */
  unreachable?: boolean;
  /** Battery temperature above what the firmware tolerates (`battery_overheated`, high temperature). */
  overheat?: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

export class SimulatedChild {
  readonly deviceId: string;
  readonly model: ChildModel;
  readonly mac: string;
  alias: string;
  power: 'BATTERY' | 'SOLAR';
  charging = false;
  faults: ChildFaults = {};
  /** Wakes caused by requests (a poll that wakes a sleeping battery camera costs battery). */
  wakeups = 0;
  /** Requests the child itself answered (not the hub's cached list). */
  requests = 0;
  lastAlarm: { time: number; type: string } | null = null;
  /** Settings the hub relays (getLensMaskConfig, getDetectionConfig, getPersonDetectionConfig). */
  privacyMode = false;
  motionDetection = true;
  personDetection = true;
  readonly pairedAt = Math.floor(Date.now() / 1000) - 86_400 * 30;
  private battery: number;
  private temperature: number;
  private readonly idleSleepMs: number;
  private readonly clipSeconds: number;
  private readonly rates: { awake: number; asleep: number; charge: number };
  private accountedAt = Date.now();
  private awakeSince: number | null = null;
  private lastWake = 0;
  /** Its own SD card: what it recorded, searched through controlChild (recordings sheet §0). */
  readonly card: SimulatedSdCard;
  /** The hub link has been up for ~35 days (uptime > cam_uptime, as in the fixture). */
  private readonly linkUpSince = Date.now() - 3_061_186_000;

  constructor(
    opts: SimulatedChildOptions,
    readonly parentId: string,
    readonly index: number
  ) {
    this.model = opts.model;
    this.alias = opts.alias;
    this.power = opts.power ?? 'BATTERY';
    this.battery = clamp(opts.batteryPercent ?? 90, 0, 100);
    this.temperature = opts.temperatureC ?? 18;
    this.idleSleepMs = opts.idleSleepMs ?? 30_000;
    this.clipSeconds = Math.max(1, opts.clipSeconds ?? 10);
    this.rates = {
      awake: opts.drainAwakePerHour ?? 6,
      asleep: opts.drainAsleepPerHour ?? 0.2,
      charge: opts.chargePerHour ?? 30,
    };
    const h = createHash('sha256').update(`camwatch-sim-child:${parentId}:${opts.alias}`).digest('hex').toUpperCase();
    this.deviceId = h.slice(0, 40);
    this.mac = ['3C', '52', 'A1', h.slice(40, 42), h.slice(42, 44), h.slice(44, 46)].join(':');
    this.card = new SimulatedSdCard({ present: true, zone: 'Europe/Berlin', seed: parseInt(h.slice(0, 8), 16) });
  }

  /** Asleep now (power save on); a request through the hub wakes it unless it `wontWake`. */
  get asleep(): boolean {
    this.account();
    return this.awakeSince === null;
  }

  get online(): boolean {
    return !this.faults.unreachable && this.batteryPercent > 0;
  }

  get batteryPercent(): number {
    this.account();
    return Math.round(this.battery);
  }

  get temperatureC(): number {
    return this.faults.overheat ? 62 : this.temperature;
  }

  /** Set the charge (tests): drains and charges continue from here. */
  setBattery(percent: number): void {
    this.account();
    this.battery = clamp(percent, 0, 100);
  }

  setCharging(on: boolean): void {
    this.account();
    this.charging = on;
  }

  /** Wake now (motion, a ring, a live view in the app). */
  wake(): void {
    this.account();
    if (this.awakeSince === null) {
      this.awakeSince = Date.now();
    }
    this.lastWake = Date.now();
  }

  /** Fall asleep now (tests; otherwise after idleSleepMs). */
  sleep(): void {
    this.account();
    this.awakeSince = null;
  }

  /** Any detection (motion, a ring on the doorbell, a pet, ...): wakes the child and sets its last alarm. */
  trigger(kind: CameraDetectionKind = this.model === 'D230' ? 'ring' : 'motion'): void {
    this.wake();
    const at = Date.now();
    this.lastAlarm = { time: at, type: SIM_LAST_ALARM_TYPES[kind] };
    // Its fixed-length clip is on its card (and in its searches) once recorded.
    const start = Math.floor(at / 1000);
    const code = SIM_RECORDED_EVENT_CODES[kind];
    const clip = { start, end: start + this.clipSeconds - 1, videoType: 2, events: code === 2 ? [2] : [2, code] };
    setTimeout(() => this.card.recordDetection(clip), this.clipSeconds * 1000).unref();
  }

  /** Advance battery and sleep to now. */
  private account(): void {
    const now = Date.now();
    if (this.awakeSince !== null && now - this.lastWake >= this.idleSleepMs) {
      const sleptAt = this.lastWake + this.idleSleepMs;
      this.drain(sleptAt);
      this.awakeSince = null;
    }
    this.drain(now);
  }

  private drain(until: number): void {
    const hours = Math.max(0, until - this.accountedAt) / 3_600_000;
    this.accountedAt = Math.max(this.accountedAt, until);
    const rate = this.charging ? this.rates.charge : -(this.awakeSince !== null ? this.rates.awake : this.rates.asleep);
    this.battery = clamp(this.battery + rate * hours, 0, 100);
  }

  private camUptime(): number {
    return this.awakeSince === null ? 0 : Math.floor((Date.now() - this.awakeSince) / 1000);
  }

  /** The entry in the hub's getChildDeviceList: cached on the hub, reading it never wakes the child. */
  listEntry(): Record<string, unknown> {
    const m = MODELS[this.model];
    const asleep = this.asleep;
    return {
      alias: this.alias,
      anti_theft_status: 0,
      avatar: m.avatar,
      battery_charging: this.charging ? 'YES' : 'NO',
      battery_installed: 1,
      battery_percent: this.batteryPercent,
      battery_temperature: this.temperatureC,
      battery_voltage: Math.round(3500 + 7 * this.batteryPercent),
      cam_uptime: this.camUptime(),
      category: 'camera',
      dev_name: m.devName,
      device_id: this.deviceId,
      device_model: this.model,
      device_name: `${this.model} ${m.hw}`,
      device_type: m.deviceType,
      ext_addr: '',
      firmware_status: 'OK',
      hw_id: createHash('md5').update(`hw:${this.model}`).digest('hex').toUpperCase(),
      hw_ver: m.hw,
      ipaddr: `172.23.30.${2 + this.index}`,
      led_status: 'on',
      low_battery: this.batteryPercent < 20,
      mac: this.mac,
      oem_id: createHash('md5').update(`oem:${this.model}`).digest('hex').toUpperCase(),
      onboarding_timestamp: this.pairedAt,
      online: this.online,
      parent_device_id: this.parentId,
      power: this.power,
      power_save_mode: 'auto',
      power_save_status: asleep ? 'on' : 'off',
      region: 'EU',
      rssi: -46,
      short_addr: 0,
      status: 'configured',
      subg_cam_rssi: 0,
      subg_hub_rssi: 0,
      sw_ver: m.sw,
      system_time: Math.floor(Date.now() / 1000),
      updating: false,
      uptime: Math.floor((Date.now() - this.linkUpSince) / 1000),
    };
  }

  /**
   * A request relayed by the hub. An unreachable child, or one that will not wake, fails with -1
   * (the sheet's recommendation; the real code is unknown, §9.1). Otherwise the request wakes it.
   */
  call(method: string, params: unknown): MethodAnswer {
    if (!this.online || (this.faults.wontWake && this.asleep)) {
      return { error_code: -1 };
    }
    if (this.asleep) {
      this.wakeups++;
    }
    this.wake();
    this.requests++;
    const recorded = this.card.call(method, isObj(params) ? params : {});
    if (recorded) {
      return recorded;
    }
    const h = CHILD_METHODS[method];
    return h ? h(this, isObj(params) ? params : {}) : { error_code: -40210 };
  }

  /** getDeviceInfo's basic_info as the D230 answers it through the hub ([FX-D230]): no temperature, voltage or uptime. */
  basicInfo(): Record<string, unknown> {
    const m = MODELS[this.model];
    return {
      a_type: 3,
      avatar: m.avatar,
      battery_charging: this.charging ? 'YES' : 'NO',
      battery_overheated: !!this.faults.overheat,
      battery_percent: this.batteryPercent,
      c_opt: [0, 1],
      camera_switch: 'on',
      dev_id: this.deviceId,
      device_alias: this.alias,
      device_info: `${this.model} ${m.hw} IPC`,
      device_model: this.model,
      device_name: this.model,
      device_type: m.deviceType,
      hw_version: m.hw,
      last_activity_timestamp: this.lastAlarm ? Math.floor(this.lastAlarm.time / 1000) : this.pairedAt,
      low_battery: this.batteryPercent < 20,
      mac: this.mac.replace(/:/g, '-'),
      online: this.online,
      parent_link_type: this.model === 'D230' ? 'ethernet' : 'wifi',
      power: this.power,
      power_save_mode: 'auto',
      resolution: '2560*1920',
      rssi: -43,
      sw_version: m.sw,
    };
  }
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ok = (result: unknown): MethodAnswer => ({ error_code: 0, result });
const onOff = (v: boolean) => (v ? 'on' : 'off');

/** A D230's components through an H200 (python-kasa tests/fixtures/smartcam/child/D230(EU)_1.20_1.1.19.json). */
const D230_COMPONENTS =
  'sdCard:2 timezone:1 batCamSystem:1 led:1 playback:3 detection:3 firmware:1 video:3 lensMask:2 lightFrequency:2 ' +
  'dayNightMode:2 nightVisionMode:3 batCamOsd:1 record:1 audio:3 personDetection:2 vehicleDetection:1 petDetection:1 ' +
  'msgPush:3 deviceShare:1 tapoCare:1 pir:1 battery:3 clips:1 batCamRelay:1 batCamP2p:1 needSubscriptionServiceList:1 ' +
  'iotCloud:1 blockZone:1 whiteLamp:1 infLamp:1 packageDetection:3 wakeUp:1 ring:1 antiTheft:3 quickResponse:2 ' +
  'doorbellNightVision:1 dataDownload:1 detectionRegion:2 streamGrab:1 recordDownload:1 batCamPreRelay:1 ' +
  'batCamStatistics:1 batCamNodeRelay:1 batCamRtsp:2';

/**
 * What a battery child answers (§5.1 from the D230 fixture; §5.2's battery getters have no known
 * answer shape, so they answer plausible objects keyed like the request). PTZ and the legacy
 * `get` forms are absent (-40210), as §5.3 expects.
 */
const CHILD_METHODS: Record<string, (c: SimulatedChild, p: Json) => MethodAnswer> = {
  getDeviceInfo: (c) => ok({ device_info: { basic_info: c.basicInfo() } }),
  getLastAlarmInfo: (c) => lastAlarmAnswer(c.lastAlarm),
  getDetectionConfig: (c) =>
    ok({
      motion_detection: {
        motion_det: { enabled: onOff(c.motionDetection), digital_sensitivity: '30', sensitivity: 'low' },
        region_info: [],
      },
    }),
  getPersonDetectionConfig: (c) =>
    ok({ people_detection: { detection: { enabled: onOff(c.personDetection), sensitivity: '60' } } }),
  getLensMaskConfig: (c) => ok({ lens_mask: { lens_mask_info: { enabled: onOff(c.privacyMode) } } }),
  // As the D230 answers them through an H200 ([FX-D230]): no card of its own (the hub records).
  getLedStatus: () => ok({ led: { config: { enabled: 'on' } } }),
  getRecordPlan: () => {
    const day = JSON.stringify(['0000-2400:2']);
    const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    return ok({ record_plan: { chn1_channel: { enabled: 'on', ...Object.fromEntries(days.map((d) => [d, day])) } } });
  },
  getAppComponentList: (c) =>
    ok({
      app_component: {
        // The D230's list; a camera child has no ring or doorbell parts (no recorded C420 list exists).
        app_component_list: D230_COMPONENTS.split(' ')
          .filter((w) => c.model === 'D230' || !/^(ring|doorbellNightVision|packageDetection):/.test(w))
          .map((w) => ({ name: w.split(':')[0]!, version: Number(w.split(':')[1]) })),
      },
    }),
  getFirmwareUpdateStatus: () =>
    ok({ cloud_config: { upgrade_status: { lastUpgradingSuccess: true, state: 'normal' } } }),
  getMediaEncrypt: () => ok({ cet: { media_encrypt: { enabled: 'on' } } }),
  getVideoCapability: () =>
    ok({
      video_capability: {
        main: { encode_types: ['H264'], frame_rates: [65551], resolutions: ['2560*1920', '1280*960'] },
      },
    }),
  getClockStatus: () =>
    ok({ system: { clock_status: { seconds_from_1970: Math.floor(Date.now() / 1000), local_time: '' } } }),
  getTimezone: (c) => ok({ system: { basic: { timezone: 'UTC+01:00', timing_mode: 'ntp', zone_id: c.card.zone } } }),
  // Hub children answer only these four (recordings sheet §1.2, the D230's answer).
  getSdCardStatus: (c) => {
    const present = c.card.state !== 'none';
    return ok({
      harddisk_manage: {
        hd_info: [
          {
            hd_info_1: {
              detect_status: present ? (c.card.state === 'broken' ? 'abnormal' : 'normal') : 'offline',
              disk_name: '1',
              loop_record_status: present ? '1' : '0',
              status: present ? (c.card.state === 'broken' ? 'abnormal' : 'normal') : 'offline',
            },
          },
        ],
      },
    });
  },
  getBatteryStatus: (c) =>
    ok({
      battery: {
        status: {
          percent: String(c.batteryPercent),
          charging: c.charging ? 'YES' : 'NO',
          overheated: c.faults.overheat ? 'on' : 'off',
        },
      },
    }),
  getBatteryPowerSave: () => ok({ battery: { power_save: { enabled: 'auto' } } }),
  getPowerMode: (c) => ok({ battery: { power: { power_mode: c.power } } }),
  getWakeUpConfig: (c) => ok({ wake_up: { config: { wake_up_type: c.model === 'D230' ? 'doorbell' : 'detection' } } }),
  getRingStatus: (c) => (c.model === 'D230' ? ok({ ring: { status: { enabled: 'on' } } }) : { error_code: -40210 }),
};
