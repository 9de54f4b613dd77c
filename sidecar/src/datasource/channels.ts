/** Grafana Live channel paths (under ds/<uid>/) that this datasource serves. */
import {
  channels,
  LIVE_DEFAULT_FPS,
  LIVE_DEFAULT_WIDTH,
  LIVE_MAX_FPS,
  LIVE_MAX_WIDTH,
  type VideoStreamName,
} from '../../../src/shared/query.ts';

export type Channel =
  | { kind: 'fleet-metrics' }
  | { kind: 'camera-metrics'; cameraId: string }
  | { kind: 'frames'; cameraId: string; fps: number; width: number }
  | { kind: 'video'; cameraId: string; stream: VideoStreamName };

const ID = '[A-Za-z0-9_\\-.=]+';
const CAMERA_METRICS = new RegExp(`^camera/(${ID})/metrics$`);
const FRAMES = new RegExp(`^camera/(${ID})/frames/(\\d+(?:\\.\\d+)?)/(\\d+)$`);
const VIDEO = new RegExp(`^camera/(${ID})/video/(main|sub)$`);

export const MIN_WIDTH = 64;

export function clampFps(fps: number | undefined): number {
  const v = fps && Number.isFinite(fps) && fps > 0 ? fps : LIVE_DEFAULT_FPS;
  return Math.min(Math.max(v, 0.2), LIVE_MAX_FPS);
}

export function clampWidth(width: number | undefined): number {
  const v = width && Number.isFinite(width) && width > 0 ? Math.round(width) : LIVE_DEFAULT_WIDTH;
  // Even widths keep ffmpeg's scalers happy.
  return Math.min(Math.max(v, MIN_WIDTH), LIVE_MAX_WIDTH) & ~1;
}

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
  }
}

export function liveAddress(uid: string, c: Channel): string {
  return `ds/${uid}/${channelPath(c)}`;
}
