/**
 * RTSP addresses of a Tapo camera: `rtsp://USER:PASS@HOST:554/stream1` (HD) or `/stream2` (SD),
 * with the camera account (not the cloud password). A per-camera override URL (a restream from
 * go2rtc or Frigate) replaces the camera's own, because cameras serve at most two streams and a
 * user's NVR may already hold one. `maskUrl` is what goes into logs and errors.
 */

import { maskUrl } from '../util/scrub.ts';

export { maskUrl, scrubSecrets } from '../util/scrub.ts';

export type RtspStream = 'stream1' | 'stream2';
export const RTSP_DEFAULT_PORT = 554;

export class RtspUrlError extends Error {
  readonly code = 'invalid_rtsp_url' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RtspUrlError';
  }
}

export interface RtspUrlInput {
  host: string;
  port?: number;
  username: string;
  password: string;
  stream?: RtspStream;
}

/** What the frame pipeline takes: the URL with credentials, and its masked twin for logs. */
export interface RtspSource {
  cameraId: string;
  url: string;
  maskedUrl: string;
}

function hostPart(host: string): string {
  const h = host.trim();
  if (!h || /[\s/@?#]/.test(h)) {
    throw new RtspUrlError(`invalid camera host "${h.replace(/[^\w.:-]/g, '?')}"`);
  }
  // Bare IPv6 literals need brackets in a URL.
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/** The camera's own stream URL; user and password are percent-encoded (RFC 3986 userinfo). */
export function buildRtspUrl(input: RtspUrlInput): string {
  const port = input.port ?? RTSP_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RtspUrlError(`invalid RTSP port ${String(port)}`);
  }
  const stream = input.stream ?? 'stream1';
  if (stream !== 'stream1' && stream !== 'stream2') {
    throw new RtspUrlError(`unknown stream "${String(stream)}" (stream1 or stream2)`);
  }
  if (!input.username) {
    throw new RtspUrlError('the camera account user name is missing');
  }
  const user = encodeURIComponent(input.username);
  const pass = encodeURIComponent(input.password ?? '');
  return `rtsp://${user}:${pass}@${hostPart(input.host)}:${port}/${stream}`;
}

/** Checks an override URL (rtsp:// or rtsps://) and returns it normalised; its own credentials, if any, are kept. */
export function checkOverrideUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new RtspUrlError('the RTSP override URL is not a valid URL');
  }
  if (u.protocol !== 'rtsp:' && u.protocol !== 'rtsps:') {
    throw new RtspUrlError(`the RTSP override URL must start with rtsp:// or rtsps:// (got ${u.protocol}//)`);
  }
  if (!u.hostname) {
    throw new RtspUrlError('the RTSP override URL has no host');
  }
  return raw.trim();
}

/**
 * The URL to read for a camera: the override when one is set (a restream), else the camera's own.
 * Throws RtspUrlError (with no secret in its message) on bad input.
 */
export function rtspSource(cameraId: string, input: RtspUrlInput & { override?: string | null }): RtspSource {
  const url = input.override && input.override.trim() ? checkOverrideUrl(input.override) : buildRtspUrl(input);
  return { cameraId, url, maskedUrl: maskUrl(url) };
}
