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
