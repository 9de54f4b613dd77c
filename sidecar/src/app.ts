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
import { formatIssue, type LoadedConfig } from './config/types.ts';
import { loadYamlConfig } from './config/yaml.ts';
import { createDatasource } from './datasource/plugin.ts';
import { datasourceSource, hasOwnCameras } from './datasource/scope.ts';
import { DatasourceLiveness } from './datasource/liveness.ts';
import { startDemoFleet, type DemoFleet } from './demo/fleet.ts';
import { Fleet, onvifMotionSourceFactory } from './fleet/index.ts';
import type { PluginHandlers } from './grafana/handlers.ts';
import type { DataSourceInstanceSettings } from './grafana/protocol.ts';
import { fleetMetrics, type RunningHttpApi } from './http/index.ts';
import type { SidecarOptions } from './options.ts';
import { DEFAULT_RETENTION_HOURS, openSqliteStore } from './store/sqlite.ts';
import { FileStateStore } from './tapo/state.ts';
import { watchStalls } from './util/loop-stalls.ts';
import { cameraControls } from './app/camera-controls.ts';
import { ffmpegChecker } from './app/ffmpeg-check.ts';
import { checkCameras, hubChildren } from './app/fleet-checks.ts';
import { frameProvider } from './app/frame-provider.ts';
import { startOptionalHttpApi } from './app/http-api.ts';
import { streamSources } from './app/stream-sources.ts';
import { cameraVideo } from './app/video.ts';

export interface App {
  handlers: PluginHandlers;
  /** Starts polling, loads configured cameras (or the demo fleet) and the HTTP API. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const VERSION = process.env.TAPO_SIDECAR_VERSION ?? 'dev';

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
  const sources = streamSources(fleet);
  const video = cameraVideo({ ffmpegPath: opts.ffmpegPath, fleet, sources, log });
  const { pipeline } = video;
  const syncPipeline = video.sync;
  const cameraLists = new CameraListStore({ dataDir: opts.dataDir });
  let demo: DemoFleet | null = null;
  let http: RunningHttpApi | null = null;

  const frames = frameProvider(pipeline, sources.sourceOf);
  const controls = cameraControls(fleet, (id) => sources.configOf(id).name);
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
    video: video.feeds,
    controls,
    info,
    applySettings,
    datasourceSeen,
    configProblemsOf: (source) => issuesBySource.get(source) ?? [],
    cameraSource: (id) => fleet.cameraConfig(id)?.source,
    metricsText: () => fleetMetrics(fleet).text(),
    checkCameras: checkCameras(fleet),
    hubChildren: hubChildren(fleet),
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
      http = await startOptionalHttpApi(opts, fleet, frames, log);
    },
    async stop() {
      running = false;
      if (expiryTimer) {
        clearInterval(expiryTimer);
      }
      await demoChange.catch(() => undefined);
      await Promise.allSettled([http?.close(), demo?.stop(), pipeline.close(), datasource.dispose()]);
      video.feeds.close();
      await fleet.stop();
      await store.close();
      stopStallWatch();
    },
  };
}
