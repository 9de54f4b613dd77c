/**
 * The demo fleet: with no camera configured anywhere, the sidecar runs a handful of simulated
 * cameras in-process (the simulator, real HTTPS on loopback, polled by the real client), with
 * varying models, figures and logins (one on 2026 TPAP firmware), one flapping camera, motion bursts and, when the media extras can
 * run (ffmpeg present), live RTSP pictures and ONVIF events; and a hub with two battery cameras and
 * three sensors.
 */

import type { CameraConfig } from '../config/types.ts';
import { logger } from '../log.ts';
import { startSimulatedFleet, DEFAULT_FLEET_MODELS, type SimulatedFleet } from '../simulator/fleet.ts';
import { mediaExtras } from '../simulator/media-extras.ts';
import { CAMERA_DETECTION_KINDS } from '../simulator/detections.ts';
import { SimulatedHub } from '../simulator/hub/hub.ts';
import type { SimulatedSensorOptions } from '../simulator/hub/sensor.ts';
import type { Fleet } from '../fleet/index.ts';
import { simulatedCameraConfig, simulatedHubConfig } from './configs.ts';

export interface DemoFleetOptions {
  /** Number of simulated cameras (default 6). */
  count?: number;
  /** Poll interval of the demo cameras (default 10 s, so the demo moves). */
  pollIntervalMs?: number;
  /** RTSP pictures and ONVIF events (needs ffmpeg; default true). */
  media?: boolean;
  ffmpegPath?: string;
  /** The flapping camera goes offline / comes back every this many ms (default 45 s; 0 disables). */
  flapEveryMs?: number;
  /** A burst of motion events (more than 10 a minute) on one camera every this many ms (default 4 min; 0 disables). */
  burstEveryMs?: number;
  /** Mean interval of ordinary random motion per camera (default 90 s). */
  motionMeanMs?: number;
  /** The cameras answer an ONVIF pull within this long even without events (default: theirs, 10 s). */
  onvifMaxPullWaitMs?: number;
  /**
   * A simulated H200 hub with two battery children (a C420 and a D230 doorbell that rings now and
   * then) and three sensors (a T315, a T110 and a T300; default true).
   */
  hub?: boolean;
  /** A demo sensor changes (the back door opens or closes, the cellar drifts) every this many ms (default 60 s; 0 disables). */
  sensorEveryMs?: number;
}

export interface DemoFleet {
  cameras: CameraConfig[];
  simulated: SimulatedFleet;
  /** The simulated hub (null with `hub: false`). */
  hub: SimulatedHub | null;
  /** Index of the flapping camera. */
  flappingIndex: number;
  stop(): Promise<void>;
}

export const DEMO_SOURCE = 'demo';
/** The demo camera without a card of its own, recorded on the demo hub's disk. */
export const GARAGE_INDEX = 2;
/** The demo hub's sensors: temperature and humidity, a contact and a leak, for the sensors panels. */
export const DEMO_SENSORS: SimulatedSensorOptions[] = [
  { alias: 'Cellar', model: 'T315', temperatureC: 12.4, humidityPct: 71, batteryPercent: 80 },
  { alias: 'Back door', model: 'T110' },
  { alias: 'Under the sink', model: 'T300', batteryPercent: 90 },
];
const NAMES = [
  'Front door',
  'Garden',
  'Garage',
  'Living room',
  'Driveway',
  'Nursery',
  'Workshop',
  'Hallway',
  'Porch',
  'Shed',
];

export async function startDemoFleet(fleet: Fleet, opts: DemoFleetOptions = {}): Promise<DemoFleet> {
  const count = opts.count ?? 6;
  const log = logger.child({ module: 'demo' });
  const startSim = (media: boolean) =>
    startSimulatedFleet({
      count,
      host: '127.0.0.1',
      namePrefix: 'Demo',
      // The fourth camera is on 2026 firmware (login v4, TPAP): a C510W on 1.3.4.
      profiles: DEFAULT_FLEET_MODELS.map((m, i) => (i === 3 ? 'C510W-1.3.4' : m)),
      autoMotion: { meanIntervalMs: opts.motionMeanMs ?? 90_000 },
      cameraOptions: (i) => ({
        name: NAMES[i % NAMES.length]! + (i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : ''),
        seed: 1000 + i,
      }),
      ...(media
        ? {
            extras: mediaExtras({
              ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
              ...(opts.onvifMaxPullWaitMs !== undefined
                ? { onvifOptions: { maxPullWaitMs: opts.onvifMaxPullWaitMs } }
                : {}),
            }),
          }
        : {}),
    });
  let sim: SimulatedFleet;
  try {
    sim = await startSim(opts.media !== false);
  } catch (err) {
    // No ffmpeg (or no free port for RTSP): the demo still runs, without pictures.
    log.warn({ err: (err as Error).message }, 'demo cameras start without live pictures');
    sim = await startSim(false);
  }
  const pollIntervalMs = opts.pollIntervalMs ?? 10_000;
  const cameras: CameraConfig[] = sim.describe().map((d, i) =>
    simulatedCameraConfig(d, {
      id: `demo-${i + 1}`,
      pollIntervalMs,
      rtspUrlOverride: d.rtspPort
        ? `rtsp://${encodeURIComponent(d.cameraAccount.username)}:${encodeURIComponent(d.cameraAccount.password)}@${d.host}:${d.rtspPort}/stream2`
        : null,
      tlsFingerprint: d.fingerprint.replace(/[^0-9a-fA-F]/g, '').toUpperCase(),
      source: DEMO_SOURCE,
    })
  );
  const hub =
    opts.hub === false
      ? null
      : await SimulatedHub.start({
          host: '127.0.0.1',
          name: 'Demo Hub',
          children: [
            { alias: 'Back garden', model: 'C420', batteryPercent: 72, idleSleepMs: 20_000 },
            { alias: 'Doorbell', model: 'D230', batteryPercent: 88, temperatureC: 9, idleSleepMs: 20_000 },
          ],
          sensors: DEMO_SENSORS,
          // Its children's live view: the port-8800 stream (ffmpeg makes the clip on first view).
          stream: opts.media === false ? false : { ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}) },
        });
  // The garage camera has no card: the hub records it on its own disk (hub storage), so the
  // demo's recordings show that path too.
  const garage = sim.cameras[GARAGE_INDEX];
  if (hub && garage) {
    garage.device.card.state = 'none';
    hub.pairForStorage({
      deviceId: garage.device.deviceId,
      mac: garage.device.mac,
      model: garage.model,
      alias: garage.name,
    });
  }
  const hubEntry: CameraConfig[] = hub
    ? [
        simulatedHubConfig(hub, {
          id: 'demo-hub',
          name: 'Demo Hub',
          pollIntervalMs,
          tlsFingerprint: hub.transport.fingerprint,
          source: DEMO_SOURCE,
          ...(hub.streamServer ? { streamPort: hub.streamServer.port } : {}),
        }),
      ]
    : [];
  await fleet.applyCameras([...cameras, ...hubEntry], { source: DEMO_SOURCE });

  const timers: NodeJS.Timeout[] = [];
  const flappingIndex = Math.min(1, count - 1);
  const flapEvery = opts.flapEveryMs ?? 45_000;
  if (flapEvery > 0) {
    let offline = false;
    const t = setInterval(() => {
      offline = !offline;
      sim.cameras[flappingIndex]?.setFault({ offline });
    }, flapEvery);
    t.unref();
    timers.push(t);
  }
  const burstEvery = opts.burstEveryMs ?? 240_000;
  const others = CAMERA_DETECTION_KINDS.filter((k) => k !== 'motion' && k !== 'person');
  let turn = 0;
  const nextKind = () => others[turn++ % others.length]!;
  if (burstEvery > 0) {
    const t = setInterval(() => {
      const cam = sim.cameras[0];
      if (!cam) {
        return;
      }
      // 14 events within 42 s: more than the seed's 10-a-minute motion-burst threshold.
      for (let k = 0; k < 14; k++) {
        const b = setTimeout(() => {
          timers.splice(timers.indexOf(b), 1);
          // Mostly motion and people; one of every other detection kind in turn, so each shows.
          cam.triggerMotion(k % 4 === 3 ? 'person' : k % 4 === 1 ? nextKind() : 'motion');
        }, k * 3000);
        b.unref();
        timers.push(b);
      }
    }, burstEvery);
    t.unref();
    timers.push(t);
  }
  if (hub && burstEvery > 0) {
    // The doorbell rings (and wakes) now and then, so its events and awake state show.
    const t = setInterval(() => hub.child('D230').trigger('ring'), burstEvery / 2);
    t.unref();
    timers.push(t);
  }
  const sensorEvery = opts.sensorEveryMs ?? 60_000;
  if (hub && sensorEvery > 0) {
    // Home life, so the sensors' panels move: the back door opens and closes, the cellar drifts.
    let step = 0;
    const t = setInterval(() => {
      step++;
      const door = hub.sensor('T110');
      door.setOpen(!door.open);
      const cellar = hub.sensor('T315');
      cellar.temperatureC = Math.round((12.4 + Math.sin(step / 5) * 1.5) * 10) / 10;
      cellar.humidityPct = Math.round(71 + Math.cos(step / 7) * 4);
    }, sensorEvery);
    t.unref();
    timers.push(t);
  }
  log.info(
    { cameras: cameras.length, pictures: cameras.some((c) => c.rtspUrlOverride !== null) },
    'demo fleet of simulated cameras started'
  );

  return {
    cameras,
    simulated: sim,
    hub,
    flappingIndex,
    async stop() {
      for (const t of timers) {
        clearTimeout(t);
      }
      await fleet.applyCameras([], { source: DEMO_SOURCE });
      await sim.close();
      await hub?.close();
    },
  };
}
