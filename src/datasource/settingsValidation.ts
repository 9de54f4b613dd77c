/**
 * Checks the datasource settings before they are saved (camera ids, hosts, restream URLs without credentials in
 * jsonData), keyed by field so editors can mark the camera that has the error.
 */
import { LIMITS, type CameraSettings, type TapoDataSourceOptions } from '../shared/query';

/** Error messages keyed by field path: `cameras.<index>.<field>` or a top-level jsonData key. */
export type SettingsErrors = Record<string, string>;

export const cameraField = (index: number, field: keyof CameraSettings) => `cameras.${index}.${field}`;

export const CAMERA_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/;

/** Query parameters that carry credentials in restream URLs (go2rtc, Frigate, NVRs). */
const SECRET_PARAM = /[?&;](?:[a-z0-9_-]*?)(?:pass(?:word)?|pwd|token|secret|key|auth)[a-z0-9_-]*=/i;

/** The user and password written into a restream URL, or null when it carries none (the sidecar refuses the same). */
export function urlCredentials(url: string): { user: string; password: string; bare: string } | 'parameter' | null {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(url.trim());
  if (m) {
    const [user, ...rest] = m[2].split(':');
    const decode = (v: string) => {
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    };
    return { user: decode(user), password: decode(rest.join(':')), bare: url.trim().replace(m[0], m[1]) };
  }
  return SECRET_PARAM.test(url) ? 'parameter' : null;
}

function isIntInRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** A stable id from a name: lower-case ASCII, digits and dashes, unique among `taken`. */
export function deriveCameraId(name: string, taken: Iterable<string>): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'camera';
  const used = new Set(taken);
  if (!used.has(base)) {
    return base;
  }
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) {
      return candidate;
    }
  }
}

function validateCamera(camera: CameraSettings, index: number, all: CameraSettings[], errors: SettingsErrors) {
  const key = (field: keyof CameraSettings) => cameraField(index, field);
  if (!camera.name?.trim()) {
    errors[key('name')] = 'Name is required';
  }
  const id = camera.id ?? '';
  if (!id) {
    errors[key('id')] = 'Id is required';
  } else if (!CAMERA_ID_PATTERN.test(id)) {
    errors[key('id')] = 'Id may hold letters, digits, "-" and "_" only (at most 64)';
  } else {
    const first = all.findIndex((c) => c.id === id);
    if (first !== index) {
      errors[key('id')] =
        `Id "${id}" is already used by camera ${first + 1}${all[first].name ? ` (${all[first].name})` : ''}`;
    }
  }
  const host = camera.host?.trim() ?? '';
  if (!host) {
    errors[key('host')] = 'Host is required: the camera’s IP address or hostname';
  } else if (!HOST_PATTERN.test(host)) {
    errors[key('host')] = 'Host is an IP address or hostname, without http:// or a path';
  }
  const interval = camera.pollIntervalSeconds;
  if (
    interval !== undefined &&
    !isIntInRange(interval, LIMITS.pollIntervalSeconds.min, LIMITS.pollIntervalSeconds.max)
  ) {
    errors[key('pollIntervalSeconds')] =
      `Poll interval must be a whole number of seconds from ${LIMITS.pollIntervalSeconds.min} to ${LIMITS.pollIntervalSeconds.max}`;
  }
  if (camera.onvifPort !== undefined && !isIntInRange(camera.onvifPort, LIMITS.port.min, LIMITS.port.max)) {
    errors[key('onvifPort')] = 'ONVIF port must be a whole number from 1 to 65535';
  }
  const override = camera.rtspUrlOverride?.trim();
  if (override) {
    if (!/^rtsps?:\/\/[^/\s]+/i.test(override)) {
      errors[key('rtspUrlOverride')] = 'The override must be an rtsp:// or rtsps:// URL';
    } else if (urlCredentials(override)) {
      errors[key('rtspUrlOverride')] =
        'Leave credentials out of the URL: these settings are stored unencrypted and sent to every browser. Enter the restream user and password in their secure fields below.';
    }
  }
}

/** Everything the config editor flags before Save & test; the sidecar checks the same things again. */
export function validateSettings(options: TapoDataSourceOptions): SettingsErrors {
  const errors: SettingsErrors = {};
  const cameras = options.cameras ?? [];
  cameras.forEach((camera, index) => validateCamera(camera, index, cameras, errors));
  const { retentionHours, defaultPollIntervalSeconds, liveFps, liveWidth } = options;
  if (
    retentionHours !== undefined &&
    !isIntInRange(retentionHours, LIMITS.retentionHours.min, LIMITS.retentionHours.max)
  ) {
    errors.retentionHours = `Retention must be a whole number of hours from ${LIMITS.retentionHours.min} to ${LIMITS.retentionHours.max}`;
  }
  if (
    defaultPollIntervalSeconds !== undefined &&
    !isIntInRange(defaultPollIntervalSeconds, LIMITS.pollIntervalSeconds.min, LIMITS.pollIntervalSeconds.max)
  ) {
    errors.defaultPollIntervalSeconds = `Poll interval must be a whole number of seconds from ${LIMITS.pollIntervalSeconds.min} to ${LIMITS.pollIntervalSeconds.max}`;
  }
  if (liveFps !== undefined && !isIntInRange(liveFps, LIMITS.liveFps.min, LIMITS.liveFps.max)) {
    errors.liveFps = `Live frame rate must be a whole number from ${LIMITS.liveFps.min} to ${LIMITS.liveFps.max}`;
  }
  if (liveWidth !== undefined && !isIntInRange(liveWidth, LIMITS.liveWidth.min, LIMITS.liveWidth.max)) {
    errors.liveWidth = `Live frame width must be a whole number of pixels from ${LIMITS.liveWidth.min} to ${LIMITS.liveWidth.max}`;
  }
  return errors;
}
