/**
 * Secret scrubbing for URLs that carry credentials (RTSP camera accounts, restream tokens): the
 * masked form for logs and errors, and removal of a URL's secrets from free text. One home, used
 * by the camera layer (`tapo/rtsp.ts`) and the media layer alike.
 */

/**
 * Replaces the password in a URL's userinfo with `***` (the user name stays, it helps support).
 * Works on strings that are not valid URLs too (best effort on `scheme://user:pass@`).
 */
export function maskUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(SECRET_PARAM, (_m, lead: string, name: string) => `${lead}${name}=***`);
}

/** Query parameters that carry credentials in restream URLs (go2rtc, Frigate, NVRs). */
const SECRET_PARAM = /([?&;])((?:[a-z0-9_-]*?)(?:pass(?:word)?|pwd|token|secret|key|auth)[a-z0-9_-]*)=[^&#;]*/gi;

/** The values of a URL's credential-like query parameters, raw and decoded. */
function secretParamValues(url: string): string[] {
  const out: string[] = [];
  for (const m of url.matchAll(SECRET_PARAM)) {
    const raw = m[0].slice(m[0].indexOf('=') + 1);
    out.push(raw);
    try {
      out.push(decodeURIComponent(raw));
    } catch {
      /* keep the raw form */
    }
  }
  return out;
}

/**
 * Removes every occurrence of a URL's secrets from free text (an ffmpeg error line quotes the
 * URL, sometimes decoded): the full URL becomes its masked form, and the password, raw or
 * percent-encoded, becomes `***`.
 */
export function scrubSecrets(text: string, url: string): string {
  let out = text.split(url).join(maskUrl(url));
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url);
  if (m) {
    const userinfo = m[1];
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      const enc = userinfo.slice(colon + 1);
      let dec = enc;
      try {
        dec = decodeURIComponent(enc);
      } catch {
        /* keep the raw form */
      }
      for (const secret of new Set([enc, dec])) {
        if (secret.length > 0) {
          out = out.split(secret).join('***');
        }
      }
    }
  }
  for (const secret of secretParamValues(url)) {
    if (secret.length > 0) {
      out = out.split(secret).join('***');
    }
  }
  return out;
}
