/**
 * The smart detections' config getters (issue 21), beside motion and person which the poll asks
 * every time: which ones a camera has and whether each is switched on. Module and section per
 * detection as python-kasa's modules and pytapo call them; every answer is
 * `{<module>: {<section>: {"enabled": "on"|"off", ...}}}` (C210 fw 1.4.3: getBCDConfig,
 * getTamperDetectionConfig in the reference answers). A model without the detection answers an error.
 */
import type { EventKind } from '../../../src/shared/query.ts';
import { TapoError } from './errors.ts';
import type { SubRequest } from './types.ts';

interface DetectionConfig {
  method: string;
  module: string;
  section: string;
}

export const DETECTION_CONFIGS: Partial<Record<EventKind, DetectionConfig>> = {
  vehicle: { method: 'getVehicleDetectionConfig', module: 'vehicle_detection', section: 'detection' },
  pet: { method: 'getPetDetectionConfig', module: 'pet_detection', section: 'detection' },
  line_crossing: { method: 'getLinecrossingDetectionConfig', module: 'linecrossing_detection', section: 'detection' },
  tamper: { method: 'getTamperDetectionConfig', module: 'tamper_detection', section: 'tamper_det' },
  baby_cry: { method: 'getBCDConfig', module: 'sound_detection', section: 'bcd' },
  bark: { method: 'getBarkDetectionConfig', module: 'bark_detection', section: 'detection' },
  meow: { method: 'getMeowDetectionConfig', module: 'meow_detection', section: 'detection' },
  glass_break: { method: 'getGlassDetectionConfig', module: 'glass_detection', section: 'detection' },
  package: { method: 'getPackageDetectionConfig', module: 'package_detection', section: 'detection' },
};

export const CONFIGURED_DETECTIONS = Object.keys(DETECTION_CONFIGS) as EventKind[];

export function detectionRequest(kind: EventKind): SubRequest {
  const c = DETECTION_CONFIGS[kind]!;
  return { method: c.method, params: { [c.module]: { name: [c.section] } } };
}

/** Whether the detection is on, from its getter's answer; a TapoError when the answer has no such switch. */
export function decodeDetectionEnabled(kind: EventKind, result: unknown): boolean {
  const c = DETECTION_CONFIGS[kind]!;
  const section = (result as Record<string, Record<string, { enabled?: unknown }>> | null)?.[c.module]?.[c.section];
  const enabled = section?.enabled;
  if (enabled !== 'on' && enabled !== 'off') {
    throw new TapoError('protocol', `${c.method}: no ${c.module}.${c.section}.enabled on/off in the answer`, {
      method: c.method,
    });
  }
  return enabled === 'on';
}
