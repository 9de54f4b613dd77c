import type { SensorKind } from '../../../src/shared/query.ts';

/**
 * A camera as the fleet runs it: one shape whatever the source (datasource settings, YAML file,
 * the persisted list, the demo fleet). Secrets live here in memory only; `redactCamera` strips them.
 */
export interface CameraConfig {
  /** Stable id from the configuration (letters, digits, '-', '_'). Keys history, secrets and channels. */
  id: string;
  name: string;
  /** The settings gave no name (`name` is the id): the name from the Tapo app is shown instead. */
  unnamed?: boolean;
  host: string;
  port: number;
  /** Local API user ('admin'; the password is the owner's TP-Link cloud password). */
  username: string;
  /** Null: not known yet (e.g. persisted without TAPO_SECRET_KEY); the camera waits for it. */
  password: string | null;
  /** Camera account (RTSP/ONVIF). */
  cameraAccount: string | null;
  cameraPassword: string | null;
  pollIntervalMs: number;
  stream: 'stream1' | 'stream2';
  rtspUrlOverride: string | null;
  /** The restream's own account (datasource: from secureJsonData), put into the override URL. */
  restreamUser?: string | null;
  restreamPassword?: string | null;
  onvifPort: number | null;
  tlsFingerprint: string | null;
  disabled: boolean;
  /**
   * 'hub': a Tapo hub (H200/H500) configured like a camera; its battery children are listed and polled.
   * 'sensor': a sensor behind a hub (from the hub's list, with `hubChild`); no picture, no requests of its own.
   */
  kind?: 'camera' | 'hub' | 'sensor';
  /** A sensor's kind (temperature and humidity, contact, ...). */
  sensorKind?: SensorKind;
  /** A battery camera behind a hub: host, port, user and password are the hub's; requests go through it. */
  hubChild?: { hubId: string; deviceId: string };
  /** The port-8800 media port: a hub's live view, a camera's recordings (default 8800; simulated devices move it). */
  streamPort?: number;
  /** Where it came from, e.g. 'yaml', 'datasource:<uid>', 'demo'. */
  source: string;
}

/** One problem with the configuration; `cameraId` null means the file or the settings as a whole. */
export interface ConfigIssue {
  /** 'error' disabled (left out) the camera it names, or the whole source when cameraId is null; 'warning' changed nothing. */
  severity: 'error' | 'warning';
  source: string;
  cameraId: string | null;
  /** e.g. 'cameras[2].host'. */
  field: string;
  message: string;
}

export interface LoadedConfig {
  cameras: CameraConfig[];
  /** An error disables only the camera it names; other cameras are unaffected. */
  issues: ConfigIssue[];
  retentionHours: number | null;
  defaultPollIntervalSeconds: number | null;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: ConfigIssue[] = []
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_POLL_INTERVAL_SECONDS = 30;
export const DEFAULT_ONVIF_PORT = 2020;

export function formatIssue(i: ConfigIssue): string {
  return i.cameraId ? `camera "${i.cameraId}": ${i.field}: ${i.message}` : `${i.field}: ${i.message}`;
}

type Secret = 'password' | 'cameraPassword' | 'restreamUser' | 'restreamPassword';

/** The camera without secrets (for logs, responses and persistence without a key). */
export function redactCamera(c: CameraConfig): Omit<CameraConfig, Secret> & { [K in Secret]: null } {
  return { ...c, password: null, cameraPassword: null, restreamUser: null, restreamPassword: null };
}

/** Whether two configs would poll the same way (a change of any of these recreates the client). */
export function sameConnection(a: CameraConfig, b: CameraConfig): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.username === b.username &&
    a.password === b.password &&
    a.tlsFingerprint === b.tlsFingerprint &&
    a.cameraAccount === b.cameraAccount &&
    a.cameraPassword === b.cameraPassword &&
    a.onvifPort === b.onvifPort &&
    a.rtspUrlOverride === b.rtspUrlOverride &&
    (a.restreamUser ?? null) === (b.restreamUser ?? null) &&
    (a.restreamPassword ?? null) === (b.restreamPassword ?? null) &&
    a.stream === b.stream &&
    a.hubChild?.hubId === b.hubChild?.hubId &&
    (a.kind ?? 'camera') === (b.kind ?? 'camera') &&
    a.hubChild?.deviceId === b.hubChild?.deviceId &&
    a.streamPort === b.streamPort
  );
}
