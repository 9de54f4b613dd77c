/**
 * The composition root: history store, fleet, frame pipeline, configuration sources (YAML, the
 * persisted datasource lists, Grafana's settings), the demo fleet, the HTTP API, and the
 * datasource's answers to Grafana.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SidecarInfo } from '../../src/shared/query.ts';
import { camerasFromDatasource } from './config/datasource.ts';
import { CameraListStore } from './config/persist.ts';
import { formatIssue, type CameraConfig, type LoadedConfig } from './config/types.ts';
import { loadYamlConfig } from './config/yaml.ts';
import { createDatasource } from './datasource/plugin.ts';
import { datasourceSource, hasOwnCameras } from './datasource/scope.ts';
import { DatasourceLiveness } from './datasource/liveness.ts';
import type { CameraControls, FrameProvider } from './datasource/deps.ts';
import { healthOf } from './datasource/health.ts';
import { startDemoFleet, type DemoFleet } from './demo/fleet.ts';
import { Fleet, childCameraId, onvifMotionSourceFactory } from './fleet/index.ts';
import type { PollResult } from './model.ts';
import type { PluginHandlers } from './grafana/handlers.ts';
import type { DataSourceInstanceSettings } from './grafana/protocol.ts';
import { fleetMetrics, startHttpApi, type RunningHttpApi } from './http/index.ts';
import { checkFfmpeg } from './media/ffmpeg.ts';
import { FramePipeline } from './media/pipeline.ts';
import { RtspVideoFeeds } from './media/video/feeds.ts';
import { CompositeVideoFeeds } from './media/video/composite.ts';
import { HubStreamFeeds } from './media/hubstream/feeds.ts';
import { hubStreamUrl } from './media/hubstream/session.ts';
import type { StreamName } from './media/video/types.ts';
import type { SidecarOptions } from './options.ts';
import { DEFAULT_RETENTION_HOURS, openSqliteStore } from './store/sqlite.ts';
import { FileStateStore } from './tapo/state.ts';
import { cameraRtspSource } from './tapo/rtsp-camera.ts';
import type { RtspSource } from './tapo/rtsp.ts';
import type { TapoClient } from './tapo/client.ts';
import { watchStalls } from './util/loop-stalls.ts';

export interface App {
  handlers: PluginHandlers;
  /** Starts polling, loads configured cameras (or the demo fleet) and the HTTP API. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const VERSION = process.env.TAPO_SIDECAR_VERSION ?? 'dev';

/** Pictures for the datasource: the pipeline fed from each camera's RTSP source. */
function frameProvider(pipeline: FramePipeline, sourceOf: (id: string) => RtspSource): FrameProvider {
  return {
    subscribe(cameraId, o, onFrame, onError) {
      let source;
      try {
        source = sourceOf(cameraId);
      } catch (err) {
        onError(err as Error);
        return () => undefined;
      }
      return pipeline.subscribe(source, { fps: o.fps, width: o.width, onError }, onFrame);
    },
    latest: (cameraId) => pipeline.latest(cameraId),
    snapshot: (cameraId, o) => pipeline.snapshot(sourceOf(cameraId), { width: o.width }),
  };
}

/** PTZ, privacy and reboot through the fleet's connected clients. */
function cameraControls(fleet: Fleet, nameOf: (id: string) => string): CameraControls {
  function clientOf(id: string): TapoClient {
    const client = fleet.client(id);
    if (!client) {
      throw new Error(`${nameOf(id)} is not connected yet`);
    }
    return client;
  }
  return {
    async ptz(id, cmd) {
      const c = clientOf(id);
      if ('preset' in cmd) {
        await c.gotoPreset(cmd.preset);
      } else if ('direction' in cmd) {
        await c.ptzMoveStep(cmd.direction);
      } else {
        await c.ptzMove(cmd.x, cmd.y);
      }
    },
    async presets(id) {
      return (await clientOf(id).getPresets()).map((p) => ({ id: String(p.id), name: p.name }));
    },
    async setPrivacy(id, enabled) {
      await clientOf(id).setPrivacyMode(enabled);
      await fleet.pollNow([id]);
    },
    async reboot(id) {
      await clientOf(id).reboot();
    },
  };
}

/** Whether ffmpeg runs, asked at most once a minute (Save & test calls often). */
function ffmpegChecker(ffmpegPath: string): () => Promise<string | null> {
  let checked: { at: number; problem: string | null } | null = null;
  return async () => {
    if (!checked || Date.now() - checked.at > 60_000) {
      const r = await checkFfmpeg(ffmpegPath);
      checked = {
        at: Date.now(),
        problem: r.ok ? null : `${r.error.message}: live view and snapshots are unavailable`,
      };
    }
    return checked.problem;
  };
}

export async function createApp(opts: SidecarOptions, log: Logger): Promise<App> {
  mkdirSync(opts.dataDir, { recursive: true });
  // Live packets wait behind anything that holds the event loop: say when that happens, and why.
  const stopStallWatch = watchStalls(log.child({ module: 'event-loop' }));
  const store = await openSqliteStore({ dataDir: opts.dataDir });
  const fleet = new Fleet({
    store,
    clientState: new FileStateStore(join(opts.dataDir, 'camera-state.json')),
    motionSourceFactory: onvifMotionSourceFactory,
    onFingerprint: (cameraId, sha256) =>
      log.info({ camera: cameraId, fingerprint: sha256 }, 'pinned the camera certificate on first use'),
  });
  // One session per camera stream (RTSP, or a hub child's port-8800 stream), shared by the JPEG
  // pipeline and the Live video channels.
  const videoFeeds = new CompositeVideoFeeds([
    new RtspVideoFeeds((id, stream) => sourceOf(id, stream)),
    new HubStreamFeeds((id, stream) => sourceOf(id, stream)),
  ]);
  const pipeline = new FramePipeline({ ffmpegPath: opts.ffmpegPath, feeds: videoFeeds });
  const cameraLists = new CameraListStore({ dataDir: opts.dataDir });
  let demo: DemoFleet | null = null;
  let http: RunningHttpApi | null = null;

  function configOf(id: string): CameraConfig {
    const cfg = fleet.cameraConfig(id);
    if (!cfg) {
      throw new Error(`unknown camera "${id}"`);
    }
    return cfg;
  }

  /** The camera's RTSP source: `stream` main/sub, or the camera's configured stream. */
  function sourceOf(id: string, stream?: StreamName) {
    const cfg = configOf(id);
    if (cfg.hubChild) {
      return hubChildSource(cfg, cfg.hubChild, stream);
    }
    return cameraRtspSource(cfg, { batteryPowered: fleet.camera(id)?.last?.batteryPercent != null, stream });
  }

  /** A hub child's stream: through its hub (the hub's host and cloud password), port 8800. */
  function hubChildSource(cfg: CameraConfig, child: { hubId: string; deviceId: string }, stream?: StreamName) {
    const { hubId, deviceId } = child;
    const hub = fleet.cameraConfig(hubId);
    if (!hub) {
      throw new Error(`${cfg.name} is behind hub "${hubId}", which is not configured`);
    }
    if (!hub.password) {
      throw new Error(`${cfg.name}: the hub ${hub.name} has no cloud password yet`);
    }
    const s: StreamName = stream ?? (cfg.stream === 'stream1' ? 'main' : 'sub');
    return {
      cameraId: cfg.id,
      ...hubStreamUrl({
        host: hub.host,
        ...(hub.streamPort !== undefined ? { port: hub.streamPort } : {}),
        username: hub.username,
        password: hub.password,
        deviceId,
      }),
      stream: s,
    };
  }

  const frames = frameProvider(pipeline, sourceOf);
  const controls = cameraControls(fleet, (id) => configOf(id).name);
  const ffmpegProblem = ffmpegChecker(opts.ffmpegPath);

  // Errors in each source's settings (a camera left out), for Save & test.
  const issuesBySource = new Map<string, string[]>();

  function logIssues(loaded: LoadedConfig): void {
    for (const issue of loaded.issues) {
      log[issue.severity === 'error' ? 'error' : 'warn'](
        { source: issue.source },
        `configuration: ${formatIssue(issue)}`
      );
    }
  }

  // Datasources are alive while Grafana calls for them; one not seen within the retention is gone.
  const liveness = new DatasourceLiveness(opts.datasourceRetentionMs);
  let yamlHasCameras = false;
  let expiryTimer: NodeJS.Timeout | null = null;
  let running = false;

  /**
   * The demo fleet is for datasources without cameras of their own, when no YAML file configures
   * any (and for a sidecar nobody has configured yet). One datasource's cameras never take the
   * demo away from another datasource that has none.
   */
  let demoChange: Promise<void> = Promise.resolve();
  function reconcileDemo(): Promise<void> {
    demoChange = demoChange.then(async () => {
      const wanted = opts.demo && !yamlHasCameras && (liveness.anyWithoutCameras() || !liveness.anyWithCameras());
      if (wanted && !demo && running) {
        demo = await startDemoFleet(fleet, { ffmpegPath: opts.ffmpegPath });
        syncPipeline();
      } else if (!wanted && demo) {
        log.info('every datasource has cameras of its own: stopping the demo fleet');
        const d = demo;
        demo = null;
        await d.stop();
        syncPipeline();
      }
    });
    return demoChange.catch((err: unknown) =>
      log.error({ error: (err as Error).message }, 'the demo fleet could not be started or stopped')
    );
  }

  // The persisted list is a convenience (resume before Grafana calls): a full disk is logged
  // once and never stops cameras or fails a call.
  let listSaveFailing = false;
  async function persistList(write: Promise<void>): Promise<void> {
    try {
      await write;
      if (listSaveFailing) {
        listSaveFailing = false;
        log.info('the camera list is saved again');
      }
    } catch (err) {
      if (!listSaveFailing) {
        listSaveFailing = true;
        log.error(
          { file: cameraLists.file, code: (err as NodeJS.ErrnoException).code ?? 'error' },
          'the camera list could not be saved (disk full?): cameras keep running, but a restart waits for Grafana'
        );
      }
    }
  }

  /** Higher wins an id or address claimed twice: the YAML file, then the most recently updated datasource. */
  function priorityOf(source: string, updatedMs = 0): number {
    return source === 'yaml' ? Number.MAX_SAFE_INTEGER : updatedMs;
  }

  /**
   * Keeps the frame pipeline in step with the fleet: a removed camera's ffmpeg stops and its last
   * picture is forgotten (the id may later name another camera); a changed one switches source.
   */
  function syncPipeline(): void {
    // Video feeds follow their camera's source too (a removed camera's feeds end).
    for (const cameraId of new Set(videoFeeds.stats().map((f) => f.cameraId))) {
      videoFeeds.refresh(cameraId);
    }
    for (const { cameraId } of pipeline.cameraStats()) {
      let source: ReturnType<typeof sourceOf> | null = null;
      try {
        source = fleet.cameraConfig(cameraId) ? sourceOf(cameraId) : null;
      } catch {
        source = null; // no usable RTSP source any more
      }
      const done = source ? pipeline.updateSource(source) : pipeline.forget(cameraId);
      void done.catch((err: unknown) =>
        log.warn({ camera: cameraId, error: (err as Error).message }, 'could not update the camera stream')
      );
    }
  }

  // History is one store for every source: the longest retention any source asks for wins, so one
  // datasource (perhaps another org's) cannot shorten the history of the others.
  const retentionBySource = new Map<string, number>();
  let retentionHours = DEFAULT_RETENTION_HOURS;
  function applyRetention(source: string, hours: number | null): void {
    if (hours) {
      retentionBySource.set(source, hours);
    } else {
      retentionBySource.delete(source);
    }
    const next = retentionBySource.size ? Math.max(...retentionBySource.values()) : DEFAULT_RETENTION_HOURS;
    if (next !== retentionHours) {
      retentionHours = next;
      log.info({ hours: next }, 'history retention');
      store.startMaintenance({ retentionMs: next * 3_600_000 });
    }
  }

  async function applySource(source: string, loaded: LoadedConfig, updatedMs = 0): Promise<void> {
    logIssues(loaded);
    issuesBySource.set(
      source,
      loaded.issues.filter((i) => i.severity === 'error').map((i) => formatIssue(i))
    );
    const { conflicts } = await fleet.applyCameras(loaded.cameras, {
      source,
      priority: priorityOf(source, updatedMs),
    });
    for (const id of conflicts) {
      log.error(
        { source, camera: id },
        `camera "${id}": its id or address is configured by another source too (the newer settings win)`
      );
    }
    applyRetention(source, loaded.retentionHours);
    syncPipeline();
  }

  // Settings arrive with every Grafana call; the instance manager calls this only when they change.
  async function applySettings(settings: DataSourceInstanceSettings): Promise<void> {
    const source = datasourceSource(settings.uid || String(settings.id));
    const updatedMs = Number(settings.lastUpdatedMS) || 0;
    const now = Date.now();
    if (liveness.isOutdated(source, updatedMs)) {
      // E.g. a call from a Grafana replica that has not seen the latest save: never go back to
      // older settings, whose passwords may be the ones the user just replaced.
      log.warn({ source }, 'ignoring datasource settings older than the ones applied');
      liveness.seen(source, now);
      return;
    }
    liveness.applied(source, updatedMs, hasOwnCameras(settings.jsonData), now);
    let jsonData: unknown = {};
    try {
      jsonData = settings.jsonData?.length ? JSON.parse(settings.jsonData.toString('utf8')) : {};
    } catch {
      log.error({ source }, 'the datasource settings (jsonData) are not valid JSON');
    }
    const loaded = camerasFromDatasource(jsonData, settings.decryptedSecureJsonData, source);
    await applySource(source, loaded, updatedMs);
    await persistList(cameraLists.save(source, loaded.cameras, { updatedMs, seenAt: now }));
    liveness.persisted(source, now);
    await reconcileDemo();
  }

  /** Every call with a datasource: keeps it alive; one that expired earlier comes back whole. */
  async function datasourceSeen(settings: DataSourceInstanceSettings): Promise<void> {
    const source = datasourceSource(settings.uid || String(settings.id));
    const now = Date.now();
    if (!liveness.get(source)) {
      await applySettings(settings);
      return;
    }
    if (liveness.seen(source, now)) {
      liveness.persisted(source, now);
      await persistList(cameraLists.touch(source, now));
    }
  }

  /** Datasources not seen within the retention are treated as deleted: their cameras stop. */
  async function expireDatasources(): Promise<void> {
    for (const source of liveness.expire(Date.now())) {
      log.info(
        { source, retentionHours: Math.round(opts.datasourceRetentionMs / 360_000) / 10 },
        'no call for this datasource within the datasource retention: treating it as deleted and stopping its cameras'
      );
      await fleet.applyCameras([], { source });
      applyRetention(source, null);
      await persistList(cameraLists.save(source, []));
    }
    syncPipeline();
    await reconcileDemo();
  }

  const info = (): SidecarInfo => ({
    connection: opts.standalone ? 'sidecar' : 'managed',
    address: opts.standalone ? opts.grpcAddress : null,
    version: VERSION,
  });

  const datasource = createDatasource({
    fleet,
    log,
    frames,
    video: videoFeeds,
    controls,
    info,
    applySettings,
    datasourceSeen,
    configProblemsOf: (source) => issuesBySource.get(source) ?? [],
    cameraSource: (id) => fleet.cameraConfig(id)?.source,
    metricsText: () => fleetMetrics(fleet).text(),
    async checkCameras(ids) {
      const results: Array<PollResult | null> = await fleet.pollNow(ids);
      // A camera replaced while the check ran has no result of this generation: "not polled yet".
      return results.map((p, i) => healthOf(ids[i], fleet.camera(ids[i])?.name ?? ids[i], p));
    },
    async hubChildren(hubId, refresh) {
      let list = fleet.hubChildren(hubId);
      if (list === undefined) {
        return null;
      }
      if (list === null || refresh) {
        // One poll of the hub through its own client: a refused password is not sent again.
        const [result] = await fleet.pollNow([hubId]);
        list = fleet.hubChildren(hubId);
        if (!list || result?.status !== 'online') {
          return healthOf(hubId, fleet.camera(hubId)?.name ?? hubId, result ?? null);
        }
      }
      return {
        children: list.map((c) => ({
          deviceId: c.deviceId,
          name: c.alias || c.model,
          model: c.model,
          online: c.online,
          sleeping: c.sleeping,
          batteryPercent: c.batteryPercent,
          cameraId: childCameraId(hubId, c.deviceId),
        })),
      };
    },
    async sidecarProblems() {
      const problem = await ffmpegProblem();
      return problem ? [problem] : [];
    },
  });

  return {
    handlers: datasource,
    async start() {
      running = true;
      store.startMaintenance();
      await fleet.start();
      if (opts.configPath) {
        try {
          const loaded = await loadYamlConfig(opts.configPath);
          yamlHasCameras = loaded.cameras.length > 0;
          await applySource('yaml', loaded);
        } catch (err) {
          log.error(
            { file: opts.configPath, error: (err as Error).message },
            'the camera configuration file could not be loaded'
          );
        }
      }
      const now = Date.now();
      for (const resumed of await cameraLists.load()) {
        if (liveness.isExpired(resumed.seenAt, now)) {
          log.info(
            { source: resumed.source },
            'not resuming the cameras of a datasource Grafana has not called for within the datasource retention'
          );
          await persistList(cameraLists.save(resumed.source, []));
          continue;
        }
        liveness.resumed(resumed.source, resumed.updatedMs, resumed.seenAt, resumed.cameras.length > 0);
        if (resumed.secretsMissing) {
          log.warn(
            { source: resumed.source },
            'resuming cameras without their passwords (no TAPO_SECRET_KEY): polling resumes at Grafana’s next call'
          );
        }
        await applySource(
          resumed.source,
          { cameras: resumed.cameras, issues: [], retentionHours: null, defaultPollIntervalSeconds: null },
          resumed.updatedMs
        );
      }
      await reconcileDemo();
      expiryTimer = setInterval(
        () => void expireDatasources(),
        Math.max(1000, Math.min(opts.datasourceRetentionMs / 4, 600_000))
      );
      expiryTimer.unref();
      if (opts.httpAddress) {
        // The HTTP API is an extra: a mistake in its settings is logged, Grafana's side keeps serving.
        try {
          http = await startHttpApi({
            address: opts.httpAddress,
            fleet,
            token: opts.apiToken,
            noAuth: opts.noAuth,
            frameProvider: {
              latest: (id) => pipeline.latest(id),
              snapshot: (id) => frames.snapshot(id, { width: 320 }),
            },
            metrics: fleetMetrics(fleet),
          });
          log.info({ url: http.url }, 'HTTP API serving');
        } catch (err) {
          log.error({ address: opts.httpAddress, error: (err as Error).message }, 'the HTTP API did not start');
        }
      }
    },
    async stop() {
      running = false;
      if (expiryTimer) {
        clearInterval(expiryTimer);
      }
      await demoChange.catch(() => undefined);
      await Promise.allSettled([http?.close(), demo?.stop(), pipeline.close(), datasource.dispose()]);
      videoFeeds.close();
      await fleet.stop();
      await store.close();
      stopStallWatch();
    },
  };
}
