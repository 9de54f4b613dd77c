/**
 * A configured camera's RTSP source: which cameras have one at all (a battery camera has none;
 * the camera's own stream needs the camera account made in the Tapo app), which stream a viewer
 * gets, and the URL ffmpeg opens for a restream override (with its own or the camera's account).
 * The settings are read through a narrow shape, so this module needs nothing from config/.
 */
import type { VideoStreamName } from '../../../src/shared/query.ts';
import { rtspSource, type RtspSource, type RtspStream } from './rtsp.ts';

/** What the RTSP rules read of a camera's configuration (config's CameraConfig has it all). */
export interface RtspCameraSettings {
  id: string;
  name: string;
  host: string;
  cameraAccount: string | null;
  cameraPassword: string | null;
  stream: RtspStream;
  rtspUrlOverride: string | null;
  restreamUser?: string | null;
  restreamPassword?: string | null;
}

const bare = (h: string) => h.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * The URL ffmpeg opens for an override. A restream gets its own user and password (from
 * secureJsonData); an override on the camera's own host (a non-standard port, say) gets the
 * camera account. Camera credentials never go to another host, and credentials written into the
 * URL itself (YAML) win.
 */
export function rtspOverrideUrl(cfg: Omit<RtspCameraSettings, 'id' | 'name' | 'stream'>): string | null {
  const raw = cfg.rtspUrlOverride?.trim();
  if (!raw) {
    return null;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw; // rtspSource reports a malformed URL in words
  }
  if (url.username) {
    return raw;
  }
  const own = bare(url.hostname) === bare(cfg.host);
  const user = own ? cfg.cameraAccount : cfg.restreamUser;
  const password = own ? cfg.cameraPassword : cfg.restreamPassword;
  if (!user || (own && !password)) {
    return raw;
  }
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password ?? '');
  return url.toString();
}

/**
 * The camera's RTSP source: `stream` main/sub, or the camera's configured stream. Throws, in
 * words a user can act on, for a battery camera (no RTSP) and a camera without a camera account.
 */
export function cameraRtspSource(
  cfg: RtspCameraSettings,
  opts: { batteryPowered: boolean; stream?: VideoStreamName }
): RtspSource & { stream: VideoStreamName } {
  if (!cfg.rtspUrlOverride && opts.batteryPowered) {
    throw new Error(`${cfg.name} is a battery camera: it has no RTSP stream, so no live picture`);
  }
  if (!cfg.rtspUrlOverride && (!cfg.cameraAccount || !cfg.cameraPassword)) {
    throw new Error(
      `${cfg.name} has no camera account for RTSP: set it in the datasource settings (Tapo app → Camera Settings → Advanced → Camera Account)`
    );
  }
  const rtspStream: RtspStream = opts.stream ? (opts.stream === 'sub' ? 'stream2' : 'stream1') : cfg.stream;
  const source = rtspSource(cfg.id, {
    host: cfg.host,
    username: cfg.cameraAccount ?? '',
    password: cfg.cameraPassword ?? '',
    stream: rtspStream,
    override: rtspOverrideUrl(cfg),
  });
  return { ...source, stream: rtspStream === 'stream2' ? 'sub' : 'main' };
}
