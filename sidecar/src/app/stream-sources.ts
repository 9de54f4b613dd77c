/**
 * Where each camera's video is read: a camera's own RTSP source (with its camera account and
 * battery rules, `tapo/rtsp-camera.ts`), or for a hub child the hub's port-8800 stream, reached
 * through the hub's host and cloud password. Looked up in the fleet's current settings on every
 * call, so a changed camera gets its new source.
 */
import type { CameraConfig } from '../config/types.ts';
import type { Fleet } from '../fleet/index.ts';
import { hubStreamUrl } from '../media/hubstream/session.ts';
import type { CameraSource } from '../media/types.ts';
import type { StreamName } from '../media/video/types.ts';
import { cameraRtspSource } from '../tapo/rtsp-camera.ts';

export type StreamSource = CameraSource & { stream: StreamName };

export interface StreamSources {
  /** The camera's settings; throws for an unknown camera. */
  configOf(id: string): CameraConfig;
  /** The camera's stream source: `stream` main/sub, or the camera's configured stream. */
  sourceOf(id: string, stream?: StreamName): StreamSource;
}

export function streamSources(fleet: Fleet): StreamSources {
  function configOf(id: string): CameraConfig {
    const cfg = fleet.cameraConfig(id);
    if (!cfg) {
      throw new Error(`unknown camera "${id}"`);
    }
    return cfg;
  }
  return {
    configOf,
    sourceOf(id, stream) {
      const cfg = configOf(id);
      if (cfg.kind === 'sensor') {
        throw new Error(`${cfg.name} is a sensor: it has no picture`);
      }
      if (cfg.hubChild) {
        return hubChildSource(fleet, cfg, cfg.hubChild, stream);
      }
      return cameraRtspSource(cfg, { batteryPowered: fleet.camera(id)?.last?.batteryPercent != null, stream });
    },
  };
}

/** A hub child's stream: through its hub (the hub's host and cloud password), port 8800. */
function hubChildSource(
  fleet: Fleet,
  cfg: CameraConfig,
  child: { hubId: string; deviceId: string },
  stream?: StreamName
): StreamSource {
  const { hubId, deviceId } = child;
  const hub = fleet.cameraConfig(hubId);
  if (!hub) {
    throw new Error(`${cfg.name} is behind hub "${hubId}", which is not configured`);
  }
  if (!hub.password) {
    throw new Error(`${cfg.name}: the hub ${hub.name} has no cloud password yet`);
  }
  const s: StreamName = stream ?? (cfg.stream === 'stream1' ? 'main' : 'sub');
  return {
    cameraId: cfg.id,
    ...hubStreamUrl({
      host: hub.host,
      ...(hub.streamPort !== undefined ? { port: hub.streamPort } : {}),
      username: hub.username,
      password: hub.password,
      deviceId,
    }),
    stream: s,
  };
}
