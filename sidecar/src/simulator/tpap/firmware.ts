/**
 * Simulated 2026 firmware builds that moved to TPAP (fact sheet §2.1): which model they report,
 * the older profile whose methods they share, and how their verifier was made (§5.2, §5.4).
 */
import { PROFILES, type ModelId, type ModelProfile } from '../profiles.ts';
import type { TpapDeviceOptions } from './tpap-device.ts';

export interface TpapFirmware {
  /** Reported device_model. */
  model: string;
  /** The older profile this model's methods and shape follow. */
  base: ModelId;
  hwVersion: string;
  firmware: string;
  tpap: TpapDeviceOptions;
}

export const TPAP_FIRMWARE = {
  /** pytapo #218: MD5 passcode, no extra_crypt. */
  'C510W-1.3.4': {
    model: 'C510W',
    base: 'C210',
    hwVersion: '2.0',
    firmware: '1.3.4 Build 260523 Rel.33481n',
    tpap: { passcode: 'md5' },
  },
  /** pytapo #218 write-up: SHA-256 passcode through password_shadow 5 (SHA-256-crypt). */
  'C200-1.4.6': {
    model: 'C200',
    base: 'C200',
    hwVersion: '5.0',
    firmware: '1.4.6 Build 260709',
    tpap: {
      passcode: 'sha256',
      extraCrypt: { type: 'password_shadow', params: { passwd_id: 5, passwd_prefix: '$5$tpapSimSalt016$' } },
    },
  },
  /** pytapo #177/#211 (assumed MD5 like the C510W). */
  'C100-1.5.1': {
    model: 'C100',
    base: 'C110',
    hwVersion: '5.0',
    firmware: '1.5.1',
    tpap: { passcode: 'md5' },
  },
  /** python-kasa #1712 (assumed MD5 like the C510W). */
  'C220-1.4.4': {
    model: 'C220',
    base: 'C210',
    hwVersion: '1.0',
    firmware: '1.4.4 Build 260515',
    tpap: { passcode: 'md5' },
  },
} satisfies Record<string, TpapFirmware>;

export type TpapFirmwareId = keyof typeof TPAP_FIRMWARE;
export const TPAP_FIRMWARE_IDS = Object.keys(TPAP_FIRMWARE) as TpapFirmwareId[];

/** The model profile a camera on this firmware answers with. */
export function tpapProfile(id: TpapFirmwareId): ModelProfile {
  const fw: TpapFirmware = TPAP_FIRMWARE[id];
  return {
    ...PROFILES[fw.base],
    model: fw.model,
    hwVersion: fw.hwVersion,
    firmware: fw.firmware,
    defaultLoginFlow: 'tpap',
  };
}
