/**
 * The composition root: only wiring. It opens the history store and the fleet, builds the camera
 * video, the configuration sources (YAML, the persisted datasource lists, Grafana's settings), the
 * demo switch, the HTTP API and the datasource's answers to Grafana from the modules in `app/`,
 * and starts and stops them in order.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SidecarInfo } from '../../src/shared/query.ts';
import { createDatasource } from './datasource/plugin.ts';
import { DatasourceLiveness } from './datasource/liveness.ts';
import { Fleet, onvifMotionSourceFactory } from './fleet/index.ts';
import type { PluginHandlers } from './grafana/handlers.ts';
import { fleetMetrics, type RunningHttpApi } from './http/index.ts';
import type { SidecarOptions } from './options.ts';
import { openSqliteStore } from './store/sqlite.ts';
import { FileStateStore } from './tapo/state.ts';
import { watchStalls } from './util/loop-stalls.ts';
import { cameraControls } from './app/camera-controls.ts';
import { cameraRecordings } from './app/recordings.ts';
import { FaststartRemux } from './media/faststart.ts';
import { SavedCameraLists } from './app/camera-lists.ts';
import { ConfigSources } from './app/config-sources.ts';
import { DatasourceRegistry } from './app/datasources.ts';
import { DemoSwitch } from './app/demo-switch.ts';
import { ffmpegChecker } from './app/ffmpeg-check.ts';
import { eventShipping } from './app/event-shipping.ts';
import { checkCameras, hubChildren } from './app/fleet-checks.ts';
import { CameraOwnershipRecord } from './app/camera-ownership.ts';
import { frameProvider } from './app/frame-provider.ts';
import { HistoryRetention } from './app/history-retention.ts';
import { startOptionalHttpApi } from './app/http-api.ts';
import { streamSources } from './app/stream-sources.ts';
import { cameraVideo } from './app/video.ts';
import { EventPictureTaker } from './app/event-pictures.ts';
import { EventPictureStore } from './media/event-pictures/store.ts';

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
  const shipping = eventShipping(opts.ship, store, log);
  const streams = streamSources(fleet);
  const video = cameraVideo({
    ffmpegPath: opts.ffmpegPath,
    fleet,
    sources: streams,
    log,
  });
  const frames = frameProvider(video.pipeline, streams.sourceOf);
  // One picture with every event, in <data-dir>/event-pictures/ under a size and age bound.
  const eventPictures = await EventPictureStore.open({
    dir: join(opts.dataDir, 'event-pictures'),
    log: log.child({ module: 'event-pictures' }),
  });
  const pictureTaker = new EventPictureTaker({ fleet, frames, store: eventPictures, log });
  let pictureSweep: NodeJS.Timeout | null = null;
  const ffmpegProblem = ffmpegChecker(opts.ffmpegPath);

  // Datasources are alive while Grafana calls for them; one not seen within the retention is gone.
  const liveness = new DatasourceLiveness(opts.datasourceRetentionMs);
  let yamlHasCameras = false;
  const demos = new DemoSwitch({
    fleet,
    ffmpegPath: opts.ffmpegPath,
    log,
    wanted: () => opts.demo && !yamlHasCameras && (liveness.anyWithoutCameras() || !liveness.anyWithCameras()),
    changed: video.sync,
  });
  const ownership = new CameraOwnershipRecord({ fleet, dataDir: opts.dataDir, log });
  const configs = new ConfigSources({
    fleet,
    log,
    retention: new HistoryRetention(store, log),
    syncVideo: video.sync,
    ownership,
  });
  const datasources = new DatasourceRegistry({
    liveness,
    lists: new SavedCameraLists(opts.dataDir, log),
    sources: configs,
    ownership,
    async settleHolders() {
      await fleet.settleCameraHolders();
      ownership.persist();
    },
    log,
    syncVideo: video.sync,
    changed: () => demos.reconcile(),
  });
  let http: RunningHttpApi | null = null;

  const info = (): SidecarInfo => ({
    connection: opts.standalone ? 'sidecar' : 'managed',
    address: opts.standalone ? opts.grpcAddress : null,
    version: VERSION,
  });

  const datasource = createDatasource({
    fleet,
    log,
    frames,
    eventPictures,
    video: video.feeds,
    controls: cameraControls(fleet, (id) => streams.configOf(id).name),
    recordings: cameraRecordings(fleet, (id) => streams.configOf(id).name),
    // Downloads as progressive MP4 where ffmpeg runs (it copies the pictures; TMPDIR holds the file meanwhile).
    faststart: async () => ((await ffmpegProblem()) ? null : new FaststartRemux({ ffmpegPath: opts.ffmpegPath })),
    info,
    applySettings: (settings) => datasources.applySettings(settings),
    datasourceSeen: (settings) => datasources.seen(settings),
    configProblemsOf: (source) => configs.problemsOf(source),
    ownershipOf: (source) => ownership.of(source),
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
      demos.start();
      store.startMaintenance();
      pictureTaker.start();
      // The age bound also holds while no event comes.
      pictureSweep = setInterval(() => void eventPictures.sweep(), 3_600_000);
      pictureSweep.unref();
      await fleet.start();
      ownership.restore();
      shipping.start();
      if (opts.configPath) {
        yamlHasCameras = await configs.applyYaml(opts.configPath);
      }
      await datasources.resume();
      await demos.reconcile();
      datasources.startExpiry();
      http = await startOptionalHttpApi(opts, fleet, frames, log);
    },
    async stop() {
      datasources.stop();
      await demos.halt();
      await Promise.allSettled([http?.close(), demos.stop(), video.pipeline.close(), datasource.dispose()]);
      video.feeds.close();
      if (pictureSweep) {
        clearInterval(pictureSweep);
      }
      await pictureTaker.stop();
      await eventPictures.close();
      await fleet.stop();
      await shipping.stop();
      await store.close();
      stopStallWatch();
    },
  };
}
