/**
 * What the poller needs from a camera: one poll at a time, and closing. The real implementation is
 * the camera client (`TapoClient`, one per camera, its session reused across polls); tests may pass
 * a fake where that is the honest thing to test (scheduling, concurrency).
 */
import type { CameraConfig } from '../config/types.ts';
import { TapoClient } from '../tapo/client.ts';
import type { CameraPoll, ClientStateStore, LoginFlow } from '../tapo/types.ts';

export interface CameraProbe {
  poll(): Promise<CameraPoll>;
  /** The login flow the camera used last (remembered across restarts), when the probe knows it. */
  readonly loginFlow?: LoginFlow | null;
  close(): Promise<void>;
}

export interface ProbeContext {
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Pinned fingerprints, login flows and lockouts, remembered across restarts. */
  stateStore?: ClientStateStore;
  /** A fingerprint was pinned at first login (trust on first use). */
  onFingerprint?: (sha256: string) => void;
}

export type ProbeFactory = (camera: CameraConfig, ctx: ProbeContext) => CameraProbe;

/** The real thing: a TapoClient (HTTPS, real login flows) per camera. */
export const tapoProbeFactory: ProbeFactory = (camera, ctx) =>
  new TapoClient({
    host: camera.host,
    port: camera.port,
    username: camera.username,
    password: camera.password ?? '',
    timeoutMs: ctx.timeoutMs,
    ...(camera.tlsFingerprint ? { pinnedFingerprint: camera.tlsFingerprint } : {}),
    ...(ctx.stateStore ? { stateStore: ctx.stateStore } : {}),
    ...(ctx.onFingerprint ? { onFingerprint: ctx.onFingerprint } : {}),
  });
