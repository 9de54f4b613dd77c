/**
 * Model profiles for simulated cameras: what each model reports and which methods it lacks.
 * Values follow real firmware answers in shape (see the protocol notes), never real data.
 */
export type ModelId = 'C210' | 'C200' | 'C110' | 'C310' | 'C400' | 'C420';

export interface ModelProfile {
  /** The device_model it reports (newer firmware builds reuse a profile under their own model name). */
  model: string;
  hwVersion: string;
  firmware: string;
  ptz: boolean;
  linkType: 'wifi' | 'ethernet';
  battery: boolean;
  /** Methods this model answers with -40210. */
  unsupported: readonly string[];
  /** RTSP/ONVIF available (battery models stream only through their hub). */
  rtsp: boolean;
  onvif: boolean;
  sdCardBytes: number;
  defaultLoginFlow: 'secure' | 'legacy' | 'tpap';
  defaultHashAlgo: 'sha256' | 'md5';
  /** Facts from a real device's recorded answers (profiles/); absent: the synthetic defaults below. */
  facts?: DeviceFacts;
}

/**
 * What a real device answered, as far as the product reads it: written as data from recorded
 * answers (python-kasa's public fixtures, named in each profile), never copied files.
 */
export interface DeviceFacts {
  /** Where the facts come from (fixture name). */
  source: string;
  deviceType: 'SMART.IPCAMERA' | 'SMART.TAPODOORBELL';
  region: string;
  /** getAppComponentList as "name:version" words. */
  components: string;
  /** A fixed getConnectionType answer (e.g. a TC40's "no reading": rssi "-1", rssiValue 0); absent: simulated Wi-Fi. */
  connection?: { rssi: string; rssiValue: number; ssid: string };
  /** The card as recorded (null: an empty slot, status "offline"). `percent` is sent as is (its meaning is unknown). */
  card: { totalBytes: number; freeBytes: number; loop: boolean; percent: string } | null;
  /** getLedStatus's word: 'on', 'off' or 'auto'. */
  led: string;
  /** getFirmwareUpdateStatus's lastUpgradingSuccess. */
  lastUpgradingSuccess: boolean;
  /** last_alarm_time of a camera that never alarmed: '0' on most firmware, '' on some (C100 1.3.14). */
  noAlarmTime: '0' | '';
  /** Newer firmware sends exact byte counts (`*_accurate`) beside the rounded sizes. */
  accurateSizes: boolean;
}

/** The components of a C210 2.0 on 1.4.3 (the reference answers): the synthetic profiles' list, `ptz` only with a motor. */
const C210_COMPONENTS =
  'sdCard:1 timezone:1 system:3 led:1 playback:6 detection:3 alert:1 firmware:2 account:2 quickSetup:1 video:2 ' +
  'ptz:1 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 audio:2 diagnose:1 msgPush:3 ' +
  'deviceShare:1 tamperDetection:1 tapoCare:1 targetTrack:1 blockZone:1 babyCryDetection:1 personDetection:2 ' +
  'needSubscriptionServiceList:1 nvmp:1 detectionRegion:2 iotCloud:1 panoramicView:1 recordDownload:1 staticIp:2';

/** getAppComponentList's items for a profile. */
export function componentsOf(p: ModelProfile): Array<{ name: string; version: number }> {
  const words = (p.facts?.components ?? C210_COMPONENTS).split(/\s+/).filter(Boolean);
  const list = words.map((w) => {
    const [name, version] = w.split(':');
    return { name: name!, version: Number(version) };
  });
  if (p.facts) {
    return list;
  }
  return [...list.filter((c) => c.name !== 'ptz' || p.ptz), ...(p.battery ? [{ name: 'battery', version: 1 }] : [])];
}

/** A mains camera from recorded facts: PTZ when its components say so, methods it lacks answer -40210. */
export function realProfile(
  f: DeviceFacts & { model: string; hwVersion: string; firmware: string; unsupported?: readonly string[] }
): ModelProfile {
  const { model, hwVersion, firmware, unsupported, ...facts } = f;
  const ptz = /(^|\s)ptz:/.test(facts.components);
  return {
    model,
    hwVersion,
    firmware,
    ptz,
    linkType: 'wifi',
    battery: false,
    unsupported: [...(ptz ? [] : PTZ_METHODS), ...(unsupported ?? [])],
    rtsp: true,
    onvif: true,
    sdCardBytes: facts.card?.totalBytes ?? 0,
    defaultLoginFlow: 'secure',
    defaultHashAlgo: 'sha256',
    facts,
  };
}

const GB = 1024 ** 3;
const PTZ_METHODS = ['motorMove', 'relativeMove', 'getPresetConfig', 'motorMoveToPreset'];

/** The battery cameras differ only in model and firmware (no PTZ, LED, record plan, SD card, RTSP, ONVIF). */
function batteryProfile(model: ModelId, firmware: string): ModelProfile {
  return {
    model,
    hwVersion: '1.0',
    firmware,
    ptz: false,
    linkType: 'wifi',
    battery: true,
    unsupported: [...PTZ_METHODS, 'getLedStatus', 'setLedStatus', 'getRecordPlan'],
    rtsp: false,
    onvif: false,
    sdCardBytes: 0,
    defaultLoginFlow: 'secure',
    defaultHashAlgo: 'sha256',
  };
}

/** What sets a mains-powered camera apart; the rest is common (RTSP, ONVIF, no battery, Wi-Fi unless said). */
type MainsFacts = Pick<
  ModelProfile,
  'hwVersion' | 'firmware' | 'ptz' | 'sdCardBytes' | 'defaultLoginFlow' | 'defaultHashAlgo'
> & { linkType?: ModelProfile['linkType'] };

/** A mains-powered camera: answers the PTZ methods only when it has a motor. */
function mainsProfile(model: ModelId, f: MainsFacts): ModelProfile {
  return {
    model,
    hwVersion: f.hwVersion,
    firmware: f.firmware,
    ptz: f.ptz,
    linkType: f.linkType ?? 'wifi',
    battery: false,
    unsupported: f.ptz ? [] : PTZ_METHODS,
    rtsp: true,
    onvif: true,
    sdCardBytes: f.sdCardBytes,
    defaultLoginFlow: f.defaultLoginFlow,
    defaultHashAlgo: f.defaultHashAlgo,
  };
}

export const PROFILES: Record<ModelId, ModelProfile> = {
  C210: mainsProfile('C210', {
    hwVersion: '2.0',
    firmware: '1.4.3 Build 241010 Rel.33858n',
    ptz: true,
    sdCardBytes: 59.5 * GB,
    defaultLoginFlow: 'secure',
    defaultHashAlgo: 'sha256',
  }),
  C200: mainsProfile('C200', {
    hwVersion: '1.0',
    firmware: '1.1.18 Build 220518 Rel.61634n',
    ptz: true,
    sdCardBytes: 29.7 * GB,
    defaultLoginFlow: 'secure',
    defaultHashAlgo: 'md5',
  }),
  C110: mainsProfile('C110', {
    hwVersion: '2.0',
    firmware: '1.3.6 Build 230726 Rel.50843n',
    ptz: false,
    sdCardBytes: 29.7 * GB,
    defaultLoginFlow: 'legacy',
    defaultHashAlgo: 'md5',
  }),
  C310: mainsProfile('C310', {
    hwVersion: '2.0',
    firmware: '1.3.9 Build 231019 Rel.63427n',
    ptz: false,
    linkType: 'ethernet',
    sdCardBytes: 119 * GB,
    defaultLoginFlow: 'secure',
    defaultHashAlgo: 'sha256',
  }),
  C400: batteryProfile('C400', '1.1.6 Build 230828 Rel.47711n'),
  C420: batteryProfile('C420', '1.2.2 Build 231115 Rel.36021n'),
};

export const MODEL_IDS = Object.keys(PROFILES) as ModelId[];
