/**
 * Restream (RTSP override) URLs and their credentials. In a datasource, the URL lives in jsonData,
 * which Grafana stores in clear and sends to browsers, so it must carry no credentials: its user
 * and password come from secureJsonData and are put into the URL only when ffmpeg opens it.
 */
import type { CameraConfig } from './types.ts';

/** Query parameters that carry credentials in restream URLs (go2rtc, Frigate, NVRs). */
const SECRET_PARAM = /[?&;](?:[a-z0-9_-]*?)(?:pass(?:word)?|pwd|token|secret|key|auth)[a-z0-9_-]*=/i;

/** What in the URL is a credential, in words; null when it carries none. Never echoes a value. */
export function credentialsInUrl(raw: string): string | null {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(raw.trim());
  if (userinfo) {
    return userinfo[1]!.includes(':') ? 'a user and password' : 'a user name';
  }
  return SECRET_PARAM.test(raw) ? 'a credential parameter' : null;
}

const bare = (h: string) => h.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * The URL ffmpeg opens for an override. A restream gets its own user and password (from
 * secureJsonData); an override on the camera's own host (a non-standard port, say) gets the
 * camera account. Camera credentials never go to another host, and credentials written into the
 * URL itself (YAML) win.
 */
export function rtspOverrideUrl(cfg: CameraConfig): string | null {
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
