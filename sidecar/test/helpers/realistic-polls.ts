/**
 * Realistic, deterministic polls for store tests and benchmarks: latency and signal that wander,
 * cameras that go offline for hours, uptime that resets, battery that drains and charges, SD cards
 * that fill, sensors' humidity, doors and leaks. Seeded, so a fixture written from it can be checked against it again later.
 */
import type { CameraStatus, PollResult } from '../../src/model.ts';

/** mulberry32: a small seeded generator (public-domain algorithm). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CameraPlan {
  cameraId: string;
  /** A battery camera behind a hub (battery columns filled, no storage). */
  battery?: boolean;
  /** A sensor behind a hub (issue 24): humidity that wanders, a door, motion and a leak that come and go. */
  sensor?: boolean;
  /** Offline spells: [start, end) in epoch ms. */
  offline?: Array<[number, number]>;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Polls of one camera every `intervalMs` (with up to 10 % jitter) in [from, to). Deterministic for
 * a given seed and plan.
 */
export function realisticPolls(plan: CameraPlan, from: number, to: number, intervalMs: number, seed = 1): PollResult[] {
  const rnd = seeded(seed);
  const out: PollResult[] = [];
  let latency = 20 + rnd() * 30;
  let rssi = -45 - rnd() * 25;
  let uptime = Math.floor(rnd() * 1e6);
  let battery = 40 + Math.floor(rnd() * 60);
  let charging = false;
  let used = 10e9 + rnd() * 50e9;
  // Drawn only for sensors, so the other plans' polls (and the fixtures written from them) stay as they were.
  let humidity = plan.sensor ? 40 + rnd() * 30 : 0;
  let open = false;
  let motion = false;
  let leak = false;
  let prev = from;
  for (let t = from; t < to; t += intervalMs) {
    const time = t + Math.floor(rnd() * intervalMs * 0.1);
    const offline = plan.offline?.some(([a, b]) => time >= a && time < b) ?? false;
    latency = Math.min(
      900,
      Math.max(3, latency + (rnd() - 0.5) * 6 + (rnd() < 0.01 ? 200 : 0) - (latency > 80 ? 20 : 0))
    );
    rssi = Math.min(-30, Math.max(-90, Math.round(rssi + (rnd() - 0.5) * 4)));
    uptime = offline ? 0 : uptime + Math.round((time - prev) / 1000);
    prev = time;
    used = Math.min(64e9, used + rnd() * 2e6);
    if (plan.battery) {
      if (charging ? battery >= 100 : battery <= 15) {
        charging = !charging;
      }
      if (rnd() < 0.05) {
        battery = Math.min(100, Math.max(0, battery + (charging ? 1 : -1)));
      }
    }
    if (plan.sensor) {
      humidity = Math.min(99, Math.max(1, humidity + (rnd() - 0.5) * 2));
      open = rnd() < 0.03 ? !open : open;
      motion = rnd() < 0.1 ? !motion : motion;
      leak = rnd() < 0.002 ? !leak : leak;
    }
    const status: CameraStatus = offline ? 'offline' : 'online';
    out.push({
      cameraId: plan.cameraId,
      time,
      status,
      error: offline ? 'no answer from the camera (timeout)' : null,
      latencyMs: offline ? null : round1(latency),
      uptimeSeconds: offline ? null : uptime,
      firmware: '1.4.3 Build 241010 Rel.33858n',
      hardwareVersion: '2.0',
      model: plan.battery ? 'C420' : 'C210',
      mac: '00-11-22-33-44-55',
      rssiDbm: offline ? null : rssi,
      signalLevel: offline ? null : rssi > -55 ? 4 : rssi > -65 ? 3 : rssi > -75 ? 2 : 1,
      motionDetectionEnabled: offline ? null : true,
      personDetectionEnabled: offline ? null : rnd() < 0.999,
      privacyMode: offline ? null : false,
      recordingMode: 'continuous',
      storageUsedBytes: offline || plan.battery ? null : Math.round(used),
      storageTotalBytes: offline || plan.battery ? null : 64e9,
      sdCardStatus: plan.battery ? null : 'normal',
      temperatureC: offline || !plan.battery ? null : round1(20 + rnd() * 5),
      ...(plan.battery
        ? {
            batteryPercent: offline ? null : battery,
            batteryCharging: offline ? null : charging,
            batteryLow: offline ? null : battery < 20,
            powerSource: offline ? null : 'BATTERY',
          }
        : {}),
      ...(plan.sensor
        ? {
            humidityPct: offline ? null : Math.round(humidity),
            contactOpen: offline ? null : open,
            motionDetected: offline ? null : motion,
            waterLeak: offline ? null : leak,
          }
        : {}),
    });
  }
  return out;
}
