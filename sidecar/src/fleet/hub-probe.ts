/**
 * Hubs in the fleet: the probe of a hub entry (kind 'hub') and of each battery child behind it.
 * One HubClient per hub (one request at a time per hub, the camera client's login and lockout
 * rules). Children are read from the hub's cached child list (cheap, never wakes them), read once
 * a minute per hub whoever asks (hub and children share it), and early (at most every 10 s per
 * hub) when the sidecar sees a child's stream start or end by itself; a child's own poll (device info,
 * last alarm: its events; privacy, detection, LED, card, components: its settings) is sent only
 * while it is awake — after it woke for motion or a ring, or when the slow battery cadence (§7:
 * 600 s) is due — never to wake it.
 */
import { createHash } from 'node:crypto';
import type { CameraConfig } from '../config/types.ts';
import { TapoError } from '../tapo/errors.ts';
import { HubClient, ChildUnavailable, type HubChild, type ChildPoll, type HubSensor } from '../tapo/hub/index.ts';
import type { CameraPoll, PollPart, PartStatus, SubRequest, SubResponse } from '../tapo/types.ts';
import type { CameraProbe, ProbeContext, ProbeFactory } from './probe.ts';

/** Battery children: a full child poll at most this often unless they woke by themselves (HA's default). */
export const CHILD_POLL_INTERVAL_MS = 600_000;
/** The hub's child list is read at most this often per hub (the hub caches it; §7 asks no more). */
export const CHILD_LIST_INTERVAL_MS = 60_000;
/** A list this young is taken as the child's state now (a child goes to sleep tens of seconds after waking). */
const FRESH_LIST_MS = 1_000;
/**
 * A child's stream that starts or ends by itself (it woke or fell asleep) has the list read early,
 * at most this often per hub: the list stays cheap (the hub answers from its cache, waking no one).
 */
export const EARLY_LIST_INTERVAL_MS = 10_000;

/** A child's camera id: the hub's id and a short hash of its device_id (stable, never a configured id). */
export function childCameraId(hubId: string, deviceId: string): string {
  return `${hubId}.${createHash('sha256').update(deviceId.toUpperCase()).digest('hex').slice(0, 8)}`;
}

/** The camera entries of a hub's children: the hub's address and credentials, their own name and id. */
export function childConfigs(hub: CameraConfig, children: HubChild[]): CameraConfig[] {
  return children.map((c) => ({
    ...hub,
    kind: 'camera' as const,
    id: childCameraId(hub.id, c.deviceId),
    name: c.alias || `${hub.name} ${c.model}`,
    pollIntervalMs: Math.max(hub.pollIntervalMs, CHILD_LIST_INTERVAL_MS),
    cameraAccount: null,
    cameraPassword: null,
    rtspUrlOverride: null,
    restreamUser: null,
    restreamPassword: null,
    onvifPort: null,
    hubChild: { hubId: hub.id, deviceId: c.deviceId },
  }));
}

/** The entries of a hub's sensors (ids made as a child's): no requests of their own (their state is in the hub's list). */
export function sensorConfigs(hub: CameraConfig, sensors: HubSensor[]): CameraConfig[] {
  return sensors.map((s) => ({
    ...hub,
    kind: 'sensor' as const,
    sensorKind: s.kind,
    id: childCameraId(hub.id, s.deviceId),
    name: s.alias || `${hub.name} ${s.model}`,
    pollIntervalMs: Math.max(hub.pollIntervalMs, CHILD_LIST_INTERVAL_MS),
    cameraAccount: null,
    cameraPassword: null,
    rtspUrlOverride: null,
    restreamUser: null,
    restreamPassword: null,
    onvifPort: null,
    hubChild: { hubId: hub.id, deviceId: s.deviceId },
  }));
}

/** What a hub's poll reports to the fleet besides its own poll: the list it read, and when the hub answered it. */
export interface HubContext extends ProbeContext {
  onHubChildren?: (hub: CameraConfig, children: HubChild[], sensors: HubSensor[], listedAt: number) => void;
}

/** A sensor's readings in a list entry, to tell a change (its signal left out: it moves with every report). */
export function sensorReadings(s: HubSensor): string {
  return JSON.stringify([
    s.online,
    s.lowBattery,
    s.batteryPercent,
    s.temperatureC,
    s.humidityPct,
    s.contactOpen,
    s.motionDetected,
    s.waterLeak,
  ]);
}

/** The status a child's poll will report from this list entry (an unreachable child fails as offline). */
export function listStatus(c: HubChild): 'online' | 'sleeping' | 'offline' {
  return !c.online ? 'offline' : c.sleeping ? 'sleeping' : 'online';
}

interface Link {
  client: HubClient;
  users: number;
  /** The list read in flight and when it was asked for: hub and children polled together share it. */
  list: Promise<Listed> | null;
  listAskedAt: number;
  /** The last list read: reused until it is older than the list interval. */
  listed: Listed | null;
  /** When a list was last read early for a child's stream (see EARLY_LIST_INTERVAL_MS). */
  earlyAt: number;
}

/** A child list and when the hub answered it (its uptimes are as of then). */
interface Listed {
  at: number;
  children: HubChild[];
  sensors: HubSensor[];
}

const NOT_POLLED: PartStatus = { notSupported: true, code: -40210 };
const PARTS: PollPart[] = [
  'connection',
  'motionDetection',
  'personDetection',
  'privacyMode',
  'led',
  'sdCard',
  'lastAlarm',
  'recordPlan',
  'components',
  'firmwareUpdate',
];

function linkKey(cfg: CameraConfig): string {
  return `${cfg.host}:${cfg.port}\u0000${cfg.username}\u0000${cfg.password ?? ''}`;
}

/** One client per hub, shared by the hub's probe and its children's; closed when the last one closes. */
export class HubLinks {
  private readonly links = new Map<string, Link>();

  /** The next read of this hub's child list asks the hub (a user's refresh in the config editor). */
  forgetList(cfg: CameraConfig): void {
    const link = this.links.get(linkKey(cfg));
    if (link) {
      link.listed = null;
      link.listAskedAt = 0;
    }
  }

  acquire(cfg: CameraConfig, ctx: ProbeContext): { link: Link; release: () => Promise<void> } {
    const key = linkKey(cfg);
    let link = this.links.get(key);
    if (!link) {
      link = {
        client: new HubClient({
          host: cfg.host,
          port: cfg.port,
          username: cfg.username,
          password: cfg.password ?? '',
          timeoutMs: ctx.timeoutMs,
          ...(cfg.tlsFingerprint ? { pinnedFingerprint: cfg.tlsFingerprint } : {}),
          ...(ctx.stateStore ? { stateStore: ctx.stateStore } : {}),
          ...(ctx.onFingerprint ? { onFingerprint: ctx.onFingerprint } : {}),
        }),
        users: 0,
        list: null,
        listAskedAt: 0,
        listed: null,
        earlyAt: 0,
      };
      this.links.set(key, link);
    }
    link.users++;
    const l = link;
    let released = false;
    return {
      link: l,
      release: async () => {
        if (released) {
          return;
        }
        released = true;
        if (--l.users === 0) {
          this.links.delete(key);
          await l.client.close();
        }
      },
    };
  }
}

function listOf(link: Link, maxAgeMs: number): Promise<Listed> {
  if (link.listed && Date.now() - link.listed.at < maxAgeMs) {
    return Promise.resolve(link.listed);
  }
  // A read asked for longer ago than the caller accepts is not joined (maxAgeMs 0: a list as of now).
  if (!link.list || Date.now() - link.listAskedAt > maxAgeMs) {
    const p = link.client
      .listDevices()
      .then(({ cameras, sensors }) => ({ at: Date.now(), children: cameras, sensors }));
    link.list = p;
    link.listAskedAt = Date.now();
    const clear = () => {
      if (link.list === p) {
        link.list = null;
      }
    };
    p.then((listed) => {
      link.listed = listed;
      clear();
    }, clear);
  }
  return link.list;
}

function basePoll(model: string, alias: string, firmware: string, deviceId: string, deviceType: string): CameraPoll {
  const parts = { deviceInfo: 'ok' } as Record<PollPart, PartStatus>;
  for (const p of PARTS) {
    parts[p] = NOT_POLLED;
  }
  return {
    deviceInfo: { model, alias, firmware, hardwareVersion: '', mac: '', deviceId, deviceType, batteryPercent: null },
    connection: null,
    motionDetectionEnabled: null,
    personDetectionEnabled: null,
    privacyMode: null,
    led: null,
    sdCard: null,
    components: null,
    firmwareUpdate: null,
    lastAlarm: null,
    recordingMode: null,
    uptimeSeconds: null,
    temperatureC: null,
    latencyMs: 0,
    parts,
  };
}

/** A hub entry: its own identity, and the list of its children handed to the fleet. */
class HubProbe implements CameraProbe {
  private readonly held;
  constructor(
    private readonly cfg: CameraConfig,
    private readonly ctx: HubContext,
    links: HubLinks,
    private readonly listMaxAgeMs: number
  ) {
    this.held = links.acquire(cfg, ctx);
  }
  get loginFlow() {
    return this.held.link.client.client.loginFlow;
  }
  async poll(): Promise<CameraPoll> {
    const started = performance.now();
    const hub = await this.held.link.client.pollHub();
    const { children, sensors, at } = await listOf(this.held.link, this.listMaxAgeMs);
    this.ctx.onHubChildren?.(this.cfg, children, sensors, at);
    const info = hub.info;
    const p = basePoll(info.model, info.alias, info.firmware, info.deviceId, info.deviceType);
    p.deviceInfo.hardwareVersion = info.hardwareVersion;
    p.deviceInfo.mac = info.mac;
    // The hub's own link, LED, storage (its card slot), components and firmware upgrade.
    p.connection = hub.connection;
    p.led = hub.led;
    p.sdCard = hub.sdCard;
    p.components = hub.components;
    p.firmwareUpdate = hub.firmwareUpdate;
    for (const [part, value] of [
      ['connection', hub.connection],
      ['led', hub.led],
      ['sdCard', hub.sdCard],
      ['components', hub.components],
      ['firmwareUpdate', hub.firmwareUpdate],
    ] as const) {
      p.parts[part] = value === null ? NOT_POLLED : 'ok';
    }
    p.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    p.login = this.loginFlow ?? undefined;
    return p;
  }
  close(): Promise<void> {
    return this.held.release();
  }
  /** Requests to the hub itself (its hub-storage searches), on the hub's one client. */
  callHub(requests: SubRequest[]): Promise<SubResponse[]> {
    return this.held.link.client.client.multipleRequest(requests);
  }
}

/** A hub entry's probe: requests to the hub itself. */
export function isHubProbe(p: CameraProbe): p is CameraProbe & Pick<HubProbe, 'callHub'> {
  return p instanceof HubProbe;
}

/** The fleet's poll of one battery child (status words in `sleeping`, readings in `battery`). */
export interface ChildCameraPoll extends CameraPoll {
  sleeping: boolean;
  battery: {
    charging: boolean | null;
    lowBattery: boolean | null;
    powerSource: string | null;
    overheated: boolean | null;
  };
}

export function isChildPoll(p: CameraPoll): p is ChildCameraPoll {
  return (p as Partial<ChildCameraPoll>).battery !== undefined;
}

/** A battery child: the hub's list every time; its own poll only while it is awake (see the header). */
class ChildProbe implements CameraProbe {
  private readonly held;
  private lastOwnPoll = 0;
  private own: ChildPoll | null = null;
  /** When the sidecar last saw its stream start or end by itself: a list older than that is not its state. */
  private streamChangedAt = 0;
  constructor(
    private readonly cfg: CameraConfig,
    links: HubLinks,
    ctx: ProbeContext,
    private readonly childPollMs: number,
    private readonly listMaxAgeMs: number
  ) {
    this.held = links.acquire(cfg, ctx);
  }
  get loginFlow() {
    return this.held.link.client.client.loginFlow;
  }

  /** This child in the list; unknown (removed) or unreachable children fail the poll. */
  private find(listed: Listed, deviceId: string): HubChild {
    const c = listed.children.find((x) => x.deviceId.toUpperCase() === deviceId.toUpperCase());
    if (!c) {
      throw new ChildUnavailable('not_paired', -1008);
    }
    if (!c.online) {
      throw new TapoError('network', 'the hub cannot reach this camera (out of range or battery empty)', {
        method: 'getChildDeviceList',
      });
    }
    return c;
  }

  /** Awake, and never asked, woke since it was last asked, or the battery cadence is due. */
  private wantsOwnPoll(c: HubChild, listedAt: number): boolean {
    // cam_uptime is whole seconds as of the list's answer: it woke up to a second before that says.
    const wokeAt = c.camUptimeSeconds === null ? null : listedAt - (c.camUptimeSeconds + 1) * 1000;
    const wokeSinceOwnPoll = wokeAt !== null && wokeAt > this.lastOwnPoll;
    return !c.sleeping && (this.own === null || wokeSinceOwnPoll || Date.now() - this.lastOwnPoll >= this.childPollMs);
  }
  /**
   * Its stream started or ended by itself (it woke, or fell asleep): the next poll reads a list the
   * hub answered after `at`. Returns when that poll may run (early reads are spaced per hub).
   */
  streamChanged(at: number): number {
    this.streamChangedAt = Math.max(this.streamChangedAt, at);
    return Math.max(at, this.held.link.earlyAt + EARLY_LIST_INTERVAL_MS);
  }

  /** The list, read early when its stream changed since the list was answered. */
  private async list(): Promise<Listed> {
    const link = this.held.link;
    const listed = await listOf(link, this.listMaxAgeMs);
    const since = this.streamChangedAt;
    // Strictly after: a list answered in the same millisecond as the change may predate it.
    if (listed.at > since) {
      return listed;
    }
    if (link.list && link.listAskedAt > since) {
      return link.list;
    }
    // The spacing of early reads is kept by when this poll was scheduled (streamChanged's answer).
    link.earlyAt = Date.now();
    return listOf(link, 0);
  }

  async poll(): Promise<CameraPoll> {
    const deviceId = this.cfg.hubChild!.deviceId;
    const started = performance.now();
    let listed = await this.list();
    let c = this.find(listed, deviceId);
    // The list may be up to a minute old: before asking the child itself (it must be awake), read it afresh.
    if (this.wantsOwnPoll(c, listed.at) && Date.now() - listed.at > FRESH_LIST_MS) {
      listed = await listOf(this.held.link, 0);
      c = this.find(listed, deviceId);
    }
    if (this.wantsOwnPoll(c, listed.at)) {
      try {
        this.own = await this.held.link.client.pollChild(deviceId);
        this.lastOwnPoll = Date.now();
      } catch (e) {
        // Fell asleep between the list and the call: the list's readings stand.
        if (!(e instanceof ChildUnavailable && e.problem === 'no_answer')) {
          throw e;
        }
      }
    }
    const p = basePoll(c.model, c.alias, c.firmware, c.deviceId, c.deviceType) as ChildCameraPoll;
    p.deviceInfo.hardwareVersion = c.hardwareVersion;
    p.deviceInfo.mac = c.mac;
    p.deviceInfo.batteryPercent = c.batteryPercent ?? this.own?.info.batteryPercent ?? null;
    p.temperatureC = c.batteryTemperatureC;
    p.uptimeSeconds = c.uptimeSeconds;
    p.lastAlarm = this.own?.lastAlarm ?? null;
    p.parts.lastAlarm = this.own ? 'ok' : NOT_POLLED;
    // The signal from the list (never wakes it); settings from its own last poll, kept while it sleeps.
    p.connection = c.rssiDbm === null ? null : { linkType: '', rssiDbm: c.rssiDbm, signalLevel: null, ssid: null };
    const set = this.own?.settings;
    if (set) {
      p.motionDetectionEnabled = set.motionDetectionEnabled;
      p.personDetectionEnabled = set.personDetectionEnabled;
      p.privacyMode = set.privacyMode;
      p.led = set.led;
      p.sdCard = set.sdCard;
      p.recordingMode = set.recordingMode;
      p.components = set.components;
      p.firmwareUpdate = set.firmwareUpdate;
    }
    p.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    p.login = this.loginFlow ?? undefined;
    p.sleeping = c.sleeping;
    p.battery = {
      charging: c.charging ?? this.own?.info.charging ?? null,
      lowBattery: c.lowBattery ?? this.own?.info.lowBattery ?? null,
      powerSource: c.powerSource ?? this.own?.info.powerSource ?? null,
      overheated: this.own?.info.overheated ?? null,
    };
    return p;
  }
  close(): Promise<void> {
    return this.held.release();
  }
  /** Requests to the child itself through its hub's controlChild (its recordings searches); wakes it. */
  callChild(requests: SubRequest[]): Promise<SubResponse[]> {
    return this.held.link.client.callChild(this.cfg.hubChild!.deviceId, requests);
  }
}

/** A probe that relays requests to a camera behind a hub. */
export function isChildProbe(p: CameraProbe): p is CameraProbe & Pick<ChildProbe, 'callChild' | 'streamChanged'> {
  return p instanceof ChildProbe;
}

/** The fleet's poll of one sensor: its readings from the hub's list, and new entries of its trigger log. */
export interface SensorPoll extends CameraPoll {
  sensor: HubSensor;
  /** Button presses (and a motion sensor's motion) the hub logged since the last poll, oldest first. */
  triggers: Array<{ id: number; time: number; kind: 'button' | 'motion' }>;
}

/** Log events that are events of ours (§12.5); the rest (open/close, leaks, low battery) show as states. */
const TRIGGER_KINDS: Record<string, 'button' | 'motion'> = {
  singleClick: 'button',
  doubleClick: 'button',
  rotation: 'button',
  motion: 'motion',
};

export function isSensorPoll(p: CameraPoll): p is SensorPoll {
  return (p as Partial<SensorPoll>).sensor !== undefined;
}

/** A sensor: the hub's list (shared, once a minute); nothing is ever sent to the sensor itself. */
class SensorProbe implements CameraProbe {
  private readonly held;
  /** The newest trigger-log id seen (null before the first read: the whole page is new). */
  private lastLogId: number | null = null;
  constructor(
    private readonly cfg: CameraConfig,
    links: HubLinks,
    ctx: ProbeContext,
    private readonly listMaxAgeMs: number
  ) {
    this.held = links.acquire(cfg, ctx);
  }
  get loginFlow() {
    return this.held.link.client.client.loginFlow;
  }
  async poll(): Promise<CameraPoll> {
    const started = performance.now();
    const deviceId = this.cfg.hubChild!.deviceId.toUpperCase();
    const { sensors } = await listOf(this.held.link, this.listMaxAgeMs);
    const s = sensors.find((x) => x.deviceId.toUpperCase() === deviceId);
    if (!s) {
      throw new ChildUnavailable('not_paired', -1008);
    }
    if (!s.online) {
      throw new TapoError('network', 'the hub has lost this sensor (out of range or battery empty)', {
        method: 'getChildDeviceList',
      });
    }
    const p = basePoll(s.model, s.alias, s.firmware, s.deviceId, 'SMART.TAPOSENSOR') as SensorPoll;
    p.deviceInfo.hardwareVersion = s.hardwareVersion;
    p.deviceInfo.mac = s.mac;
    p.deviceInfo.batteryPercent = s.batteryPercent;
    p.connection = { linkType: 'subg', rssiDbm: s.rssiDbm, signalLevel: s.signalLevel, ssid: null };
    p.parts.connection = 'ok';
    p.temperatureC = s.temperatureC;
    p.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    p.login = this.loginFlow ?? undefined;
    p.sensor = s;
    p.triggers = s.kind === 'button' || s.kind === 'motion' ? await this.newTriggers(s.deviceId) : [];
    return p;
  }

  /** New entries of the hub's log for this sensor; a log the hub will not give (some H200 firmware) is none. */
  private async newTriggers(deviceId: string): Promise<SensorPoll['triggers']> {
    let logs;
    try {
      logs = await this.held.link.client.sensorTriggerLogs(deviceId);
    } catch (e) {
      if (e instanceof TapoError && (e.kind === 'network' || e.kind === 'timeout')) {
        throw e;
      }
      return [];
    }
    const since = this.lastLogId;
    this.lastLogId = Math.max(since ?? 0, ...logs.map((l) => l.id));
    return (
      logs
        .filter((l) => (since === null || l.id > since) && TRIGGER_KINDS[l.event] !== undefined)
        // The log has whole seconds; the entry's id keeps two presses within one second two events
        // (and the same entry read again the same event: the store keys events by their start).
        .map((l) => ({ id: l.id, time: l.time + (l.id % 1000), kind: TRIGGER_KINDS[l.event]! }))
        .reverse()
    );
  }
  close(): Promise<void> {
    return this.held.release();
  }
}

/** Wraps a probe factory: hub entries and hub children get hub probes, other cameras the base one. */
export function hubAwareProbeFactory(
  base: ProbeFactory,
  links = new HubLinks(),
  childPollMs = CHILD_POLL_INTERVAL_MS,
  listMaxAgeMs = CHILD_LIST_INTERVAL_MS
): (camera: CameraConfig, ctx: HubContext) => CameraProbe {
  return (camera, ctx) => {
    if (camera.kind === 'sensor' && camera.hubChild) {
      return new SensorProbe(camera, links, ctx, listMaxAgeMs);
    }
    if (camera.hubChild) {
      return new ChildProbe(camera, links, ctx, childPollMs, listMaxAgeMs);
    }
    if (camera.kind === 'hub') {
      return new HubProbe(camera, ctx, links, listMaxAgeMs);
    }
    return base(camera, ctx);
  };
}
