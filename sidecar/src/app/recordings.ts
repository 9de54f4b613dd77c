/**
 * The cameras' own recordings for the datasource: the searches through the fleet's connected
 * clients (same login, lockout rules and one-request-at-a-time queue as polling; a hub child's
 * through its hub's controlChild), cached per camera and day, and the camera's port-8800 media
 * session for playback and download, one per camera (MediaGate), reached with the camera's host,
 * media port and cloud password (a hub child's through its hub's). A Wi-Fi camera without a card of
 * its own that a configured hub lists for hub storage has its recordings read from the hub's disk
 * (searches on the hub naming the camera, clips from the hub's port 8800).
 */
import { RECORDING_NO_CARD, RECORDINGS_LIMITS } from '../../../src/shared/query.ts';
import type { RecordingsProvider } from '../datasource/deps.ts';
import type { Fleet } from '../fleet/index.ts';
import { MediaGate } from '../media/hubstream/media-gate.ts';
import { CAMERA_MEDIA_PORT, RecordingSession } from '../media/hubstream/recording-session.ts';
import { TapoError } from '../tapo/errors.ts';
import * as m from '../tapo/methods.ts';
import { RecordingsError, type RecordingsApi } from '../tapo/recordings.ts';
import { playerIdOf, RecordingsIndex } from '../tapo/recordings-index.ts';
import type { SubRequest, SubResponse } from '../tapo/types.ts';
import { listHubStorageCameras, normalMac, onHubStorage, type HubStorageCamera } from '../tapo/hub/index.ts';

type ChildCall = (requests: SubRequest[]) => Promise<SubResponse[]>;

/** Where a camera's recordings are: its own card, or a hub's disk (hub storage). */
interface HubStorageRoute {
  hubId: string;
  camera: HubStorageCamera;
  api: RecordingsApi;
}

/** How long a camera's route (card or hub storage) and a hub's list are trusted. */
const ROUTE_TTL_MS = 60_000;

/**
 * A camera as the recordings search sees it through a relay: a hub child's requests go by the hub's
 * controlChild to the child's own card; a hub-storage camera's are asked of the hub itself, the
 * camera named inside each search (its card state and zone are the hub's).
 */
function childRecordingsApi(call: ChildCall): RecordingsApi {
  const one = async <T>(req: SubRequest, decode: (r: unknown) => T): Promise<T> => {
    const [sub] = await call([req]);
    if (!sub || sub.errorCode !== 0) {
      throw new TapoError('protocol', `${req.method} through the hub failed (${sub?.errorCode ?? 'no answer'})`, {
        method: req.method,
      });
    }
    return decode(sub.result);
  };
  return {
    multipleRequest: call,
    getSdCard: () => one(m.req.sdCard(), m.decodeSdCard),
    getTimezone: () => one(m.req.timezone(), m.decodeTimezone),
  };
}

export function cameraRecordings(fleet: Fleet, nameOf: (id: string) => string): RecordingsProvider {
  // One search per child (the index keeps its user id per API object); each request goes through
  // the hub link the fleet holds at that moment (it changes with the hub's settings).
  const childApis = new Map<string, RecordingsApi>();
  // Cameras found on a hub's disk, and each hub's list of them, for a minute.
  const routes = new Map<string, { route: HubStorageRoute | null; at: number }>();
  const hubLists = new Map<string, { list: Promise<HubStorageCamera[]>; at: number }>();
  const hubCall =
    (hubId: string): ChildCall =>
    (requests) => {
      const call = fleet.hubCaller(hubId);
      return call
        ? call(requests)
        : Promise.reject(new TapoError('network', `the hub ${nameOf(hubId)} is not connected`));
    };
  const storageList = (hubId: string): Promise<HubStorageCamera[]> => {
    const hit = hubLists.get(hubId);
    if (hit && Date.now() - hit.at < ROUTE_TTL_MS) {
      return hit.list;
    }
    const list = listHubStorageCameras(hubCall(hubId));
    hubLists.set(hubId, { list, at: Date.now() });
    list.catch(() => hubLists.delete(hubId)); // a hub without the method (or offline) is asked again later
    return list;
  };
  /**
   * A Wi-Fi camera's route: its own card when it reports one; else the first configured hub that
   * records it (matched by MAC). Only asked when a hub is configured at all.
   */
  const routeOf = async (id: string): Promise<HubStorageRoute | null> => {
    const cfg = fleet.cameraConfig(id);
    const hubs = fleet.hubIds();
    if (!cfg || cfg.hubChild || cfg.kind === 'hub' || hubs.length === 0) {
      return null;
    }
    const known = routes.get(id);
    if (known && Date.now() - known.at < ROUTE_TTL_MS) {
      return known.route;
    }
    // The card's state and the MAC come from the camera's last poll (it reads the card every time).
    const last = fleet.camera(id)?.last;
    const mac = normalMac(last?.mac ?? '');
    let route: HubStorageRoute | null = null;
    const client = fleet.client(id);
    if (client && last?.recordingMode === RECORDING_NO_CARD && mac) {
      for (const hubId of hubs) {
        const cams = await storageList(hubId).catch(() => [] as HubStorageCamera[]);
        const camera = cams.find((c) => c.storageEnabled && c.mac === mac);
        if (camera) {
          const call = hubCall(hubId);
          const relayed = childRecordingsApi((requests) => call(requests.map((r) => onHubStorage(r, camera))));
          // Days are named in the household's zone: the camera's own (it answers on the LAN; the
          // hub's getTimezone is not in any recorded answer).
          const api: RecordingsApi = { ...relayed, getTimezone: () => client.getTimezone() };
          route = { hubId, camera, api };
          break;
        }
      }
    }
    if (known?.route?.hubId !== route?.hubId) {
      index.forget(id); // its days and clips came from the other place
    }
    routes.set(id, { route, at: Date.now() });
    return route;
  };
  const index = new RecordingsIndex((id) => {
    const stored = routes.get(id)?.route;
    if (stored) {
      return stored.api;
    }
    if (fleet.cameraConfig(id)?.hubChild) {
      if (!fleet.childCaller(id)) {
        throw new RecordingsError('search_failed', `${nameOf(id)} is not connected yet`);
      }
      let api = childApis.get(id);
      if (!api) {
        api = childRecordingsApi((requests) => {
          const call = fleet.childCaller(id);
          return call ? call(requests) : Promise.reject(new TapoError('network', `${nameOf(id)} is not connected`));
        });
        childApis.set(id, api);
      }
      return api;
    }
    const client = fleet.client(id);
    if (!client) {
      throw new RecordingsError('search_failed', `${nameOf(id)} is not connected yet`);
    }
    return client;
  });
  const gate = new MediaGate();
  return {
    clips: async (id, fromMs, toMs, opts) => {
      await routeOf(id);
      return index.clips(id, fromMs, toMs, RECORDINGS_LIMITS.maxDays, opts);
    },
    async open(id, clip, mode, sink, signal) {
      const cfg = fleet.cameraConfig(id);
      if (!cfg || cfg.disabled) {
        throw new Error(`unknown camera "${id}"`);
      }
      if (cfg.kind === 'hub') {
        throw new Error(`${cfg.name} is a hub: its cameras have the recordings`);
      }
      const stored = await routeOf(id);
      // A camera behind a hub, or recorded on a hub's disk: the clip comes from the hub's port 8800.
      const via = cfg.hubChild
        ? fleet.cameraConfig(cfg.hubChild.hubId)
        : stored
          ? fleet.cameraConfig(stored.hubId)
          : cfg;
      if (!via) {
        throw new Error(`${cfg.name} is behind a hub that is not configured`);
      }
      if (!via.password) {
        throw new Error(`${cfg.name} has no cloud password yet`);
      }
      const release = await gate.acquire(id, signal);
      let released = false;
      const free = () => {
        if (!released) {
          released = true;
          release();
        }
      };
      const session = new RecordingSession({
        cameraId: id,
        host: via.host,
        port: via.streamPort ?? CAMERA_MEDIA_PORT,
        username: via.username,
        password: via.password,
        ...(cfg.hubChild ? { deviceId: cfg.hubChild.deviceId } : {}),
        ...(stored
          ? {
              hubStorage: {
                deviceId: stored.camera.deviceId,
                mac: stored.camera.mac,
                // The H500 names the camera by id; H200s (fw 1.6+) by MAC (sheet §6.1).
                form: /^H5/i.test(fleet.model(stored.hubId) ?? '') ? ('deviceId' as const) : ('camera_mac' as const),
              },
            }
          : {}),
        mode,
        start: clip.start,
        end: clip.end,
        playerId: playerIdOf(id),
        onInfo: (i) => sink.onInfo(i),
        onAccessUnit: (au, pts) => sink.onAccessUnit(au, pts),
        onDone: () => {
          free();
          sink.onDone();
        },
        onEnd: (e) => {
          free();
          sink.onEnd(e);
        },
      });
      const stop = () => {
        session.close();
        free();
      };
      if (signal.aborted) {
        stop();
        return;
      }
      signal.addEventListener('abort', stop, { once: true });
      try {
        await session.start();
      } catch (e) {
        signal.removeEventListener('abort', stop);
        free();
        throw e;
      }
    },
  };
}
