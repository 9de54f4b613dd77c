/**
 * A simulated Tapo hub (H200): the camera simulator's login, TLS and faults (every login flow,
 * TPAP included) in front of the hub's API — its own getDeviceInfo, getChildDeviceList with
 * paging, and controlChild in both wrappings (hub fact sheet §2–§4) — with battery children behind
 * it, and its port-8800 stream server (§8) playing each paired child's clip with its name on it.
 */
import { createHash } from 'node:crypto';
import { SimulatedCamera, type SimulatedCameraOptions } from '../camera.ts';
import type { MethodAnswer } from '../device.ts';
import { SimulatedChild, type ChildModel, type SimulatedChildOptions } from './child.ts';
import { SimulatedSensor, type SimulatedSensorOptions } from './sensor.ts';
import { startHubStreamServer, type HubStreamServer, type HubStreamServerOptions } from './stream8800.ts';
import { playbackService, type PlaybackService } from '../playback8800.ts';
import { PLAYBACK_SEARCH_FAILED, SimulatedSdCard } from '../sdcard.ts';

export interface SimulatedHubOptions
  extends Omit<SimulatedCameraOptions, 'api' | 'model' | 'firmware' | 'autoMotion' | 'cameraAccount'> {
  /** Default: a C420, a C425 and a D230. */
  children?: SimulatedChildOptions[];
  /** Sensors paired to the hub (default none); listed after the cameras, as one list. */
  sensors?: SimulatedSensorOptions[];
  /** Children per getChildDeviceList page (the real size is unknown, §9.4; default 10). */
  pageSize?: number;
  /** Answer multipleRequests out of order (reversed), as some hubs do (§2.2). */
  shuffle?: boolean;
  /**
   * The port-8800 stream server (default: on, an ephemeral port beside the API; the clip is made
   * with ffmpeg on the first stream request). false: none.
   */
  stream?:
    | false
    | (Partial<Pick<HubStreamServerOptions, 'port' | 'ffmpegPath' | 'specs' | 'sha256'>> & {
        /** The children's SD-card playback pace (1 = real time, as cameras do; tests may hurry it). */
        playbackSpeed?: number;
      });
}

type Json = Record<string, unknown>;

/** A Wi-Fi camera paired to the hub for hub storage: the hub records it on its own disk. */
export interface HubStorageCameraInfo {
  /** 40 hex (the camera's getDeviceInfo `dev_id`). */
  deviceId: string;
  /** As the camera writes it ("40-AE-30-…"); the hub lists it as 12 hex without separators. */
  mac: string;
  model: string;
  alias: string;
}

/** The playback searches and the object each names its camera in (recordings sheet §2–§5). */
const SEARCH_OBJECT: Record<string, string> = {
  searchDateWithVideo: 'search_year_utility',
  searchVideoOfDay: 'search_video_utility',
  searchVideoWithUTC: 'search_video_with_utc',
  searchDetectionList: 'search_detection_list',
};
const macHex = (mac: string) => mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();

/** An H200's components, from python-kasa's recorded H200(US)_1.0_1.3.6 answers. */
const H200_COMPONENTS =
  'sdCard:2 dateTime:1 system:4 led:1 firmware:2 account:1 quickSetup:1 hubRecord:1 deviceShare:1 siren:2 ' +
  'childControl:1 childQuickSetup:1 childInherit:1 deviceLoad:1 subg:2 iotCloud:1 diagnose:1 preWakeUp:1 supportRE:1 ' +
  'testSignal:1 dataDownload:1 testChildSignal:1 ringLog:1 matter:1 localSmart:1 generalCameraManage:1 playback:6 ' +
  'hubPlayback:1';

/** "name:version" words as component list items. */
function words(list: string): Array<{ name: string; version: number }> {
  return list
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => ({ name: w.split(':')[0]!, version: Number(w.split(':')[1]) }));
}
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const DEFAULT_CHILDREN: SimulatedChildOptions[] = [
  { alias: 'Garden', model: 'C420', batteryPercent: 84 },
  { alias: 'Driveway', model: 'C425', batteryPercent: 61, power: 'SOLAR' },
  { alias: 'Front door', model: 'D230', batteryPercent: 90, temperatureC: 3 },
];

/** One sensor of each kind (the demo's and the tests' home). */
export const SENSOR_SET: SimulatedSensorOptions[] = [
  { alias: 'Living room', model: 'T310', temperatureC: 21.5, humidityPct: 48 },
  { alias: 'Cellar', model: 'T315', temperatureC: 12.4, humidityPct: 71, batteryPercent: 80 },
  { alias: 'Front door contact', model: 'T110' },
  { alias: 'Hallway motion', model: 'T100' },
  { alias: 'Washing machine', model: 'T300', batteryPercent: 90 },
  { alias: 'Bedside button', model: 'S200B' },
];

export class SimulatedHub {
  readonly children: SimulatedChild[] = [];
  readonly sensors: SimulatedSensor[] = [];
  readonly devId: string;
  readonly alias: string;
  shuffle: boolean;
  pageSize: number;
  /** getChildDeviceList calls answered (the cheap source: never wakes a child). */
  listCalls = 0;
  private camera!: SimulatedCamera;
  /** The port-8800 stream server (null with `stream: false`). */
  streamServer: HubStreamServer | null = null;
  /** Each child's SD-card media sessions (one at a time per child), made on the first request. */
  readonly playback = new Map<string, Promise<PlaybackService>>();
  /** Wi-Fi cameras recorded on the hub's own disk (hub storage), by device id. */
  readonly storage = new Map<string, { camera: HubStorageCameraInfo; card: SimulatedSdCard }>();

  private constructor(private readonly opts: SimulatedHubOptions) {
    this.alias = opts.name ?? 'Sim Hub';
    this.devId = createHash('sha256').update(`camwatch-sim-hub:${this.alias}`).digest('hex').toUpperCase().slice(0, 40);
    this.shuffle = !!opts.shuffle;
    this.pageSize = opts.pageSize ?? 10;
    (opts.children ?? DEFAULT_CHILDREN).forEach((c) => this.addChild(c));
    (opts.sensors ?? []).forEach((s) => this.addSensor(s));
  }

  static async start(opts: SimulatedHubOptions = {}): Promise<SimulatedHub> {
    const hub = new SimulatedHub(opts);
    hub.camera = await SimulatedCamera.start({
      ...opts,
      name: hub.alias,
      model: 'C420',
      loginFlow: opts.loginFlow ?? 'secure',
      hashAlgo: opts.hashAlgo ?? 'sha256',
      api: {
        call: (method, params) => hub.call(method, params),
        reorder: (items) => (hub.shuffle ? [...items].reverse() : items),
      },
    });
    if (opts.stream !== false) {
      try {
        hub.streamServer = await hub.startStream(opts.stream ?? {});
      } catch (err) {
        await hub.camera.close();
        throw err;
      }
    }
    return hub;
  }

  /** Port 8800's side: the paired children (a removed one is unknown), a request wakes the child. */
  private async startStream(o: Exclude<SimulatedHubOptions['stream'], false | undefined>): Promise<HubStreamServer> {
    const server = await startHubStreamServer({
      host: this.camera.host,
      port: o.port ?? 0,
      password: this.camera.cloudPassword,
      ...(o.ffmpegPath ? { ffmpegPath: o.ffmpegPath } : {}),
      ...(o.specs ? { specs: o.specs } : {}),
      ...(o.sha256 !== undefined ? { sha256: o.sha256 } : {}),
      children: (deviceId) => {
        const c = this.children.find((x) => x.deviceId === deviceId);
        const stored = this.storage.get(deviceId.toUpperCase());
        return c
          ? { deviceId: c.deviceId, name: c.alias, model: c.model }
          : stored
            ? { deviceId: stored.camera.deviceId, name: stored.camera.alias, model: stored.camera.model, storage: true }
            : undefined;
      },
      deviceOfMac: (mac) =>
        [...this.storage.values()].find((x) => macHex(x.camera.mac) === macHex(mac))?.camera.deviceId,
      recordings: (deviceId) => {
        const c = this.children.find((x) => x.deviceId === deviceId);
        const stored = this.storage.get(deviceId.toUpperCase());
        const source = c
          ? { card: c.card, name: c.alias, model: c.model }
          : stored
            ? { card: stored.card, name: stored.camera.alias, model: stored.camera.model }
            : null;
        if (!source) {
          return Promise.resolve(undefined);
        }
        let service = this.playback.get(deviceId);
        if (!service) {
          service = playbackService({
            card: source.card,
            name: source.name,
            model: source.model,
            ...(o.ffmpegPath ? { ffmpegPath: o.ffmpegPath } : {}),
            ...(o.specs?.main ? { spec: o.specs.main } : {}),
            ...(o.playbackSpeed ? { playbackSpeed: o.playbackSpeed } : {}),
          });
          this.playback.set(deviceId, service);
        }
        return service;
      },
      wake: (deviceId) => {
        if (this.storage.has(deviceId.toUpperCase())) {
          return true; // the hub serves its own disk, whatever the camera is doing
        }
        const c = this.children.find((x) => x.deviceId === deviceId);
        if (!c || !c.online || (c.faults.wontWake && c.asleep)) {
          return false;
        }
        c.wake();
        return true;
      },
    });
    // A child streaming its live view stays awake (and drains as an awake one does).
    server.events.on('part', (deviceId: string) => this.children.find((x) => x.deviceId === deviceId)?.wake());
    return server;
  }

  /** The login/TLS side (faults, stats, lockout, firmware updates): the camera simulator's. */
  get transport(): SimulatedCamera {
    return this.camera;
  }
  get host(): string {
    return this.camera.host;
  }
  get port(): number {
    return this.camera.port;
  }
  get cloudPassword(): string {
    return this.camera.cloudPassword;
  }

  addChild(opts: SimulatedChildOptions): SimulatedChild {
    const c = new SimulatedChild(opts, this.devId, this.children.length);
    this.children.push(c);
    return c;
  }

  addSensor(opts: SimulatedSensorOptions): SimulatedSensor {
    const s = new SimulatedSensor(opts, this.devId);
    this.sensors.push(s);
    return s;
  }

  sensor(aliasOrModel: string): SimulatedSensor {
    const s = this.sensors.find((x) => x.alias === aliasOrModel || x.model === aliasOrModel);
    if (!s) {
      throw new Error(`no sensor ${aliasOrModel}`);
    }
    return s;
  }

  /**
   * Pairs a Wi-Fi camera for hub storage: the hub lists it in getGeneralDeviceList, records it on
   * its own disk (the returned card) and answers its searches and downloads.
   */
  pairForStorage(camera: HubStorageCameraInfo, opts: { historyDays?: number } = {}): SimulatedSdCard {
    const card = new SimulatedSdCard({
      present: true,
      zone: 'Europe/Berlin',
      seed: parseInt(camera.deviceId.slice(0, 8), 16) || 1,
      ...(opts.historyDays !== undefined ? { historyDays: opts.historyDays } : {}),
    });
    this.storage.set(camera.deviceId.toUpperCase(), {
      camera: { ...camera, deviceId: camera.deviceId.toUpperCase() },
      card,
    });
    return card;
  }

  /** Unpair a child: it leaves the list and controlChild no longer knows its id. */
  removeChild(deviceId: string): void {
    const i = this.children.findIndex((c) => c.deviceId === deviceId);
    if (i >= 0) {
      this.children.splice(i, 1);
    }
  }

  child(model: ChildModel | string): SimulatedChild {
    const c = this.children.find((x) => x.model === model || x.alias === model || x.deviceId === model);
    if (!c) {
      throw new Error(`no child ${model}`);
    }
    return c;
  }

  async close(): Promise<void> {
    await this.streamServer?.close();
    await this.camera.close();
  }

  /** The hub's own methods. */
  call(method: string, params: unknown): MethodAnswer {
    const p = isObj(params) ? params : {};
    switch (method) {
      case 'getDeviceInfo':
        return { error_code: 0, result: { device_info: { basic_info: this.basicInfo(), info: this.basicInfo() } } };
      case 'getChildDeviceList':
        return this.childList(p);
      case 'getChildDeviceComponentList':
        return this.componentList(p);
      case 'controlChild':
        return this.controlChild(p);
      case 'getGeneralDeviceList':
        return this.generalDeviceList();
      case 'getUserID':
        return { error_code: 0, result: { user_id: 1 } };
      case 'searchDateWithVideo':
      case 'searchVideoOfDay':
      case 'searchVideoWithUTC':
      case 'searchDetectionList':
        return this.storageSearch(method, p);
      case 'getSirenStatus':
        return { error_code: 0, result: { status: 'off', time_left: 0 } };
      // The H200's own state as recorded ([FX-H200] H200(US)_1.0_1.3.6): wired, LED on, no card.
      case 'getConnectionType':
        return { error_code: 0, result: { link_type: 'ethernet' } };
      case 'getLedStatus':
        return { error_code: 0, result: { led: { config: { enabled: 'on' } } } };
      case 'getSdCardStatus':
        if (this.storage.size > 0) {
          // The disk the paired cameras are recorded on.
          return {
            error_code: 0,
            result: {
              harddisk_manage: {
                hd_info: [
                  {
                    hd_info_1: {
                      detect_status: 'normal',
                      disk_name: '1',
                      loop_record_status: '1',
                      status: 'normal',
                      total_space: '58.2GB',
                      free_space: '41.7GB',
                    },
                  },
                ],
              },
            },
          };
        }
        return {
          error_code: 0,
          result: {
            harddisk_manage: {
              hd_info: [
                { hd_info_1: { detect_status: 'offline', disk_name: '1', loop_record_status: '1', status: 'offline' } },
              ],
            },
          },
        };
      case 'getAppComponentList':
        return { error_code: 0, result: { app_component: { app_component_list: words(H200_COMPONENTS) } } };
      case 'getFirmwareUpdateStatus':
        return {
          error_code: 0,
          result: { cloud_config: { upgrade_status: { lastUpgradingSuccess: true, state: 'normal' } } },
        };
      default:
        return { error_code: -40210 };
    }
  }

  /** `getGeneralDeviceList` as issue #144's trace shows it (recordings sheet §13). */
  private generalDeviceList(): MethodAnswer {
    const list = [...this.storage.values()].map(({ camera }) => ({
      ai_camera_support: false,
      ai_hub_support: false,
      alias: camera.alias,
      backup_wifi: false,
      category: 'camera',
      device_id: camera.deviceId,
      device_model: camera.model,
      device_type: 'SMART.IPCAMERA',
      hub_storage_enabled: true,
      mac: macHex(camera.mac),
      network_mode: 'wireless',
      parent_device_id: this.devId,
      plan_24h_record: false,
      wifi_backup_enabled: false,
    }));
    return {
      error_code: 0,
      result: {
        general_camera_manage: {
          cur_24h_record_dev: 0,
          current_bound: list.length,
          max_24h_record_dev: 4,
          max_bound: 8,
          paired_general_device_list: list,
        },
      },
    };
  }

  /**
   * A playback search asked of the hub: a paired camera named inline (either id finds it, as in
   * issue #144) is answered from its hub-storage card; no camera means the hub's own, which has none.
   */
  private storageSearch(method: string, p: Json): MethodAnswer {
    const playback = isObj(p.playback) ? p.playback : {};
    const inner = playback[SEARCH_OBJECT[method]!];
    const o = isObj(inner) ? inner : {};
    const id = typeof o.child_device_id === 'string' ? o.child_device_id.toUpperCase() : '';
    const mac = typeof o.child_device_mac === 'string' ? macHex(o.child_device_mac) : '';
    const hit =
      this.storage.get(id) ?? [...this.storage.values()].find((x) => mac !== '' && macHex(x.camera.mac) === mac);
    if (!hit) {
      return { error_code: PLAYBACK_SEARCH_FAILED };
    }
    return hit.card.call(method, p) ?? { error_code: -40210 };
  }

  private startIndex(p: Json): number | null {
    const cc = p.childControl;
    const s = isObj(cc) ? cc.start_index : undefined;
    return typeof s === 'number' && Number.isInteger(s) && s >= 0 ? s : null;
  }

  private childList(p: Json): MethodAnswer {
    const start = this.startIndex(p);
    if (start === null) {
      return { error_code: -1008 };
    }
    this.listCalls++;
    // Cameras and sensors in one list, as a real H200 sends them.
    const all = [...this.children.map((c) => c.listEntry()), ...this.sensors.map((x) => x.listEntry())];
    return {
      error_code: 0,
      result: {
        start_index: start,
        sum: all.length,
        child_device_list: all.slice(start, start + this.pageSize),
      },
    };
  }

  private componentList(p: Json): MethodAnswer {
    const start = this.startIndex(p);
    if (start === null) {
      return { error_code: -1008 };
    }
    const components = ['device', 'battery', 'detection', 'playback', 'video'].map((name) => ({ name, version: 1 }));
    return {
      error_code: 0,
      result: {
        start_index: start,
        sum: this.children.length,
        child_component_list: this.children
          .slice(start, start + this.pageSize)
          .map((c) => ({ device_id: c.deviceId, component_list: components })),
      },
    };
  }

  /**
   * Both wrappings of §4: request_data is one method (B) or a multipleRequest (A). The outer
   * error_code says the hub relayed it; the child's outcome is in response_data. An unknown
   * device_id (never paired, or removed) is refused by the hub itself with -1008 (params error;
   * the real code is unknown, §9.1).
   */
  private controlChild(p: Json): MethodAnswer {
    const cc = isObj(p.childControl) ? p.childControl : null;
    const id = cc?.device_id;
    const child = typeof id === 'string' ? this.children.find((c) => c.deviceId === id) : undefined;
    const sensor = typeof id === 'string' ? this.sensors.find((x) => x.deviceId === id) : undefined;
    const rd = isObj(cc?.request_data) ? (cc!.request_data as Json) : null;
    if (cc && sensor) {
      // A sensor answers one "smart" method per controlChild (§12.1).
      if (!rd || typeof rd.method !== 'string') {
        return { error_code: 0, result: { response_data: { error_code: -1008 } } };
      }
      const a = sensor.call(rd.method, rd.params);
      return { error_code: 0, result: { response_data: a.error_code === 0 ? { error_code: 0, result: a.result } : a } };
    }
    if (!cc || !child) {
      return { error_code: -1008 };
    }
    if (!rd || typeof rd.method !== 'string') {
      return { error_code: 0, result: { response_data: { error_code: -40210 } } };
    }
    if (rd.method !== 'multipleRequest') {
      const a = child.call(rd.method, rd.params);
      return { error_code: 0, result: { response_data: a.error_code === 0 ? { error_code: 0, result: a.result } : a } };
    }
    const list = isObj(rd.params) && Array.isArray(rd.params.requests) ? rd.params.requests : null;
    if (!list || list.length > 64) {
      return { error_code: 0, result: { response_data: { error_code: -40209 } } };
    }
    const first = child.call('getDeviceInfo', undefined);
    if (first.error_code !== 0) {
      // The child did not answer at all (unreachable, or asleep and not waking).
      return { error_code: 0, result: { response_data: { error_code: first.error_code } } };
    }
    const responses = list.map((sub: unknown) => {
      const x = isObj(sub) ? sub : {};
      const method = typeof x.method === 'string' ? x.method : '';
      const a = child.call(method, x.params);
      return a.error_code === 0
        ? { method, result: a.result ?? {}, error_code: 0 }
        : { method, result: {}, error_code: a.error_code };
    });
    return {
      error_code: 0,
      result: {
        response_data: {
          error_code: 0,
          result: { responses: this.shuffle ? responses.reverse() : responses },
        },
      },
    };
  }

  /** The H200's basic_info ([FX-H200], §2.3). */
  basicInfo(): Json {
    const h = createHash('sha256').update(`hub-mac:${this.devId}`).digest('hex').toUpperCase();
    return {
      avatar: 'hub_h200',
      bind_status: true,
      child_num: this.children.length,
      dev_id: this.devId,
      device_alias: this.alias,
      device_info: 'H200 1.0',
      device_model: 'H200',
      device_name: 'H200',
      device_type: 'SMART.TAPOHUB',
      has_set_location_info: 1,
      hw_id: createHash('md5').update('hw:H200').digest('hex').toUpperCase(),
      hw_version: '1.0',
      latitude: 0,
      local_ip: this.host,
      longitude: 0,
      mac: ['40', 'AE', '30', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6)].join('-'),
      need_sync_sha1_password: 0,
      oem_id: createHash('md5').update('oem:H200').digest('hex').toUpperCase(),
      product_name: 'Tapo Smart Hub',
      region: 'EU',
      status: 'configured',
      sw_version: '1.3.6 Build 20240829 rel.71119',
    };
  }

  /** One line of JSON for the hub, then one per child (printed by `simulator --hub`). */
  describe(): Array<Record<string, unknown>> {
    const d = this.camera.describe();
    return [
      {
        kind: 'hub',
        name: this.alias,
        model: 'H200',
        host: this.host,
        port: this.port,
        loginFlow: d.loginFlow,
        hashAlgo: d.hashAlgo,
        user: 'admin',
        cloudPassword: this.cloudPassword,
        fingerprint: d.fingerprint,
        devId: this.devId,
        children: this.children.length,
        streamPort: this.streamServer?.port ?? null,
      },
      ...this.children.map((c) => ({
        kind: 'hub-child',
        hub: this.alias,
        hubHost: this.host,
        hubPort: this.port,
        name: c.alias,
        model: c.model,
        deviceId: c.deviceId,
        battery: true,
        batteryPercent: c.batteryPercent,
        power: c.power,
      })),
    ];
  }
}
