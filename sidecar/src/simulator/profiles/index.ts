/** Profiles written from real devices' recorded answers (each file names its source). */
import type { ModelProfile } from '../profiles.ts';
import { C100 } from './c100.ts';
import { C210_V1 } from './c210-v1.ts';
import { C720 } from './c720.ts';
import { D130 } from './d130.ts';
import { TC40 } from './tc40.ts';
import { TC65 } from './tc65.ts';

export const REAL_PROFILES = {
  TC40,
  C100,
  D130,
  TC65,
  C720,
  'C210-1.0': C210_V1,
} as const satisfies Record<string, ModelProfile>;

export type RealProfileId = keyof typeof REAL_PROFILES;
export const REAL_PROFILE_IDS = Object.keys(REAL_PROFILES) as RealProfileId[];
