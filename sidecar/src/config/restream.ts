/**
 * Restream (RTSP override) URLs in settings. In a datasource, the URL lives in jsonData, which
 * Grafana stores in clear and sends to browsers, so it must carry no credentials: its user and
 * password come from secureJsonData and are put into the URL only when ffmpeg opens it
 * (`rtspOverrideUrl` in tapo/rtsp-camera.ts).
 */

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
