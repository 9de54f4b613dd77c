/**
 * The fleet: polls every configured camera on its own timer, keeps the latest state, writes
 * history, and emits polls and motion events. Implements the read side (`FleetView`) that the
 * Grafana layer and the HTTP API consume.
 *
 * Isolation: each camera has its own timer and at most one poll in flight; a poll holds one slot
 * of a global concurrency limit for at most its deadline; an unreachable camera backs off
 * exponentially and, while it keeps failing, polls in a separate smaller lane, so even many dead
 * cameras cannot occupy the slots of healthy ones. A slow or dead camera delays only itself.
 *
 * This file is the camera lifecycle and the polling round; the parts it composes: `sources.ts`
 * (which source owns a camera), `runtime.ts` (a camera's state and snapshot), `schedule.ts` (when
 * the next poll is due), `record.ts` (what a poll leaves behind), `motion-start.ts`, and
 * `hub-probe.ts` (hubs and their children).
 */
import { EventEmitter } from 'node:events';
import { sameConnection, type CameraConfig } from '../config/types.ts';
import { logger } from '../log.ts';
import type {
  PollPoint,
  StatusChange,
  Store,
  StoreHistoryRequest,
  StoredColumns,
  StoredSeries,
} from '../store/types.ts';
import { TapoClient } from '../tapo/client.ts';
import { TapoError } from '../tapo/errors.ts';
import type { CameraPoll, ClientStateStore, SubRequest, SubResponse } from '../tapo/types.ts';
import { errorToResult, pollToResult, waitingForPassword } from './map.ts';
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
import type { MotionSourceFactory } from './motion.ts';
import { startMotion } from './motion-start.ts';
import { onvifMotionSourceFactory } from './onvif-source.ts';
import { tapoProbeFactory, type CameraProbe, type ProbeFactory } from './probe.ts';
import { Recorder } from './record.ts';
import { newRuntime, snapshot, type Runtime } from './runtime.ts';
import {
  DeadlineExceeded,
  defaultConcurrency,
  MIN_CONCURRENCY,
  nextDue,
  pollDeadlineMs,
  withDeadline,
} from './schedule.ts';
import { Semaphore } from './semaphore.ts';
import { CameraSources, type OwnershipConflict } from './sources.ts';
import {
  childCameraId,
  childConfigs,
  hubAwareProbeFactory,
  HubLinks,
  isChildProbe,
  isHubProbe,
  listStatus,
  sensorConfigs,
  sensorReadings,
} from './hub-probe.ts';
import type { HubChild, HubSensor } from '../tapo/hub/index.ts';

export interface FleetOptions {
  store: Store;
  /** Max polls in flight across the fleet (default: from the cameras' intervals, 32 to 2,048; see schedule.ts). */
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
  /** How long a hub's child list is reused (default a minute, as the hub sheet asks; tests shorten it). */
  hubListMaxAgeMs?: number;
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

/** Slots of the lane for cameras that failed their last poll: a quarter of the main one. */
const failingLane = (limit: number) => Math.max(1, Math.floor(limit / 4));

export class Fleet implements FleetView {
  private readonly emitter = new EventEmitter();
  private readonly cams = new Map<string, Runtime>();
  /** Cameras per source; the fleet is their union (see sources.ts). */
  private readonly sources = new CameraSources();
  private readonly sem: Semaphore;
  /** Cameras that failed their last poll wait in their own, smaller lane: dead cameras cannot fill the main one. */
  private readonly failingSem: Semaphore;
  private readonly probeFactory: ReturnType<typeof hubAwareProbeFactory>;
  private readonly hubLinks = new HubLinks();
  private readonly recorder: Recorder;
  private resumed = new Map<string, { last: PollResult; lastSeen: number | null }>();
  /** Each hub's child list as its last poll read it (the config editor offers them to add), and when the hub answered it. */
  private readonly hubLists = new Map<string, { children: HubChild[]; sensors: HubSensor[]; at: number }>();
  private running = false;
  private traceSeq = 0;
  private readonly log = logger.child({ module: 'fleet' });

  constructor(private readonly opts: FleetOptions) {
    this.sem = new Semaphore(opts.concurrency ?? MIN_CONCURRENCY);
    this.failingSem = new Semaphore(failingLane(this.sem.limit));
    // Hub entries and their battery children get hub probes; everything else the configured factory.
    this.probeFactory = hubAwareProbeFactory(
      opts.probeFactory ?? tapoProbeFactory,
      this.hubLinks,
      undefined,
      opts.hubListMaxAgeMs
    );
    this.recorder = new Recorder(opts.store, this.emitter, this.log);
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
    this.sources.set(source, configs, opts.priority ?? 0);
    return this.reconcile(source);
  }

  /** Who holds which camera between sources of equal priority (see sources.ts), to keep across a restart. */
  cameraHolders(): Record<string, string> {
    return this.sources.holders();
  }

  /** Holders kept from before a restart: call before the sources are applied again. */
  restoreCameraHolders(holders: Record<string, string>): void {
    this.sources.restoreHolders(holders);
  }

  /** After the sources were applied again at start: cameras of holders that did not come back are free. */
  async settleCameraHolders(): Promise<void> {
    this.sources.forgetAbsentHolders();
    await this.reconcile('');
  }

  /** Cameras a source lists but does not get (another source had them first), and who polls them. */
  ownershipConflicts(): OwnershipConflict[] {
    return this.sources.conflicts();
  }

  private async reconcile(source: string): Promise<{ conflicts: string[] }> {
    const { wanted, conflicts } = this.sources.resolve(source);
    if (conflicts.length > 0) {
      this.log.warn(
        { source, cameras: conflicts },
        'camera ids already configured by another source; those entries are ignored'
      );
    }
    for (const [id, rt] of [...this.cams]) {
      if (!wanted.has(id)) {
        this.cams.delete(id);
        this.hubLists.delete(id);
        this.halt(rt);
        void this.release(rt);
      }
    }
    for (const [id, cfg] of wanted) {
      const rt = this.cams.get(id);
      if (!rt) {
        const fresh = newRuntime(cfg);
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
    this.sizeLanes();
    return { conflicts };
  }

  /** Without a configured limit, the lanes follow the polls a second the cameras need. */
  private sizeLanes(): void {
    if (this.opts.concurrency !== undefined) {
      return;
    }
    const intervals = [...this.cams.values()].filter((rt) => !rt.cfg.disabled).map((rt) => rt.cfg.pollIntervalMs);
    const limit = defaultConcurrency(intervals);
    if (limit !== this.sem.limit) {
      this.sem.resize(limit);
      this.failingSem.resize(failingLane(limit));
    }
  }

  /**
   * A hub reported its children: they become the cameras of source `hub:<id>`, at the hub's priority.
   * A list the hub answered anew that says a child woke, slept or went away, or that a sensor's
   * readings changed, has that device polled now (from this list: no request to a sleeping child),
   * not a device interval later.
   */
  private applyHubChildren(hub: CameraConfig, children: HubChild[], sensors: HubSensor[], listedAt: number): void {
    if (this.cams.get(hub.id)?.cfg.kind !== 'hub') {
      return;
    }
    const before = this.hubLists.get(hub.id);
    this.hubLists.set(hub.id, { children, sensors, at: listedAt });
    if (before && before.at !== listedAt) {
      this.pollChangedDevices(hub.id, before.sensors, children, sensors);
    }
    const priority = this.sources.priority(hub.source);
    const devices = [...childConfigs(hub, children), ...sensorConfigs(hub, sensors)];
    void this.applyCameras(devices, { source: `hub:${hub.id}`, priority }).catch((err: unknown) =>
      this.log.warn({ hub: hub.id, err: (err as Error).message }, "could not apply a hub's children")
    );
  }

  private pollChangedDevices(
    hubId: string,
    sensorsBefore: HubSensor[],
    children: HubChild[],
    sensors: HubSensor[]
  ): void {
    for (const c of children) {
      const rt = this.cams.get(childCameraId(hubId, c.deviceId));
      if (rt?.last && rt.last.status !== listStatus(c)) {
        this.pollSoon(rt);
      }
    }
    const was = new Map(sensorsBefore.map((s) => [s.deviceId, sensorReadings(s)]));
    for (const s of sensors) {
      const rt = this.cams.get(childCameraId(hubId, s.deviceId));
      if (rt?.last && was.has(s.deviceId) && was.get(s.deviceId) !== sensorReadings(s)) {
        this.pollSoon(rt);
      }
    }
  }

  private async restore(rt: Runtime): Promise<void> {
    const r = this.resumed.get(rt.cfg.id);
    if (r && !rt.last) {
      rt.last = r.last;
      rt.lastSeen = r.lastSeen;
      rt.model = r.last.model;
      // What it can do, as its last stored poll said (PTZ controls before the first new poll).
      rt.capabilities = r.last.capabilities ?? null;
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
    const factory: MotionSourceFactory | null =
      this.opts.motionSourceFactory === undefined ? onvifMotionSourceFactory : this.opts.motionSourceFactory;
    startMotion(rt, factory, {
      isCurrent: (r) => this.cams.get(r.cfg.id) === r,
      record: (r, e) => this.recorder.event(r, e),
      log: this.log,
    });
  }

  /** Stops the timer and invalidates in-flight work of a camera. */
  private halt(rt: Runtime): void {
    rt.gen++;
    rt.soon = null;
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
    if (rt.soon !== null) {
      at = Math.min(at, Math.max(rt.soon, Date.now()));
      rt.soon = null;
    }
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

  /**
   * Polls a camera at `at` if that is before its due time; with a poll in flight, or none scheduled
   * yet (a camera just added), when the next one is scheduled.
   */
  private pollSoon(rt: Runtime, at = Date.now()): void {
    if (rt.timer && !rt.inFlight) {
      if (at < rt.due) {
        clearTimeout(rt.timer);
        rt.timer = null;
        this.schedule(rt, at);
      }
      return;
    }
    rt.soon = Math.min(rt.soon ?? at, at);
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
        onHubChildren: (hub, children, sensors, at) => this.applyHubChildren(hub, children, sensors, at),
      });
    }
    return rt.probe;
  }

  private async pollOnce(rt: Runtime, gen: number): Promise<void> {
    const due = rt.due;
    const deadlineMs = pollDeadlineMs(this.opts.requestTimeoutMs ?? 5000);
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
        poll = await withDeadline(probe.poll(), deadlineMs);
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
              ? new TapoError('timeout', `poll did not finish within ${deadlineMs} ms`)
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
      await this.recorder.poll(rt, result, poll);
    } catch (err) {
      this.log.error({ camera: rt.cfg.id, err: (err as Error).message }, 'recording a poll failed');
    }
    if (rt.gen === gen && this.running) {
      this.schedule(rt, nextDue(rt, rt.cfg.pollIntervalMs, due, result, this.opts));
    }
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

  cameras(): CameraSnapshot[] {
    return [...this.cams.values()].map((rt) => snapshot(rt));
  }

  camera(id: string): CameraSnapshot | undefined {
    const rt = this.cams.get(id);
    return rt ? snapshot(rt) : undefined;
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

  /**
   * Requests to a camera behind a hub, relayed by the hub's controlChild through the fleet's own
   * hub client (its login and lockout rules). Undefined for other cameras. Wakes a sleeping child.
   */
  childCaller(id: string): ((requests: SubRequest[]) => Promise<SubResponse[]>) | undefined {
    const rt = this.cams.get(id);
    if (!rt || rt.cfg.disabled || rt.cfg.password === null || !rt.cfg.hubChild) {
      return undefined;
    }
    const probe = this.probeFor(rt);
    return isChildProbe(probe) ? (requests) => probe.callChild(requests) : undefined;
  }

  /**
   * Requests to a hub itself on the fleet's own hub client (its login and lockout rules): the
   * searches of the cameras it records on its own disk. Undefined for anything but a hub.
   */
  hubCaller(id: string): ((requests: SubRequest[]) => Promise<SubResponse[]>) | undefined {
    const rt = this.cams.get(id);
    if (!rt || rt.cfg.disabled || rt.cfg.password === null || rt.cfg.kind !== 'hub') {
      return undefined;
    }
    const probe = this.probeFor(rt);
    return isHubProbe(probe) ? (requests) => probe.callHub(requests) : undefined;
  }

  /** The configured hubs' ids (enabled ones). */
  hubIds(): string[] {
    return [...this.cams.values()].filter((rt) => rt.cfg.kind === 'hub' && !rt.cfg.disabled).map((rt) => rt.cfg.id);
  }

  /** The hub's next poll reads its child list afresh (it is otherwise reused for a minute). */
  forgetHubList(id: string): void {
    const cfg = this.cams.get(id)?.cfg;
    if (cfg?.kind === 'hub') {
      this.hubLinks.forgetList(cfg);
    }
  }

  /**
   * A camera's video stream started, or ended by itself. A hub child then woke or fell asleep: it is
   * polled with a list the hub answered since (read early, at most every 10 s per hub), so its
   * status follows within seconds instead of the list's minute. Other cameras: nothing.
   */
  streamChanged(id: string): void {
    const rt = this.cams.get(id);
    if (!rt || rt.cfg.disabled || rt.cfg.password === null || !rt.cfg.hubChild) {
      return;
    }
    // Its probe too, if it has not been polled yet: its stream may play before its first poll.
    const probe = this.probeFor(rt);
    if (isChildProbe(probe)) {
      this.pollSoon(rt, probe.streamChanged(Date.now()));
    }
  }

  /**
   * A hub's children as its last poll listed them: undefined when `id` is not a hub, null when
   * the hub has not been listed yet (not polled, or its login fails).
   */
  hubChildren(id: string): HubChild[] | null | undefined {
    const rt = this.cams.get(id);
    if (!rt || rt.cfg.kind !== 'hub') {
      return undefined;
    }
    return this.hubLists.get(id)?.children ?? null;
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
    return this.opts.store.history(this.withMinInterval(req));
  }

  async historyColumns(req: FleetHistoryRequest): Promise<StoredColumns[]> {
    return this.opts.store.historyColumns(this.withMinInterval(req));
  }

  /** Buckets no narrower than the cameras' poll interval: otherwise most buckets would be empty. */
  private withMinInterval(req: FleetHistoryRequest): FleetHistoryRequest {
    let shortest = Infinity;
    for (const id of req.cameraIds) {
      shortest = Math.min(shortest, this.cams.get(id)?.cfg.pollIntervalMs ?? Infinity);
    }
    const minIntervalMs = req.minIntervalMs ?? (shortest < Infinity ? shortest : undefined);
    return { ...req, ...(minIntervalMs !== undefined ? { minIntervalMs } : {}) };
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
