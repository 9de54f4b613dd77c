/**
 * The smart detections a simulated camera raises (issue 21), and how each one reaches a client:
 * wired cameras push the ONVIF kinds as Tapo firmware phrases them (topic and data item, as Home
 * Assistant's ONVIF tests record them from 2024–2025 firmware); every kind also becomes the
 * camera's last alarm, whose type words follow the detection's config module (only "motion" is on
 * record from real cameras).
 */
import { EVENT_KINDS, type EventKind } from '../../../src/shared/query.ts';
import type { ModelId } from './profiles.ts';

export interface OnvifTopic {
  topic: string;
  item: string;
  rule: string;
}

const SMART_EVENT = 'tns1:RuleEngine/TPSmartEventDetector/TPSmartEvent';

/** The kinds a camera pushes over ONVIF; the others only as its last alarm. */
export const SIM_ONVIF_TOPICS: Partial<Record<EventKind, OnvifTopic>> = {
  motion: { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', item: 'IsMotion', rule: 'MyMotionDetectorRule' },
  person: { topic: 'tns1:RuleEngine/PeopleDetector/People', item: 'IsPeople', rule: 'MyPeopleDetectorRule' },
  vehicle: { topic: SMART_EVENT, item: 'IsVehicle', rule: 'MyTPSmartEventDetectorRule' },
  pet: { topic: SMART_EVENT, item: 'IsPet', rule: 'MyTPSmartEventDetectorRule' },
  line_crossing: {
    topic: 'tns1:RuleEngine/CellMotionDetector/LineCross',
    item: 'IsLineCross',
    rule: 'MyLineCrossDetectorRule',
  },
  intrusion: {
    topic: 'tns1:RuleEngine/CellMotionDetector/Intrusion',
    item: 'IsIntrusion',
    rule: 'MyIntrusionDetectorRule',
  },
  tamper: { topic: 'tns1:RuleEngine/CellMotionDetector/Tamper', item: 'IsTamper', rule: 'MyTamperDetectorRule' },
};

/** What a camera detects itself: a button press comes from a hub sensor's trigger log, never a camera. */
export type CameraDetectionKind = Exclude<EventKind, 'button'>;
export const CAMERA_DETECTION_KINDS: readonly CameraDetectionKind[] = EVENT_KINDS.filter(
  (k): k is CameraDetectionKind => k !== 'button'
);

/** `last_alarm_type` words per kind. */
export const SIM_LAST_ALARM_TYPES: Record<CameraDetectionKind, string> = {
  motion: 'motion',
  person: 'person',
  ring: 'ring',
  vehicle: 'vehicle',
  pet: 'pet',
  line_crossing: 'linecrossing',
  intrusion: 'intrusion',
  tamper: 'tamper',
  baby_cry: 'babycry',
  bark: 'bark',
  meow: 'meow',
  glass_break: 'glass',
  package: 'package',
};

/**
 * The detections each model has (its ONVIF side pushes those with a topic; its config getters
 * answer them), after python-kasa's fixtures of which models answer which detection config (C210:
 * baby cry and tamper; battery models: pet and vehicle as the D230 and C4xx children). Across the
 * models every kind is there; tests trigger any kind on any model.
 */
export const SIM_DETECTIONS: Record<ModelId, readonly EventKind[]> = {
  C210: ['motion', 'person', 'baby_cry', 'tamper'],
  C200: ['motion', 'person', 'tamper', 'bark', 'meow', 'glass_break'],
  C110: ['motion', 'person', 'baby_cry', 'tamper'],
  C310: ['motion', 'person', 'vehicle', 'pet', 'line_crossing', 'intrusion', 'tamper'],
  C400: ['motion', 'person', 'vehicle', 'pet'],
  C420: ['motion', 'person', 'vehicle', 'pet', 'package'],
};

/** The config getter of each smart detection (as the client asks it), and the answer's module and section. */
const GETTERS: Record<string, { kind: EventKind; module: string; section: string; extra: Record<string, string> }> = {
  getVehicleDetectionConfig: {
    kind: 'vehicle',
    module: 'vehicle_detection',
    section: 'detection',
    extra: { sensitivity: '60' },
  },
  getPetDetectionConfig: { kind: 'pet', module: 'pet_detection', section: 'detection', extra: { sensitivity: '60' } },
  getLinecrossingDetectionConfig: {
    kind: 'line_crossing',
    module: 'linecrossing_detection',
    section: 'detection',
    extra: {},
  },
  getTamperDetectionConfig: {
    kind: 'tamper',
    module: 'tamper_detection',
    section: 'tamper_det',
    extra: { digital_sensitivity: '50', sensitivity: 'medium' },
  },
  getBCDConfig: {
    kind: 'baby_cry',
    module: 'sound_detection',
    section: 'bcd',
    extra: { digital_sensitivity: '50', sensitivity: 'medium' },
  },
  getBarkDetectionConfig: {
    kind: 'bark',
    module: 'bark_detection',
    section: 'detection',
    extra: { sensitivity: '50' },
  },
  getMeowDetectionConfig: {
    kind: 'meow',
    module: 'meow_detection',
    section: 'detection',
    extra: { sensitivity: '50' },
  },
  getGlassDetectionConfig: {
    kind: 'glass_break',
    module: 'glass_detection',
    section: 'detection',
    extra: { sensitivity: '50' },
  },
  getPackageDetectionConfig: {
    kind: 'package',
    module: 'package_detection',
    section: 'detection',
    extra: { sensitivity: '50' },
  },
};

/**
 * A smart detection's config answer in the shape real cameras give (python-kasa's C220 and C210
 * fixtures), or undefined when `method` is no such getter; null when the model lacks the detection.
 */
export function detectionConfigAnswer(
  method: string,
  has: ReadonlyMap<EventKind, boolean>
): Record<string, unknown> | null | undefined {
  const g = GETTERS[method];
  if (!g) {
    return undefined;
  }
  const on = has.get(g.kind);
  if (on === undefined) {
    return null;
  }
  return { [g.module]: { [g.section]: { ...g.extra, enabled: on ? 'on' : 'off' } } };
}

/**
 * The event-type code a detection leaves on the clip the camera records (recordings sheet §5.1,
 * RECORDED_EVENT_LABELS): what `searchDetectionList` reports for it.
 */
export const SIM_RECORDED_EVENT_CODES: Record<CameraDetectionKind, number> = {
  motion: 2,
  tamper: 3,
  line_crossing: 4,
  intrusion: 5,
  person: 6,
  baby_cry: 7,
  vehicle: 8,
  pet: 9,
  bark: 11,
  meow: 12,
  glass_break: 13,
  package: 15,
  ring: 17,
};
