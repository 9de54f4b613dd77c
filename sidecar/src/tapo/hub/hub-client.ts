/**
 * HubClient: a Tapo hub (H200/H500) and the battery cameras behind it. The hub logs in like a
 * camera, so this wraps a TapoClient (every login flow, session reuse, one request at a time,
 * lockout and wrong-password memory are the camera client's) and adds the hub's own calls:
 * listing children page by page and relaying requests to one child (hub fact sheet §3, §4).
 */
import { TapoClient } from '../client.ts';
import { TapoError, NOT_SUPPORTED_CODES, describeCode } from '../errors.ts';
import * as m from '../methods.ts';
import type {
  ConnectionInfo,
  DeviceInfo,
  FirmwareUpdate,
  LastAlarm,
  SdCardInfo,
  SubRequest,
  SubResponse,
  TapoClientOptions,
} from '../types.ts';
import {
  decodeChildDeviceInfo,
  decodeChildEntry,
  decodeChildPage,
  isCameraChild,
  type ChildDeviceInfo,
  type HubChild,
} from './child-decode.ts';
import { decodeSensorEntry, decodeTriggerLogs, type HubSensor, type TriggerLogEntry } from './sensor-decode.ts';
import { relayed, unwrapMulti, unwrapPerMethod, wrapMulti, wrapPerMethod, type ChildWrapping } from './wrap.ts';

export type { ChildWrapping };

export interface HubClientOptions extends TapoClientOptions {
  /** How requests to a child are wrapped (default 'multi', pytapo's form). */
  wrapping?: ChildWrapping;
}

/** Why a child did not answer: the hub could not reach it (asleep and not waking, out of range) or does not know it. */
export type ChildProblem = 'no_answer' | 'not_paired';

/** A request to a child that the hub relayed without an answer, or refused for an unknown child. */
export class ChildUnavailable extends TapoError {
  constructor(
    readonly problem: ChildProblem,
    code: number
  ) {
    super(
      problem === 'not_paired' ? 'protocol' : 'network',
      problem === 'not_paired'
        ? `the hub does not know this child (${code}); it may have been removed from the hub`
        : `the child did not answer through the hub (${code}); it may be asleep or out of range`,
      { code, method: 'controlChild' }
    );
    this.name = 'ChildUnavailable';
  }
}

/** Pages are asked for until `sum` is reached; a hub that keeps sending empty pages is cut off here. */
const MAX_PAGES = 64;

/** A child's settings as a camera's poll reads them, through controlChild; null: not answered / not reported. */
export interface ChildSettings {
  motionDetectionEnabled: boolean | null;
  personDetectionEnabled: boolean | null;
  privacyMode: boolean | null;
  led: string | null;
  sdCard: SdCardInfo | null;
  recordingMode: string | null;
  components: Record<string, number> | null;
  firmwareUpdate: FirmwareUpdate | null;
}

/** What one poll of a child yields: its own device info, its last alarm (null: never alarmed / not reported), its settings. */
export interface ChildPoll {
  info: ChildDeviceInfo;
  lastAlarm: LastAlarm | null;
  settings: ChildSettings;
  latencyMs: number;
}

/** The hub's own state (§2.3): identity, link, LED, its storage, components, firmware upgrade. */
export interface HubPoll {
  info: DeviceInfo;
  connection: ConnectionInfo | null;
  led: string | null;
  sdCard: SdCardInfo | null;
  components: Record<string, number> | null;
  firmwareUpdate: FirmwareUpdate | null;
  latencyMs: number;
}

/** The answer's value, or null when the device did not answer it or answered a shape we cannot read. */
function orNull<T>(sub: SubResponse | undefined, decode: (r: unknown) => T): T | null {
  if (!sub || sub.errorCode !== 0) {
    return null;
  }
  try {
    return decode(sub.result);
  } catch {
    return null;
  }
}

export class HubClient {
  readonly client: TapoClient;
  readonly wrapping: ChildWrapping;

  constructor(opts: HubClientOptions) {
    this.client = new TapoClient(opts);
    this.wrapping = opts.wrapping ?? 'multi';
  }

  get key(): string {
    return this.client.key;
  }

  /** The hub's own identity (device_type SMART.TAPOHUB). */
  getHubInfo(): Promise<DeviceInfo> {
    return this.client.getDeviceInfo();
  }

  /** The hub's own state in one request: only methods a real H200 answers ([FX-H200]). */
  async pollHub(): Promise<HubPoll> {
    const started = performance.now();
    const subs = await this.client.multipleRequest([
      m.req.deviceInfo(),
      m.req.connection(),
      m.req.led(),
      m.req.sdCard(),
      m.req.components(),
      m.req.firmwareUpdate(),
    ]);
    const [info, connection, led, sdCard, components, firmwareUpdate] = subs;
    if (!info || info.errorCode !== 0) {
      const code = info?.errorCode ?? -40210;
      throw new TapoError('protocol', `getDeviceInfo on the hub failed: ${describeCode(code)} (${code})`, {
        code,
        method: 'getDeviceInfo',
      });
    }
    return {
      info: m.decodeDeviceInfo(info.result),
      connection: orNull(connection, m.decodeConnection),
      led: orNull(led, m.decodeLedMode),
      sdCard: orNull(sdCard, m.decodeSdCard),
      components: orNull(components, m.decodeComponents),
      firmwareUpdate: orNull(firmwareUpdate, m.decodeFirmwareUpdate),
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  /** Every camera/doorbell child, paging through getChildDeviceList until its `sum` is reached. */
  async listChildren(): Promise<HubChild[]> {
    return (await this.listDevices()).cameras;
  }

  /** Camera/doorbell children and sensors, from one read of getChildDeviceList (all pages). */
  async listDevices(): Promise<{ cameras: HubChild[]; sensors: HubSensor[] }> {
    const all: HubChild[] = [];
    const sensors: HubSensor[] = [];
    let received = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const [sub] = await this.client.multipleRequest([
        { method: 'getChildDeviceList', params: { childControl: { start_index: received } } },
      ]);
      if (!sub || sub.errorCode !== 0) {
        const code = sub?.errorCode ?? -40210;
        throw new TapoError(
          NOT_SUPPORTED_CODES.has(code) ? 'not_supported' : 'protocol',
          `getChildDeviceList failed: ${describeCode(code)} (${code}); is this a hub?`,
          { code, method: 'getChildDeviceList' }
        );
      }
      const p = decodeChildPage(sub.result);
      received += p.entries.length;
      for (const e of p.entries) {
        try {
          const c = decodeChildEntry(e);
          if (isCameraChild(c)) {
            all.push(c);
            continue;
          }
          const s = decodeSensorEntry(e);
          if (s) {
            sensors.push(s);
          }
        } catch {
          // One malformed entry does not hide the others.
        }
      }
      if (received >= p.sum || p.entries.length === 0) {
        return { cameras: all, sensors };
      }
    }
    throw new TapoError('protocol', `getChildDeviceList: more than ${MAX_PAGES} pages; giving up`, {
      method: 'getChildDeviceList',
    });
  }

  /**
   * Send requests to one child through the hub; one entry per request, in request order,
   * matched by method (A) or by the echoed section (B) whatever order the hub answers in.
   * Throws ChildUnavailable when the hub refuses the child or the child does not answer at all.
   */
  async callChild(deviceId: string, requests: SubRequest[]): Promise<SubResponse[]> {
    if (!/^[0-9A-Fa-f]{8,64}$/.test(deviceId)) {
      throw new TapoError('protocol', 'invalid child device id', { method: 'controlChild' });
    }
    if (this.wrapping === 'multi') {
      const [sub] = await this.client.multipleRequest([wrapMulti(deviceId, requests)]);
      const rel = relayed(sub!);
      check(rel.hubCode, rel.childCode);
      return unwrapMulti(rel, requests);
    }
    const byRequest = new Map<SubRequest, SubResponse>();
    for (const { batch, sent } of wrapPerMethod(deviceId, requests)) {
      const subs = await this.client.multipleRequest(batch);
      const answers = unwrapPerMethod(subs.map(relayed), sent);
      // Every entry refused by the hub, or not answered by the child: the child is unavailable.
      if (answers.every((a) => a.hubCode !== 0)) {
        check(answers[0]!.hubCode, 0);
      }
      if (answers.every((a) => a.hubCode === 0 && a.errorCode === -1)) {
        check(0, -1);
      }
      answers.forEach(({ method, errorCode, result }, i) => byRequest.set(sent[i]!, { method, errorCode, result }));
    }
    return requests.map((r) => byRequest.get(r) ?? { method: r.method, errorCode: -40210, result: undefined });
  }

  /**
   * A child's own device info (battery, charging, overheated), last alarm and settings (the
   * methods a D230 answers through an H200, recordings sheet §13). Wakes a sleeping child: poll rarely.
   */
  async pollChild(deviceId: string): Promise<ChildPoll> {
    const started = performance.now();
    const [info, alarm, motion, person, privacy, led, sdCard, plan, components, firmware] = await this.callChild(
      deviceId,
      [
        m.req.deviceInfo(),
        m.req.lastAlarm(),
        m.req.motionDetection(),
        m.req.personDetection(),
        m.req.privacyMode(),
        m.req.led(),
        m.req.sdCard(),
        m.req.recordPlan(),
        m.req.components(),
        m.req.firmwareUpdate(),
      ]
    );
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (info!.errorCode !== 0) {
      throw new TapoError('protocol', `getDeviceInfo on the child failed (${info!.errorCode})`, {
        code: info!.errorCode,
        method: 'getDeviceInfo',
      });
    }
    let lastAlarm: LastAlarm | null = null;
    if (alarm!.errorCode === 0) {
      try {
        lastAlarm = m.decodeLastAlarm(alarm!.result);
      } catch {
        lastAlarm = null;
      }
    }
    const settings: ChildSettings = {
      motionDetectionEnabled: orNull(motion, m.decodeMotionDetection),
      personDetectionEnabled: orNull(person, m.decodePersonDetection),
      privacyMode: orNull(privacy, m.decodePrivacyMode),
      led: orNull(led, m.decodeLedMode),
      sdCard: orNull(sdCard, m.decodeSdCard),
      recordingMode: orNull(plan, m.decodeRecordingMode),
      components: orNull(components, m.decodeComponents),
      firmwareUpdate: orNull(firmware, m.decodeFirmwareUpdate),
    };
    return { info: decodeChildDeviceInfo(info!.result), lastAlarm, settings, latencyMs };
  }

  /**
   * A sensor's trigger log, newest first (§12.5): one "smart" method per controlChild. The hub
   * holds the log, so asking costs the sensor nothing.
   */
  async sensorTriggerLogs(deviceId: string, pageSize = 20): Promise<TriggerLogEntry[]> {
    if (!/^[0-9A-Fa-f]{8,64}$/.test(deviceId)) {
      throw new TapoError('protocol', 'invalid child device id', { method: 'controlChild' });
    }
    const [sub] = await this.client.multipleRequest([
      {
        method: 'controlChild',
        params: {
          childControl: {
            device_id: deviceId,
            request_data: { method: 'get_trigger_logs', params: { page_size: pageSize, start_id: 0 } },
          },
        },
      },
    ]);
    const rel = relayed(sub!);
    check(rel.hubCode, rel.childCode);
    return decodeTriggerLogs(rel.result);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function check(hubCode: number, childCode: number): void {
  if (NOT_SUPPORTED_CODES.has(hubCode)) {
    throw new TapoError('not_supported', `this device does not relay to children (${hubCode}); is it a hub?`, {
      code: hubCode,
      method: 'controlChild',
    });
  }
  if (hubCode !== 0) {
    throw new ChildUnavailable('not_paired', hubCode);
  }
  if (childCode !== 0) {
    throw new ChildUnavailable('no_answer', childCode);
  }
}
