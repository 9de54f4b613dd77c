/**
 * The fleet: polls every configured camera on its own timer, keeps the latest state, writes
 * history, and emits polls and motion events. Implements the read side (`FleetView`) that the
 * Grafana layer and the HTTP API consume.
 *
 * Isolation: each camera has its own timer and at most one poll in flight; a poll holds one slot
 * of a global concurrency limit for at most its deadline; an unreachable camera backs off
 * exponentially and, while it keeps failing, polls in a separate smaller lane, so even many dead
 * cameras cannot occupy the slots of healthy ones. A slow or dead camera delays only itself.
 */
import { EventEmitter } from 'node:events';
import { sameConnection, type CameraConfig } from '../config/types.ts';
import { logger } from '../log.ts';
import type { PollPoint, StatusChange, Store, StoreHistoryRequest, StoredSeries } from '../store/types.ts';
import { TapoClient } from '../tapo/client.ts';
import { TapoError } from '../tapo/errors.ts';
import type { CameraPoll, ClientStateStore } from '../tapo/types.ts';
import { errorToResult, eventKind, isPtzModel, pollToResult, waitingForPassword } from './map.ts';
import type {
  CameraCounters,
  CameraSnapshot,
  EventKind,
  FleetEvents,
  FleetView,
  HistoryRequest,
  MotionEvent,
  PollResult,
} from '../model.ts';
import type { MotionSource, MotionSourceFactory } from './motion.ts';
import { onvifMotionSourceFactory } from './onvif-source.ts';
import { tapoProbeFactory, type CameraProbe, type ProbeFactory } from './probe.ts';
import { Semaphore } from './semaphore.ts';
import { childConfigs, hubAwareProbeFactory } from './hub-probe.ts';

export interface FleetOptions {
  store: Store;
  /** Max polls in flight across the fleet (default 32). */
  concurrency?: number;
  /** Per-request timeout handed to the client (default 5000 ms). */
  requestTimeoutMs?: number;
  /** Jitter of each interval, as a fraction (default 0.1 = ±10 %). */
  jitter?: number;
  /** Longest wait between attempts at an unreachable camera (default 5 min, never below its interval). */
  maxBackoffMs?: number;
  /** First polls are spread over this window so a large fleet does not start in one burst (default min(interval, 10 s)). */
  startSpreadMs?: number;
  probeFactory?: ProbeFactory;
  /** Motion subscriptions; default ONVIF PullPoint where a camera has a camera account; null: last-alarm polling only. */
  motionSourceFactory?: MotionSourceFactory | null;
  /** Client state (pinned certificates, login flow, lockouts) kept across restarts. */
  clientState?: ClientStateStore;
  /** Called when a camera's certificate is pinned on first use. */
  onFingerprint?: (cameraId: string, sha256: string) => void;
  /** Observes scheduling (tests, benchmarks): a poll started or ended. */
  onTrace?: (t: PollTrace) => void;
}

export interface PollTrace {
  cameraId: string;
  phase: 'start' | 'end';
  /** When the poll was due (epoch ms). */
  due: number;
  /** When this phase happened (epoch ms). */
  at: number;
  /** Sequence number across the fleet: orders traces exactly. */
  seq: number;
}

export interface FleetHistoryRequest
  extends HistoryRequest,
    Pick<StoreHistoryRequest, 'aggregate' | 'withMinMax' | 'minIntervalMs'> {}

interface Runtime {
  cfg: CameraConfig;
  probe: CameraProbe | null;
  motion: MotionSource | null;
  motionActive: boolean;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<void> | null;
  due: number;
  failures: number;
  /** Bumped when the camera is replaced or removed: results of older polls are dropped. */
  gen: number;
  last: PollResult | null;
  lastSeen: number | null;
  model: string | null;
  recentEvents: number[];
  lastMotion: number | null;
  lastAlarmTime: number | null;
  counters: CameraCounters;
}

const zeroCounters = (): CameraCounters => ({
  polls: { online: 0, offline: 0, auth_failed: 0, locked_out: 0, error: 0, unknown: 0, sleeping: 0 },
  events: { motion: 0, person: 0, ring: 0 },
});

export class Fleet implements FleetView {
  private readonly emitter = new EventEmitter();
  private readonly cams = new Map<string, Runtime>();
  /**
   * Cameras per source; the fleet is their union. A camera id or a camera address claimed by two
   * sources goes to the one of higher priority (then the first): one client per camera, and an
   * older datasource's password never competes with a newer one's.
   */
  private readonly sources = new Map<string, { priority: number; cameras: CameraConfig[] }>();
  private readonly sem: Semaphore;
  /** Cameras that failed their last poll wait in their own, smaller lane: dead cameras cannot fill the main one. */
  private readonly failingSem: Semaphore;
  private readonly probeFactory: ReturnType<typeof hubAwareProbeFactory>;
  private resumed = new Map<string, { last: PollResult; lastSeen: number | null }>();
  private running = false;
  private traceSeq = 0;
  private readonly log = logger.child({ module: 'fleet' });

  constructor(private readonly opts: FleetOptions) {
    this.sem = new Semaphore(opts.concurrency ?? 32);
    this.failingSem = new Semaphore(Math.max(1, Math.floor((opts.concurrency ?? 32) / 4)));
    // Hub entries and their battery children get hub probes; everything else the configured factory.
    this.probeFactory = hubAwareProbeFactory(opts.probeFactory ?? tapoProbeFactory);
    this.emitter.setMaxListeners(0);
  }

  get store(): Store {
    return this.opts.store;
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Restores the last state of known cameras from the store and starts polling. */
  async start(): Promise<void> {
    if (this.running) {
      return;
    }
    this.resumed = await this.opts.store.resume();
    this.running = true;
    for (const rt of this.cams.values()) {
      await this.restore(rt);
      this.startCamera(rt, true);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    const all = [...this.cams.values()];
    for (const rt of all) {
      this.halt(rt);
    }
    await Promise.allSettled(all.map(async (rt) => rt.inFlight));
    await Promise.allSettled(all.map((rt) => this.release(rt)));
  }

  /**
   * Sets the cameras of one source (e.g. 'yaml', 'datasource:<uid>', 'demo'): adds new ones, updates
   * changed ones (a new connection setting means a new client; an interval change reschedules) and
   * removes the ones no longer listed. History of removed cameras stays in the store.
   */
  async applyCameras(
    configs: CameraConfig[],
    opts: { source?: string; priority?: number } = {}
  ): Promise<{ conflicts: string[] }> {
    const source = opts.source ?? 'default';
    if (configs.length === 0) {
      this.sources.delete(source);
    } else {
      this.sources.set(source, {
        priority: opts.priority ?? 0,
        cameras: configs.map((c) => ({ ...c, source })),
      });
    }
    const wanted = new Map<string, CameraConfig>();
    const addresses = new Map<string, string>();
    const conflicts: string[] = [];
    const ordered = [...this.sources.values()].sort((a, b) => b.priority - a.priority);
    // Children of a hub that is no longer configured (or no longer a hub) go with it.
    const hubs = new Set(ordered.flatMap((s) => s.cameras.filter((c) => c.kind === 'hub').map((c) => c.id)));
    for (const { cameras } of ordered) {
      for (const c of cameras) {
        if (c.hubChild && !hubs.has(c.hubChild.hubId)) {
          continue;
        }
        // Children share their hub's address; each is its own camera.
        const address = c.hubChild ? `${c.host}:${c.port}#${c.hubChild.deviceId}` : `${c.host}:${c.port}`;
        const owner = addresses.get(address);
        if (wanted.has(c.id) || (owner !== undefined && owner !== c.source)) {
          if (c.source === source) {
            conflicts.push(c.id);
          }
          continue;
        }
        wanted.set(c.id, c);
        addresses.set(address, c.source);
      }
    }
    if (conflicts.length > 0) {
      this.log.warn(
        { source, cameras: conflicts },
        'camera ids already configured by another source; those entries are ignored'
      );
    }
    for (const [id, rt] of [...this.cams]) {
      if (!wanted.has(id)) {
        this.cams.delete(id);
        this.halt(rt);
        void this.release(rt);
      }
    }
    for (const [id, cfg] of wanted) {
      const rt = this.cams.get(id);
      if (!rt) {
        const fresh = this.newRuntime(cfg);
        this.cams.set(id, fresh);
        if (this.running) {
          await this.restore(fresh);
          this.startCamera(fresh, true);
        }
        continue;
      }
      const old = rt.cfg;
      rt.cfg = cfg;
      if (!sameConnection(old, cfg) || old.disabled !== cfg.disabled) {
        this.halt(rt);
        void this.release(rt);
        rt.failures = 0;
        if (this.running) {
          this.startCamera(rt, false);
        }
      } else if (old.pollIntervalMs !== cfg.pollIntervalMs && this.running && rt.timer) {
        clearTimeout(rt.timer);
        rt.timer = null;
        this.schedule(rt, Math.min(rt.due, Date.now() + cfg.pollIntervalMs));
      }
    }
    return { conflicts };
  }

  private newRuntime(cfg: CameraConfig): Runtime {
    return {
      cfg,
      probe: null,
      motion: null,
      motionActive: false,
      timer: null,
      inFlight: null,
      due: 0,
      failures: 0,
      gen: 0,
      last: null,
      lastSeen: null,
      model: null,
      recentEvents: [],
      lastMotion: null,
      lastAlarmTime: null,
      counters: zeroCounters(),
    };
  }

  private async restore(rt: Runtime): Promise<void> {
    const r = this.resumed.get(rt.cfg.id);
    if (r && !rt.last) {
      rt.last = r.last;
      rt.lastSeen = r.lastSeen;
      rt.model = r.last.model;
    }
    try {
      rt.lastAlarmTime ??= await this.opts.store.latestEventStart(rt.cfg.id, 'last_alarm');
      rt.lastMotion ??= await this.opts.store.latestEventStart(rt.cfg.id);
    } catch (err) {
      this.log.warn({ camera: rt.cfg.id, err: (err as Error).message }, 'could not read the last events of a camera');
    }
  }

  private startCamera(rt: Runtime, initial: boolean): void {
    if (rt.cfg.disabled) {
      return;
    }
    if (rt.cfg.password === null) {
      // Persisted without TAPO_SECRET_KEY: nothing to log in with until Grafana sends the password.
      // The last poll before the restart is history, not the camera's state now.
      rt.last = waitingForPassword(rt.cfg.id, Date.now());
      this.log.info({ camera: rt.cfg.id }, 'waiting for the camera password from Grafana');
      return;
    }
    const interval = rt.cfg.pollIntervalMs;
    const spread = this.opts.startSpreadMs ?? Math.min(interval, 10_000);
    const now = Date.now();
    this.schedule(rt, initial ? now + Math.random() * spread : now);
    this.startMotion(rt);
  }

  private startMotion(rt: Runtime): void {
    const factory =
      this.opts.motionSourceFactory === undefined ? onvifMotionSourceFactory : this.opts.motionSourceFactory;
    if (!factory || rt.motion) {
      return;
    }
    const gen = rt.gen;
    try {
      rt.motion = factory(rt.cfg, {
        event: (e) => {
          if (rt.gen !== gen || this.cams.get(rt.cfg.id) !== rt) {
            return;
          }
          void this.recordEvent(rt, {
            cameraId: rt.cfg.id,
            start: e.start,
            end: e.end,
            kind: e.kind,
            source: rt.motion?.source ?? 'onvif',
          });
        },
        state: (active, reason) => {
          if (rt.gen !== gen) {
            return;
          }
          if (active !== rt.motionActive) {
            this.log.info(
              { camera: rt.cfg.id, active, reason },
              active ? 'motion events by subscription' : 'motion events by last-alarm polling'
            );
          }
          rt.motionActive = active;
        },
      });
    } catch (err) {
      this.log.warn(
        { camera: rt.cfg.id, err: (err as Error).message },
        'motion subscription could not start; using last-alarm polling'
      );
      rt.motion = null;
    }
  }

  /** Stops the timer and invalidates in-flight work of a camera. */
  private halt(rt: Runtime): void {
    rt.gen++;
    if (rt.timer) {
      clearTimeout(rt.timer);
    }
    rt.timer = null;
  }

  private async release(rt: Runtime): Promise<void> {
    const probe = rt.probe;
    const motion = rt.motion;
    rt.probe = null;
    rt.motion = null;
    rt.motionActive = false;
    await Promise.allSettled([probe?.close(), motion?.stop()]);
  }

  // ---- polling ----------------------------------------------------------------------------

  private schedule(rt: Runtime, at: number): void {
    rt.due = at;
    const gen = rt.gen;
    rt.timer = setTimeout(
      () => {
        rt.timer = null;
        if (rt.gen !== gen || !this.running) {
          return;
        }
        rt.inFlight = this.pollOnce(rt, gen).finally(() => {
          rt.inFlight = null;
        });
      },
      Math.max(0, at - Date.now())
    );
  }

  private trace(cameraId: string, phase: PollTrace['phase'], due: number): void {
    this.opts.onTrace?.({ cameraId, phase, due, at: Date.now(), seq: this.traceSeq++ });
  }

  private probeFor(rt: Runtime): CameraProbe {
    if (!rt.probe) {
      const id = rt.cfg.id;
      rt.probe = this.probeFactory(rt.cfg, {
        timeoutMs: this.opts.requestTimeoutMs ?? 5000,
        ...(this.opts.clientState ? { stateStore: this.opts.clientState } : {}),
        onFingerprint: (fp) => this.opts.onFingerprint?.(id, fp),
        onHubChildren: (hub, children) => {
          if (this.cams.get(hub.id)?.cfg.kind !== 'hub') {
            return;
          }
          const priority = this.sources.get(hub.source)?.priority ?? 0;
          void this.applyCameras(childConfigs(hub, children), { source: `hub:${hub.id}`, priority }).catch(
            (err: unknown) =>
              this.log.warn({ hub: hub.id, err: (err as Error).message }, "could not apply a hub's children")
          );
        },
      });
    }
    return rt.probe;
  }

  private async pollOnce(rt: Runtime, gen: number): Promise<void> {
    const due = rt.due;
    const release = await (rt.failures > 0 ? this.failingSem : this.sem).acquire();
    let result: PollResult;
    let poll: CameraPoll | null = null;
    try {
      if (rt.gen !== gen) {
        return;
      }
      this.trace(rt.cfg.id, 'start', due);
      let probe: CameraProbe | null = null;
      try {
        // Inside the try: a client that cannot even be built (a bad persisted entry) is this
        // camera's error, and the camera stays scheduled.
        probe = this.probeFor(rt);
        poll = await withDeadline(probe.poll(), this.deadlineMs());
        result = pollToResult(rt.cfg.id, poll, Date.now());
      } catch (err) {
        if (err instanceof DeadlineExceeded) {
          // The client did not settle within its own timeouts: start over with a fresh one.
          rt.probe = null;
          void probe?.close().catch(() => undefined);
        }
        result = {
          ...errorToResult(
            rt.cfg.id,
            err instanceof DeadlineExceeded
              ? new TapoError('timeout', `poll did not finish within ${this.deadlineMs()} ms`)
              : err,
            Date.now()
          ),
          login: probe?.loginFlow ?? null,
        };
      }
      this.trace(rt.cfg.id, 'end', due);
    } finally {
      release();
    }
    if (rt.gen !== gen) {
      return;
    }
    try {
      await this.record(rt, result, poll);
    } catch (err) {
      this.log.error({ camera: rt.cfg.id, err: (err as Error).message }, 'recording a poll failed');
    }
    if (rt.gen === gen && this.running) {
      this.schedule(rt, this.nextDue(rt, due, result));
    }
  }

  private deadlineMs(): number {
    // Login (two requests) plus the poll, each bounded by the client's own timeout.
    return (this.opts.requestTimeoutMs ?? 5000) * 3 + 1000;
  }

  private nextDue(rt: Runtime, due: number, r: PollResult): number {
    const interval = rt.cfg.pollIntervalMs;
    const j = this.opts.jitter ?? 0.1;
    const now = Date.now();
    if (r.status === 'online' || r.status === 'error' || r.status === 'sleeping') {
      rt.failures = 0;
      // Anchored to the due time (no drift), never in the past.
      return Math.max(now, due + interval * (1 + (Math.random() * 2 - 1) * j));
    }
    rt.failures++;
    const cap = Math.max(interval, this.opts.maxBackoffMs ?? 300_000);
    let wait = Math.min(cap, interval * 2 ** (rt.failures - 1));
    if (r.status === 'locked_out') {
      // Ask again only once the camera accepts logins (the client refuses earlier anyway).
      const m = /(\d+) s/.exec(r.error ?? '');
      if (m) {
        wait = Math.max(wait, Number(m[1]) * 1000);
      }
    }
    return now + wait * (1 + Math.random() * j);
  }

  private async record(rt: Runtime, r: PollResult, poll: CameraPoll | null): Promise<void> {
    const prev = rt.last?.status ?? 'unknown';
    rt.last = r;
    rt.counters.polls[r.status]++;
    if (r.status === 'online') {
      rt.lastSeen = r.time;
    }
    if (r.model) {
      rt.model = r.model;
    }
    const store = this.opts.store;
    try {
      await store.writePoll(r);
      if (prev !== r.status && !(prev === 'unknown' && r.status === 'online')) {
        await store.writeStatusChange({ cameraId: r.cameraId, time: r.time, from: prev, to: r.status, error: r.error });
        this.log.info({ camera: r.cameraId, from: prev, to: r.status, error: r.error }, 'camera status changed');
      }
    } catch (err) {
      // History is best effort; live state and listeners still get the poll.
      this.log.error({ camera: r.cameraId, err: (err as Error).message }, 'storing a poll failed');
    }
    this.emitter.emit('poll', r);
    const alarm = poll?.lastAlarm;
    if (alarm && Number.isFinite(alarm.time) && (rt.lastAlarmTime === null || alarm.time > rt.lastAlarmTime)) {
      rt.lastAlarmTime = alarm.time;
      if (!rt.motionActive) {
        await this.recordEvent(rt, {
          cameraId: r.cameraId,
          start: alarm.time,
          end: null,
          kind: eventKind(alarm.type),
          source: 'last_alarm',
        });
      }
    }
  }

  private async recordEvent(rt: Runtime, e: MotionEvent): Promise<void> {
    let isNew: boolean;
    try {
      isNew = await this.opts.store.writeEvent(e);
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

  /**
   * Polls the given cameras now (joining a poll already in flight) and returns their results;
   * for health checks. A camera that is locked out is not contacted (the client refuses).
   */
  async pollNow(ids: string[]): Promise<PollResult[]> {
    return Promise.all(
      ids.map(async (id) => {
        const rt = this.cams.get(id);
        if (!rt) {
          return errorToResult(id, new TapoError('protocol', 'no such camera is configured'), Date.now());
        }
        if (rt.cfg.disabled) {
          return rt.last ?? errorToResult(id, new TapoError('protocol', 'camera is disabled'), Date.now());
        }
        if (rt.cfg.password === null) {
          return waitingForPassword(id, Date.now());
        }
        if (rt.inFlight) {
          await rt.inFlight;
          return rt.last!;
        }
        if (rt.timer) {
          clearTimeout(rt.timer);
        }
        rt.timer = null;
        const gen = rt.gen;
        rt.due = Date.now();
        rt.inFlight = this.pollOnce(rt, gen).finally(() => {
          rt.inFlight = null;
        });
        await rt.inFlight;
        return rt.last!;
      })
    );
  }

  // ---- read side --------------------------------------------------------------------------

  private snapshot(rt: Runtime): CameraSnapshot {
    const cutoff = Date.now() - 60_000;
    while (rt.recentEvents.length > 0 && rt.recentEvents[0]! < cutoff) {
      rt.recentEvents.shift();
    }
    return {
      id: rt.cfg.id,
      name: rt.cfg.name,
      host: rt.cfg.port === 443 ? rt.cfg.host : `${rt.cfg.host}:${rt.cfg.port}`,
      ptz: isPtzModel(rt.model),
      lastSeen: rt.lastSeen,
      last: rt.last,
      motionEventsLastMinute: rt.recentEvents.filter((t) => t >= cutoff).length,
      lastMotion: rt.lastMotion,
      disabled: rt.cfg.disabled,
      restream: rt.cfg.rtspUrlOverride !== null,
      ...(rt.cfg.kind === 'hub' ? { hub: true } : {}),
    };
  }

  cameras(): CameraSnapshot[] {
    return [...this.cams.values()].map((rt) => this.snapshot(rt));
  }

  camera(id: string): CameraSnapshot | undefined {
    const rt = this.cams.get(id);
    return rt ? this.snapshot(rt) : undefined;
  }

  /** The configuration a camera runs with (secrets included: for the media pipeline and controls only). */
  cameraConfig(id: string): CameraConfig | undefined {
    return this.cams.get(id)?.cfg;
  }

  /**
   * The camera's TapoClient, the one polling uses: cameras allow one session and serial requests,
   * so controls (PTZ, privacy, reboot) must go through it. Undefined for unknown, disabled or
   * password-less cameras (and with a fake probe factory).
   */
  client(id: string): TapoClient | undefined {
    const rt = this.cams.get(id);
    if (!rt || rt.cfg.disabled || rt.cfg.password === null) {
      return undefined;
    }
    const probe = this.probeFor(rt);
    return probe instanceof TapoClient ? probe : undefined;
  }

  /** The last model a camera reported (kept across failed polls), for labels. */
  model(id: string): string | null {
    return this.cams.get(id)?.model ?? null;
  }

  counters(id: string): CameraCounters | undefined {
    return this.cams.get(id)?.counters;
  }

  /** A camera's raw polls in range, from history (the HTTP API's seed history). */
  points(id: string, from: number, to: number): Promise<PollPoint[]> {
    return this.opts.store.points(id, from, to);
  }

  /** Whether events of this camera currently come from a subscription (ONVIF) rather than last-alarm polling. */
  motionBySubscription(id: string): boolean {
    return this.cams.get(id)?.motionActive ?? false;
  }

  async history(req: FleetHistoryRequest): Promise<StoredSeries[]> {
    // Buckets no narrower than the cameras' poll interval: otherwise most buckets would be empty.
    const intervals = req.cameraIds
      .map((id) => this.cams.get(id)?.cfg.pollIntervalMs)
      .filter((v): v is number => v !== undefined);
    const minIntervalMs = req.minIntervalMs ?? (intervals.length > 0 ? Math.min(...intervals) : undefined);
    return this.opts.store.history({ ...req, ...(minIntervalMs !== undefined ? { minIntervalMs } : {}) });
  }

  events(cameraIds: string[], from: number, to: number, kinds?: EventKind[]): Promise<MotionEvent[]> {
    return this.opts.store.events(cameraIds, from, to, kinds);
  }

  statusChanges(cameraIds: string[], from: number, to: number): Promise<StatusChange[]> {
    return this.opts.store.statusChanges(cameraIds, from, to);
  }

  on<K extends keyof FleetEvents>(event: K, listener: FleetEvents[K]): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}

class DeadlineExceeded extends Error {}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
