/**
 * An in-memory FleetView with known data, for testing how the datasource shapes frames. The
 * real fleet (poller + SQLite) is tested against simulated cameras in test/fleet.
 */
import { EventEmitter } from 'node:events';
import type {
  CameraSnapshot,
  FleetEvents,
  FleetView,
  HistoryRequest,
  MotionEvent,
  PollResult,
  Series,
} from '../../src/model.ts';

export function poll(cameraId: string, time: number, over: Partial<PollResult> = {}): PollResult {
  return {
    cameraId,
    time,
    status: 'online',
    error: null,
    latencyMs: 42,
    uptimeSeconds: null,
    firmware: '1.4.3 Build 241010 Rel.33858n',
    hardwareVersion: '2.0',
    model: 'C210',
    mac: '00-11-22-33-44-55',
    rssiDbm: -51,
    signalLevel: 3,
    motionDetectionEnabled: true,
    personDetectionEnabled: false,
    privacyMode: false,
    recordingMode: 'continuous',
    storageUsedBytes: 25e9,
    storageTotalBytes: 100e9,
    sdCardStatus: 'normal',
    temperatureC: null,
    ...over,
  };
}

export class MemoryFleet implements FleetView {
  readonly emitter = new EventEmitter();
  readonly snapshots = new Map<string, CameraSnapshot>();
  readonly polls: PollResult[] = [];
  readonly motion: MotionEvent[] = [];
  historyCalls: HistoryRequest[] = [];

  addCamera(id: string, name: string, last: PollResult | null, ptz = false): void {
    this.snapshots.set(id, {
      id,
      name,
      host: `192.0.2.${this.snapshots.size + 10}`,
      ptz,
      lastSeen: last && last.status === 'online' ? last.time : null,
      last,
      motionEventsLastMinute: 0,
      lastMotion: null,
    });
    if (last) {
      this.polls.push(last);
    }
  }

  emitPoll(p: PollResult): void {
    this.polls.push(p);
    const s = this.snapshots.get(p.cameraId);
    if (s) {
      s.last = p;
    }
    this.emitter.emit('poll', p);
  }

  cameras(): CameraSnapshot[] {
    return [...this.snapshots.values()];
  }
  camera(id: string): CameraSnapshot | undefined {
    return this.snapshots.get(id);
  }
  async history(req: HistoryRequest): Promise<Series[]> {
    this.historyCalls.push(req);
    const value = (p: PollResult, m: string): number | null => {
      switch (m) {
        case 'online':
          return p.status === 'online' ? 1 : 0;
        case 'latency_ms':
          return p.latencyMs;
        case 'temperature_c':
          return p.temperatureC;
        default:
          return null;
      }
    };
    return req.cameraIds.flatMap((cameraId) =>
      req.metrics.map((metric) => {
        const ps = this.polls.filter((p) => p.cameraId === cameraId && p.time >= req.from && p.time <= req.to);
        const values = ps.map((p) => value(p, metric));
        // One poll per bucket here: its minimum and maximum are the value itself.
        const minMax = req.withMinMax ? { min: values, max: values } : {};
        return { cameraId, metric, times: ps.map((p) => p.time), values, ...minMax };
      })
    );
  }
  async events(ids: string[], from: number, to: number, kinds?: string[]): Promise<MotionEvent[]> {
    return this.motion.filter(
      (e) => ids.includes(e.cameraId) && e.start >= from && e.start <= to && (!kinds || kinds.includes(e.kind))
    );
  }
  async statusChanges() {
    return [];
  }
  on<K extends keyof FleetEvents>(event: K, listener: FleetEvents[K]): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
