/**
 * A camera's runtime inside the fleet: its configuration, client, timer, poll in flight, the last
 * poll and counters; and the snapshot of it that the read side (`FleetView`) hands out.
 */
import { EVENT_KINDS } from '../../../src/shared/query.ts';
import type { CameraConfig } from '../config/types.ts';
import type { Capabilities, CameraCounters, CameraSnapshot, EventKind, PollResult } from '../model.ts';
import type { MotionSource } from './motion.ts';
import type { CameraProbe } from './probe.ts';

export interface Runtime {
  cfg: CameraConfig;
  probe: CameraProbe | null;
  motion: MotionSource | null;
  motionActive: boolean;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<void> | null;
  due: number;
  /** A poll asked for before the due time while one was in flight or none was scheduled yet: taken by the next schedule. */
  soon: number | null;
  failures: number;
  /** Bumped when the camera is replaced or removed: results of older polls are dropped. */
  gen: number;
  last: PollResult | null;
  lastSeen: number | null;
  model: string | null;
  /** From the last component list the device sent (kept while it does not answer). */
  capabilities: Capabilities | null;
  recentEvents: number[];
  lastMotion: number | null;
  lastAlarmTime: number | null;
  counters: CameraCounters;
}

const zeroCounters = (): CameraCounters => ({
  polls: { online: 0, offline: 0, auth_failed: 0, locked_out: 0, error: 0, unknown: 0, sleeping: 0 },
  events: Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as Record<EventKind, number>,
});

export function newRuntime(cfg: CameraConfig): Runtime {
  return {
    cfg,
    probe: null,
    motion: null,
    motionActive: false,
    timer: null,
    inFlight: null,
    due: 0,
    soon: null,
    failures: 0,
    gen: 0,
    last: null,
    lastSeen: null,
    model: null,
    capabilities: null,
    recentEvents: [],
    lastMotion: null,
    lastAlarmTime: null,
    counters: zeroCounters(),
  };
}

/** The camera as the read side sees it; drops event times older than a minute on the way. */
export function snapshot(rt: Runtime): CameraSnapshot {
  const now = Date.now();
  const cutoff = now - 60_000;
  while (rt.recentEvents.length > 0 && rt.recentEvents[0]! < cutoff) {
    rt.recentEvents.shift();
  }
  const alias = rt.cfg.unnamed ? rt.last?.alias : null;
  return {
    id: rt.cfg.id,
    // The user's own name wins; without one, the name the owner gave it in the Tapo app.
    name: alias || rt.cfg.name,
    host: rt.cfg.port === 443 ? rt.cfg.host : `${rt.cfg.host}:${rt.cfg.port}`,
    ptz: rt.capabilities?.ptz ?? false,
    capabilities: rt.capabilities,
    // Motion now: an event in progress, or one that started since the poll before the last.
    motionNow: rt.motionActive || (rt.lastMotion !== null && now - rt.lastMotion <= rt.cfg.pollIntervalMs),
    lastSeen: rt.lastSeen,
    last: rt.last,
    motionEventsLastMinute: rt.recentEvents.filter((t) => t >= cutoff).length,
    lastMotion: rt.lastMotion,
    disabled: rt.cfg.disabled,
    restream: rt.cfg.rtspUrlOverride !== null,
    ...(rt.cfg.kind === 'hub' ? { hub: true } : {}),
    ...(rt.cfg.kind === 'sensor' && rt.cfg.sensorKind ? { sensor: rt.cfg.sensorKind } : {}),
  };
}
