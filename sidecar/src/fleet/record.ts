/**
 * What a finished poll leaves behind: the camera's live state and counters, history (poll, status
 * change), a motion event from the camera's last alarm (while no subscription delivers events),
 * and the fleet's `poll`/`event` emissions. History is best effort: a store that fails is logged,
 * and live state and listeners still get the poll.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from '../log.ts';
import type { MotionEvent, PollResult } from '../model.ts';
import type { Store } from '../store/types.ts';
import type { CameraPoll } from '../tapo/types.ts';
import { isSensorPoll } from './hub-probe.ts';
import { eventKind } from './map.ts';
import type { Runtime } from './runtime.ts';

export class Recorder {
  constructor(
    private readonly store: Store,
    private readonly emitter: EventEmitter,
    private readonly log: Logger
  ) {}

  async poll(rt: Runtime, r: PollResult, poll: CameraPoll | null): Promise<void> {
    const prev = rt.last?.status ?? 'unknown';
    rt.last = r;
    rt.counters.polls[r.status]++;
    if (r.status === 'online') {
      rt.lastSeen = r.time;
    }
    if (r.model) {
      rt.model = r.model;
    }
    if (r.capabilities) {
      rt.capabilities = r.capabilities;
    }
    try {
      await this.store.writePoll(r);
      if (prev !== r.status && !(prev === 'unknown' && r.status === 'online')) {
        await this.store.writeStatusChange({
          cameraId: r.cameraId,
          time: r.time,
          from: prev,
          to: r.status,
          error: r.error,
        });
        this.log.info({ camera: r.cameraId, from: prev, to: r.status, error: r.error }, 'camera status changed');
      }
    } catch (err) {
      this.log.error({ camera: r.cameraId, err: (err as Error).message }, 'storing a poll failed');
    }
    this.emitter.emit('poll', r);
    await this.sensorEvents(rt, r, poll);
    const alarm = poll?.lastAlarm;
    if (alarm && Number.isFinite(alarm.time) && (rt.lastAlarmTime === null || alarm.time > rt.lastAlarmTime)) {
      rt.lastAlarmTime = alarm.time;
      const kind = eventKind(alarm.type);
      // A subscription delivers the kinds the camera pushes: a bark or a baby cry still comes as a last alarm.
      if (!rt.motionActive || !(rt.motion?.delivers?.(kind) ?? true)) {
        await this.event(rt, { cameraId: r.cameraId, start: alarm.time, end: null, kind, source: 'last_alarm' });
      }
    }
  }

  /** A sensor's new log entries: each a press (or a motion sensor's motion), at the time the hub logged it. */
  private async sensorEvents(rt: Runtime, r: PollResult, poll: CameraPoll | null): Promise<void> {
    if (!poll || !isSensorPoll(poll)) {
      return;
    }
    for (const t of poll.triggers) {
      await this.event(rt, { cameraId: r.cameraId, start: t.time, end: t.time, kind: t.kind, source: 'trigger_log' });
    }
  }

  async event(rt: Runtime, e: MotionEvent): Promise<void> {
    let isNew: boolean;
    try {
      isNew = await this.store.writeEvent(e);
    } catch (err) {
      this.log.error({ camera: e.cameraId, err: (err as Error).message }, 'storing a motion event failed');
      isNew = true;
    }
    if (isNew) {
      rt.counters.events[e.kind]++;
      rt.recentEvents.push(e.start);
      if (rt.lastMotion === null || e.start > rt.lastMotion) {
        rt.lastMotion = e.start;
      }
    }
    this.emitter.emit('event', e);
  }
}
