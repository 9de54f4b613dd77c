/** The data frames that travel over Live: poll results as metric rows, and camera pictures (a JpegPicture as a row). */
import { FRAME_FIELDS as F, POLL_FIELDS, storageUsedPct } from '../../../src/shared/query.ts';
import type { Frame } from '../grafana/frame.ts';
import type { CameraSnapshot, PollResult } from '../model.ts';
import type { JpegPicture } from '../media/types.ts';

/**
 * Poll results as metric rows; `lastMotion` (the camera's latest event) lets a video tile light its
 * motion badge, as a picture row's `motion` does.
 */
export function pollFrame(polls: Array<{ poll: PollResult; name: string; lastMotion?: number | null }>): Frame {
  const col = <T>(f: (p: PollResult) => T) => polls.map((x) => f(x.poll));
  const pct = (p: PollResult) => storageUsedPct(p.storageUsedBytes, p.storageTotalBytes);
  return {
    name: 'polls',
    fields: [
      { name: 'time', type: 'time', values: col((p) => p.time) },
      { name: 'camera_id', type: 'string', values: col((p) => p.cameraId) },
      { name: 'camera_name', type: 'string', values: polls.map((x) => x.name) },
      { name: 'status', type: 'string', values: col((p) => p.status) },
      { name: 'online', type: 'number', values: col((p) => (p.status === 'online' ? 1 : 0)) },
      { name: 'latency_ms', type: 'number', values: col((p) => p.latencyMs), nullable: true, config: { unit: 'ms' } },
      { name: 'rssi_dbm', type: 'number', values: col((p) => p.rssiDbm), nullable: true },
      { name: 'signal_level', type: 'number', values: col((p) => p.signalLevel), nullable: true },
      { name: 'uptime_s', type: 'number', values: col((p) => p.uptimeSeconds), nullable: true, config: { unit: 's' } },
      { name: 'storage_used_pct', type: 'number', values: col(pct), nullable: true, config: { unit: 'percent' } },
      {
        name: 'temperature_c',
        type: 'number',
        values: col((p) => p.temperatureC),
        nullable: true,
        config: { unit: 'celsius' },
      },
      { name: 'motion_detection', type: 'boolean', values: col((p) => p.motionDetectionEnabled), nullable: true },
      { name: 'privacy_mode', type: 'boolean', values: col((p) => p.privacyMode), nullable: true },
      { name: 'last_error', type: 'string', values: col((p) => p.error), nullable: true },
      { name: POLL_FIELDS.lastMotion, type: 'time', values: polls.map((x) => x.lastMotion ?? null), nullable: true },
    ],
  };
}

/**
 * A picture row (or, with `problem`, a row without a picture that says why there is none, so the
 * panel shows the reason instead of a frozen frame).
 */
export function pictureFrame(
  f: JpegPicture,
  cam: CameraSnapshot | undefined,
  now = Date.now(),
  problem: string | null = null
): Frame {
  const recentMotion = cam?.lastMotion != null && now - cam.lastMotion < 60_000;
  return {
    name: 'frames',
    fields: [
      { name: F.time, type: 'time', values: [f.time] },
      { name: F.cameraId, type: 'string', values: [f.cameraId] },
      { name: F.cameraName, type: 'string', values: [cam?.name ?? f.cameraId] },
      { name: F.width, type: 'number', values: [f.width] },
      { name: F.height, type: 'number', values: [f.height] },
      { name: F.jpeg, type: 'string', values: [f.jpeg.toString('base64')] },
      { name: F.status, type: 'string', values: [cam?.last?.status ?? 'unknown'] },
      { name: F.lastSeen, type: 'time', values: [cam?.lastSeen ?? null], nullable: true },
      { name: F.motion, type: 'boolean', values: [recentMotion] },
      { name: F.error, type: 'string', values: [problem ?? cam?.last?.error ?? null], nullable: true },
      { name: F.privacy, type: 'boolean', values: [cam?.last?.privacyMode ?? null], nullable: true },
    ],
  };
}

export function problemFrame(
  cameraId: string,
  cam: CameraSnapshot | undefined,
  problem: string,
  now = Date.now()
): Frame {
  return pictureFrame({ cameraId, time: now, width: 0, height: 0, jpeg: Buffer.alloc(0) }, cam, now, problem);
}
