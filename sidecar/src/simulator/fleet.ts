/**
 * A fleet of simulated cameras, with a hook for per-camera extras (ONVIF events, RTSP stream)
 * that the media module adds without this file knowing about them.
 */
import { SimulatedCamera, type SimulatedCameraOptions, type SimLoginFlow } from './camera.ts';
import type { ModelId } from './profiles.ts';
import { TPAP_FIRMWARE, type TpapFirmwareId } from './tpap/firmware.ts';
import type { HashAlgo } from '../tapo/crypto.ts';
import { DiscoveryResponder } from './discovery.ts';

export interface FleetExtras {
  onvifPort?: number;
  rtspPort?: number;
  /** The SD card's port-8800 media server (playback and download). */
  playbackPort?: number;
  close(): Promise<void>;
}

export interface FleetExtrasContext {
  index: number;
  host: string;
  /** The fleet's base port, when one was given (extras may derive their own ports from it). */
  basePort: number | undefined;
}

export type FleetExtrasFactory = (cam: SimulatedCamera, ctx: FleetExtrasContext) => Promise<FleetExtras>;

export interface SimulatedFleetOptions {
  count: number;
  host?: string;
  /** Camera i listens on basePort + i; omitted: free ports. */
  basePort?: number;
  /** Models or TPAP firmware builds ('C510W-1.3.4'), cycled. Default: a mix of PTZ, fixed, wired and battery models. */
  profiles?: Array<ModelId | TpapFirmwareId>;
  /** Login flows, cycled; default: each model's usual flow. */
  loginFlows?: SimLoginFlow[];
  hashAlgos?: HashAlgo[];
  /** Local API password for every camera (default 'CloudPass123'). */
  cloudPassword?: string;
  namePrefix?: string;
  autoMotion?: { meanIntervalMs: number };
  /** Anything else, per camera. */
  cameraOptions?: (index: number) => Partial<SimulatedCameraOptions>;
  extras?: FleetExtrasFactory;
  /** Answer TP-Link discovery (UDP) for every camera on this port of `host` (0: a free port); omitted: no responder. */
  discoveryPort?: number;
}

export interface CameraDescription {
  name: string;
  model: string;
  host: string;
  port: number;
  address: string;
  ptz: boolean;
  battery: boolean;
  loginFlow: SimLoginFlow;
  hashAlgo: HashAlgo;
  user: string;
  cloudPassword: string;
  cameraAccount: { username: string; password: string };
  fingerprint: string;
  onvifPort: number | null;
  rtspPort: number | null;
  /** The SD card's port-8800 media server, when the extras started one. */
  playbackPort: number | null;
}

export interface SimulatedFleet {
  cameras: SimulatedCamera[];
  extras: Array<FleetExtras | null>;
  /** The discovery responder, when `discoveryPort` was given. */
  discovery: DiscoveryResponder | null;
  describe(): CameraDescription[];
  close(): Promise<void>;
}

export const DEFAULT_FLEET_MODELS: ModelId[] = ['C210', 'C110', 'C420', 'C200', 'C310', 'C400'];

const pick = <T>(list: readonly T[] | undefined, i: number): T | undefined =>
  list && list.length > 0 ? list[i % list.length] : undefined;

export async function startSimulatedFleet(opts: SimulatedFleetOptions): Promise<SimulatedFleet> {
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 1000) {
    throw new RangeError('count must be an integer 1..1000');
  }
  const host = opts.host ?? '127.0.0.1';
  const cameras: SimulatedCamera[] = [];
  const extras: Array<FleetExtras | null> = [];
  let discovery: DiscoveryResponder | null = null;
  const closeAll = async () => {
    await discovery?.close();
    await Promise.allSettled(extras.map(async (e) => e?.close()));
    await Promise.allSettled(cameras.map((c) => c.close()));
  };
  try {
    for (let i = 0; i < opts.count; i++) {
      const entry = pick(opts.profiles, i) ?? DEFAULT_FLEET_MODELS[i % DEFAULT_FLEET_MODELS.length]!;
      const firmware = entry in TPAP_FIRMWARE ? (entry as TpapFirmwareId) : undefined;
      const model = firmware ? TPAP_FIRMWARE[firmware].model : (entry as ModelId);
      const loginFlow = pick(opts.loginFlows, i);
      const hashAlgo = pick(opts.hashAlgos, i);
      const cam = await SimulatedCamera.start({
        name: `${opts.namePrefix ?? 'Sim'} ${model} ${i + 1}`,
        ...(firmware ? { firmware } : { model: entry as ModelId }),
        host,
        port: opts.basePort !== undefined ? opts.basePort + i : 0,
        ...(loginFlow ? { loginFlow } : {}),
        ...(hashAlgo ? { hashAlgo } : {}),
        cloudPassword: opts.cloudPassword ?? 'CloudPass123',
        cameraAccount: { username: `cam${i + 1}`, password: `CamPass-${i + 1}` },
        ...(opts.autoMotion ? { autoMotion: opts.autoMotion } : {}),
        ...(opts.cameraOptions?.(i) ?? {}),
      });
      cameras.push(cam);
      extras.push(opts.extras ? await opts.extras(cam, { index: i, host, basePort: opts.basePort }) : null);
    }
    if (opts.discoveryPort !== undefined) {
      discovery = await DiscoveryResponder.start(
        cameras.map((camera) => ({ camera })),
        { host, port: opts.discoveryPort }
      );
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return {
    cameras,
    extras,
    discovery,
    describe: () =>
      cameras.map((c, i) => ({
        name: c.name,
        model: c.model,
        host: c.host,
        port: c.port,
        address: `https://${c.host}:${c.port}/`,
        ptz: c.ptz,
        battery: c.profile.battery,
        loginFlow: c.loginFlow,
        hashAlgo: c.loginFlow === 'secure' ? c.hashAlgo : c.loginFlow === 'tpap' ? c.tpapPasscode : 'md5',
        user: 'admin',
        cloudPassword: c.cloudPassword,
        cameraAccount: c.cameraAccount,
        fingerprint: c.fingerprint,
        onvifPort: extras[i]?.onvifPort ?? null,
        rtspPort: extras[i]?.rtspPort ?? null,
        playbackPort: extras[i]?.playbackPort ?? null,
      })),
    close: closeAll,
  };
}
