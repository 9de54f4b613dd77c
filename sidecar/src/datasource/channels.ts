/** Grafana Live channel paths (under ds/<uid>/) that this datasource serves. */
import { channels, clampLiveFps, clampLiveWidth, type VideoStreamName } from '../../../src/shared/query.ts';

export type Channel =
  | { kind: 'fleet-metrics' }
  | { kind: 'camera-metrics'; cameraId: string }
  | { kind: 'frames'; cameraId: string; fps: number; width: number }
  | { kind: 'video'; cameraId: string; stream: VideoStreamName }
  | { kind: 'playback'; cameraId: string; start: number; end: number };

const ID = '[A-Za-z0-9_\\-.=]+';
const CAMERA_METRICS = new RegExp(`^camera/(${ID})/metrics$`);
const FRAMES = new RegExp(`^camera/(${ID})/frames/(\\d+(?:\\.\\d+)?)/(\\d+)$`);
const VIDEO = new RegExp(`^camera/(${ID})/video/(main|sub)$`);
const PLAYBACK = new RegExp(`^camera/(${ID})/playback/(\\d{1,11})-(\\d{1,11})$`);

/** The live rules both sides apply (src/shared/query.ts): whole fps within bounds, even widths. */
export const clampFps = clampLiveFps;
export const clampWidth = clampLiveWidth;

/** Parses a channel path; null when it is not one of ours. Out-of-range rates and sizes are capped. */
export function parseChannel(path: string): Channel | null {
  if (path === channels.fleetMetrics()) {
    return { kind: 'fleet-metrics' };
  }
  const m = CAMERA_METRICS.exec(path);
  if (m) {
    return { kind: 'camera-metrics', cameraId: m[1] };
  }
  const f = FRAMES.exec(path);
  if (f) {
    return { kind: 'frames', cameraId: f[1], fps: clampFps(Number(f[2])), width: clampWidth(Number(f[3])) };
  }
  const v = VIDEO.exec(path);
  if (v) {
    return { kind: 'video', cameraId: v[1], stream: v[2] as VideoStreamName };
  }
  const p = PLAYBACK.exec(path);
  if (p) {
    return { kind: 'playback', cameraId: p[1], start: Number(p[2]), end: Number(p[3]) };
  }
  return null;
}

export function channelPath(c: Channel): string {
  switch (c.kind) {
    case 'fleet-metrics':
      return channels.fleetMetrics();
    case 'camera-metrics':
      return channels.cameraMetrics(c.cameraId);
    case 'frames':
      return channels.cameraFrames(c.cameraId, c.fps, c.width);
    case 'video':
      return channels.cameraVideo(c.cameraId, c.stream);
    case 'playback':
      return channels.cameraPlayback(c.cameraId, c.start, c.end);
  }
}

export function liveAddress(uid: string, c: Channel): string {
  return `ds/${uid}/${channelPath(c)}`;
}
