/**
 * The cameras' own recordings for the datasource: the searches through the fleet's connected
 * clients (same login, lockout rules and one-request-at-a-time queue as polling), cached per camera
 * and day, and the camera's port-8800 media session for playback and download, one per camera
 * (MediaGate), reached with the camera's host, media port and cloud password (a hub child's
 * through its hub's). Listing a hub child's clips is not wired yet (see the throw below).
 */
import { RECORDINGS_LIMITS } from '../../../src/shared/query.ts';
import type { RecordingsProvider } from '../datasource/deps.ts';
import type { Fleet } from '../fleet/index.ts';
import { MediaGate } from '../media/hubstream/media-gate.ts';
import { CAMERA_MEDIA_PORT, RecordingSession } from '../media/hubstream/recording-session.ts';
import { RecordingsError } from '../tapo/recordings.ts';
import { playerIdOf, RecordingsIndex } from '../tapo/recordings-index.ts';

export function cameraRecordings(fleet: Fleet, nameOf: (id: string) => string): RecordingsProvider {
  const index = new RecordingsIndex((id) => {
    if (fleet.cameraConfig(id)?.hubChild) {
      // The searches go through the hub's controlChild, whose client the fleet keeps to itself for now.
      throw new RecordingsError(
        'not_supported',
        'listing the recordings of a camera behind a hub is not supported yet'
      );
    }
    const client = fleet.client(id);
    if (!client) {
      throw new RecordingsError('search_failed', `${nameOf(id)} is not connected yet`);
    }
    return client;
  });
  const gate = new MediaGate();
  return {
    clips: (id, fromMs, toMs) => index.clips(id, fromMs, toMs, RECORDINGS_LIMITS.maxDays),
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
