/**
 * Camera settings for simulated devices: what a user would enter for one of the simulator's
 * cameras (its account, camera account and ONVIF port) or its hub. The demo fleet and the tests
 * both configure simulated cameras this way; each fills in its own ids, intervals and pinning.
 */
import type { CameraConfig } from '../config/types.ts';
import type { CameraDescription } from '../simulator/fleet.ts';
import type { SimulatedHub } from '../simulator/hub/hub.ts';

/** The settings of a described simulated camera: stream2, no RTSP override, no pinned certificate unless `over` says. */
export function simulatedCameraConfig(
  d: CameraDescription,
  over: Partial<CameraConfig> & Pick<CameraConfig, 'id' | 'pollIntervalMs' | 'source'>
): CameraConfig {
  return {
    name: d.name,
    host: d.host,
    port: d.port,
    username: d.user,
    password: d.cloudPassword,
    cameraAccount: d.cameraAccount.username,
    cameraPassword: d.cameraAccount.password,
    stream: 'stream2',
    rtspUrlOverride: null,
    onvifPort: d.onvifPort,
    tlsFingerprint: null,
    disabled: false,
    ...(d.playbackPort !== null ? { streamPort: d.playbackPort } : {}),
    ...over,
  };
}

/** The settings of a simulated hub (kind 'hub': no camera account, no stream of its own). */
export function simulatedHubConfig(
  hub: SimulatedHub,
  over: Partial<CameraConfig> & Pick<CameraConfig, 'id' | 'name' | 'pollIntervalMs' | 'source'>
): CameraConfig {
  return {
    host: hub.host,
    port: hub.port,
    username: 'admin',
    password: hub.cloudPassword,
    cameraAccount: null,
    cameraPassword: null,
    stream: 'stream2',
    rtspUrlOverride: null,
    onvifPort: null,
    tlsFingerprint: null,
    disabled: false,
    kind: 'hub',
    ...over,
  };
}
