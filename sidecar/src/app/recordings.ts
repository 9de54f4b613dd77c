/**
 * The cameras' own recordings for the datasource: the searches through the fleet's connected
 * clients (same login, lockout rules and one-request-at-a-time queue as polling; a hub child's
 * through its hub's controlChild), cached per camera and day, and the camera's port-8800 media
 * session for playback and download, one per camera (MediaGate), reached with the camera's host,
 * media port and cloud password (a hub child's through its hub's).
 */
import { RECORDINGS_LIMITS } from '../../../src/shared/query.ts';
import type { RecordingsProvider } from '../datasource/deps.ts';
import type { Fleet } from '../fleet/index.ts';
import { MediaGate } from '../media/hubstream/media-gate.ts';
import { CAMERA_MEDIA_PORT, RecordingSession } from '../media/hubstream/recording-session.ts';
import { TapoError } from '../tapo/errors.ts';
import * as m from '../tapo/methods.ts';
import { RecordingsError, type RecordingsApi } from '../tapo/recordings.ts';
import { playerIdOf, RecordingsIndex } from '../tapo/recordings-index.ts';
import type { SubRequest, SubResponse } from '../tapo/types.ts';

type ChildCall = (requests: SubRequest[]) => Promise<SubResponse[]>;

/**
 * A camera behind a hub as the recordings search sees it: every request relayed by the hub's
 * controlChild to the child's own card (the sheet's controlChild path).
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
  const index = new RecordingsIndex((id) => {
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
    clips: (id, fromMs, toMs, opts) => index.clips(id, fromMs, toMs, RECORDINGS_LIMITS.maxDays, opts),
    async open(id, clip, mode, sink, signal) {
      const cfg = fleet.cameraConfig(id);
      if (!cfg || cfg.disabled) {
        throw new Error(`unknown camera "${id}"`);
      }
      if (cfg.kind === 'hub') {
        throw new Error(`${cfg.name} is a hub: its cameras have the recordings`);
      }
      // A camera behind a hub: its card is reached through the hub's port 8800 (host, port, password).
      const via = cfg.hubChild ? fleet.cameraConfig(cfg.hubChild.hubId) : cfg;
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
