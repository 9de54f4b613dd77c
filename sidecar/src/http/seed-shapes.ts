/**
 * The seed design's JSON shapes (tapo-camera-mcp's metrics API), filled from the fleet. Where the
 * seed invented a value (0 % storage, "Unknown" model) we answer null: not reported is not zero.
 * Extra fields are additive; the seed's fields keep their names and meaning.
 */
import type { HttpFleetView } from './deps.ts';
import type { CameraSnapshot } from '../model.ts';
import type { PollPoint } from '../store/types.ts';

export interface SeedCamera {
  name: string;
  status: string;
  uptime_seconds: number | null;
  temperature: number | null;
  /**
   * As in the seed, whose name it keeps: whether the camera's motion detection is ON (a setting),
   * not whether there is motion. Motion now is `motion_now`.
   */
  motion_detected: boolean | null;
  /** Motion/person events since the sidecar started (a counter). */
  motion_events_count: number;
  network_latency_ms: number | null;
  /** Wi-Fi RSSI, dBm. */
  signal_strength: number | null;
  storage_used_percent: number | null;
  last_seen: string | null;
  model: string | null;
  ip_address: string;
  firmware: string | null;
  // additive
  camera_id: string;
  error: string | null;
  last_poll: string | null;
  signal_level: number | null;
  motion_events_last_minute: number;
  motion_last_detected: string | null;
  person_detection_enabled: boolean | null;
  privacy_mode: boolean | null;
  recording_status: string | null;
  sd_card_status: string | null;
  storage_used_mb: number | null;
  storage_total_mb: number | null;
  ptz: boolean;
  // additive (issue 24): what the device says about itself
  /** Motion now: an event in progress, or one that started within the last poll interval. */
  motion_now: boolean;
  /** The same setting as `motion_detected`, under a name that says so. */
  motion_detection_enabled: boolean | null;
  /** The name the owner gave it in the Tapo app. */
  app_name: string | null;
  mac: string | null;
  link_type: string | null;
  ssid: string | null;
  led: string | null;
  /** The card overwrites its oldest footage: a full card is normal then. */
  loop_recording: boolean | null;
  firmware_update: string | null;
  firmware_upgrade_failed: boolean | null;
  capabilities: CameraSnapshot['capabilities'] | null;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const MB = 1024 * 1024;

export function seedCamera(fleet: HttpFleetView, s: CameraSnapshot): SeedCamera {
  const l = s.last;
  const counters = fleet.counters(s.id);
  const used = l?.storageUsedBytes ?? null;
  const total = l?.storageTotalBytes ?? null;
  return {
    name: s.name,
    status: l?.status ?? 'unknown',
    uptime_seconds: l?.uptimeSeconds ?? null,
    temperature: l?.temperatureC ?? null,
    motion_detected: l?.motionDetectionEnabled ?? null,
    motion_events_count: counters ? counters.events.motion + counters.events.person : 0,
    network_latency_ms: l?.latencyMs ?? null,
    signal_strength: l?.rssiDbm ?? null,
    storage_used_percent: used !== null && total !== null && total > 0 ? Math.round((used / total) * 1000) / 10 : null,
    last_seen: iso(s.lastSeen),
    model: fleet.model(s.id) ?? l?.model ?? null,
    ip_address: s.host,
    firmware: l?.firmware ?? null,
    camera_id: s.id,
    error: l?.error ?? null,
    last_poll: iso(l?.time),
    signal_level: l?.signalLevel ?? null,
    motion_events_last_minute: s.motionEventsLastMinute,
    motion_last_detected: iso(s.lastMotion),
    person_detection_enabled: l?.personDetectionEnabled ?? null,
    privacy_mode: l?.privacyMode ?? null,
    recording_status: l?.recordingMode ?? null,
    sd_card_status: l?.sdCardStatus ?? null,
    storage_used_mb: used === null ? null : Math.round(used / MB),
    storage_total_mb: total === null ? null : Math.round(total / MB),
    ptz: s.ptz,
    motion_now: s.motionNow ?? false,
    motion_detection_enabled: l?.motionDetectionEnabled ?? null,
    app_name: l?.alias ?? null,
    mac: l?.mac ?? null,
    link_type: l?.linkType ?? null,
    ssid: l?.ssid ?? null,
    led: l?.led ?? null,
    loop_recording: l?.loopRecording ?? null,
    firmware_update: l?.firmwareUpdateState ?? null,
    firmware_upgrade_failed: l?.firmwareUpgradeFailed ?? null,
    capabilities: s.capabilities ?? null,
  };
}

export function seedSummary(fleet: HttpFleetView, now = Date.now()) {
  const snaps = fleet.cameras();
  const cameras: Record<string, SeedCamera> = {};
  for (const s of snaps) {
    cameras[s.id] = seedCamera(fleet, s);
  }
  const online = snaps.filter((s) => s.last?.status === 'online');
  const latencies = online.map((s) => s.last!.latencyMs).filter((v): v is number => v !== null);
  return {
    timestamp: new Date(now).toISOString(),
    cameras,
    summary: {
      total_cameras: snaps.length,
      online_cameras: online.length,
      offline_cameras: snaps.length - online.length,
      // The seed counted cameras whose detection is on (its motion_detected); kept so.
      motion_active_count: snaps.filter((s) => s.last?.motionDetectionEnabled === true).length,
      // additive: cameras seeing motion now
      motion_now_count: snaps.filter((s) => s.motionNow === true).length,
      // Over the cameras that answered (the seed divided by all, counting silent ones as 0 ms).
      average_latency_ms:
        latencies.length > 0 ? Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 10) / 10 : null,
    },
  };
}

export function seedHistory(cameraId: string, points: PollPoint[]) {
  return {
    camera_id: cameraId,
    history: points.map((p) => ({
      timestamp: new Date(p.time).toISOString(),
      uptime_seconds: p.uptimeSeconds,
      temperature: p.temperatureC,
      network_latency_ms: p.latencyMs,
      motion_detected: p.motionDetectionEnabled,
      status: p.status,
      // additive
      signal_strength: p.rssiDbm,
      storage_used_percent: p.storageUsedPct === null ? null : Math.round(p.storageUsedPct * 10) / 10,
      error: p.error,
    })),
  };
}
