/**
 * Validation of one camera entry (zod), shared by the datasource settings and the YAML file.
 * Each entry is checked on its own, so a bad entry disables only its camera; messages name the
 * field and the camera and never echo a secret's value.
 */
import { z } from 'zod';
import { LIMITS } from '../../../src/shared/query.ts';
import { DEFAULT_ONVIF_PORT, DEFAULT_POLL_INTERVAL_SECONDS, type CameraConfig, type ConfigIssue } from './types.ts';

export const CAMERA_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const FINGERPRINT_RE = /^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

const port = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(LIMITS.port.min, `${what} must be ${LIMITS.port.min}-${LIMITS.port.max}`)
    .max(LIMITS.port.max, `${what} must be ${LIMITS.port.min}-${LIMITS.port.max}`);
const optText = (max: number) =>
  z.string({ error: 'must be text' }).max(max, `must be at most ${max} characters`).optional();

export const cameraEntrySchema = z.object({
  id: z
    .string({ error: 'is required (letters, digits, - and _)' })
    .regex(CAMERA_ID_RE, 'must be 1-64 letters, digits, - or _'),
  name: z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(120, 'must be at most 120 characters')
    .optional(),
  host: z
    .string({ error: 'is required (IP address or host name, optionally :port)' })
    .trim()
    .min(1, 'is required (IP address or host name, optionally :port)')
    .regex(HOST_RE, 'must be an IP address or host name, optionally with :port (no scheme, no path)'),
  port: port('port').optional(),
  username: z
    .string({ error: 'must be text' })
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .optional(),
  // Secrets: only "is it usable text" is checked; a message never repeats the value.
  password: optText(256),
  cameraAccount: optText(64),
  cameraPassword: optText(256),
  pollIntervalSeconds: z
    .number({ error: 'must be a number of seconds' })
    .min(LIMITS.pollIntervalSeconds.min, `must be at least ${LIMITS.pollIntervalSeconds.min} second`)
    .max(LIMITS.pollIntervalSeconds.max, `must be at most ${LIMITS.pollIntervalSeconds.max} seconds (a day)`)
    .optional(),
  stream: z.enum(['stream1', 'stream2'], { error: "must be 'stream1' or 'stream2'" }).optional(),
  rtspUrlOverride: z
    .string({ error: 'must be text' })
    .regex(/^rtsps?:\/\/\S+$/, 'must be an rtsp:// or rtsps:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  onvifPort: port('onvifPort').optional(),
  tlsFingerprint: z
    .string({ error: 'must be text' })
    .regex(FINGERPRINT_RE, 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  disabled: z.boolean({ error: 'must be true or false' }).optional(),
  hubChild: z
    .object({
      hubId: z.string({ error: 'must be text' }).min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
      deviceId: z
        .string({ error: 'must be text' })
        .min(1, 'must not be empty')
        .max(128, 'must be at most 128 characters'),
    })
    .optional(),
  /** 'hub': a Tapo hub (H200/H500); its battery children become cameras of their own. */
  kind: z.enum(['camera', 'hub'], { error: "must be 'camera' or 'hub'" }).optional(),
  /** The port-8800 media port: a hub's live view, a camera's recordings (8800 on real devices; simulated ones move it). */
  streamPort: port('streamPort').optional(),
});

export type CameraEntry = z.infer<typeof cameraEntrySchema>;
const KNOWN_KEYS = new Set(Object.keys(cameraEntrySchema.shape));

export interface EntryContext {
  source: string;
  /** How the entry is named in messages, e.g. 'cameras[2]' or 'jsonData.cameras[2]'. */
  path: string;
  defaultPollIntervalSeconds: number;
}

/** Validates one entry; returns the camera or the issues that disable it (plus warnings). */
export function parseCameraEntry(
  raw: unknown,
  ctx: EntryContext
): { camera: CameraConfig | null; issues: ConfigIssue[] } {
  const rawId =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : null;
  const cameraId = rawId && CAMERA_ID_RE.test(rawId) ? rawId : null;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      camera: null,
      issues: [
        {
          severity: 'error',
          source: ctx.source,
          cameraId: null,
          field: ctx.path,
          message: 'must be an object with id, name and host',
        },
      ],
    };
  }
  const result = cameraEntrySchema.safeParse(raw);
  if (!result.success) {
    return {
      camera: null,
      issues: result.error.issues.map((i) => ({
        severity: 'error' as const,
        source: ctx.source,
        cameraId,
        field: `${ctx.path}.${i.path.join('.') || '?'}`,
        message: i.message,
      })),
    };
  }
  const e = result.data;
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k));
  const warnings: ConfigIssue[] = unknown.map((k) => ({
    severity: 'warning',
    source: ctx.source,
    cameraId: e.id,
    field: `${ctx.path}.${k}`,
    message: 'unknown setting (ignored)',
  }));
  const { host, port: hostPort } = splitHost(e.host);
  // One error disables this camera only.
  const refuse = (field: string, message: string) => ({
    camera: null,
    issues: [
      { severity: 'error' as const, source: ctx.source, cameraId: e.id, field: `${ctx.path}.${field}`, message },
    ],
  });
  if (hostPort !== null && e.port !== undefined && hostPort !== e.port) {
    return refuse('port', `conflicts with the port in host (${hostPort})`);
  }
  if (hostPort !== null && (hostPort < 1 || hostPort > 65535)) {
    return refuse('host', 'port must be 1-65535');
  }
  return {
    camera: {
      id: e.id,
      name: e.name ?? e.id,
      ...(e.name === undefined ? { unnamed: true } : {}),
      host,
      port: e.port ?? hostPort ?? 443,
      username: e.username ?? 'admin',
      password: e.password && e.password.length > 0 ? e.password : null,
      cameraAccount: e.cameraAccount && e.cameraAccount.length > 0 ? e.cameraAccount : null,
      cameraPassword: e.cameraPassword && e.cameraPassword.length > 0 ? e.cameraPassword : null,
      pollIntervalMs: Math.round((e.pollIntervalSeconds ?? ctx.defaultPollIntervalSeconds) * 1000),
      stream: e.stream ?? 'stream2',
      rtspUrlOverride: e.rtspUrlOverride ?? null,
      onvifPort: e.onvifPort ?? DEFAULT_ONVIF_PORT,
      tlsFingerprint: e.tlsFingerprint ? e.tlsFingerprint.replace(/:/g, '').toUpperCase() : null,
      disabled: e.disabled ?? false,
      ...(e.hubChild ? { hubChild: { hubId: e.hubChild.hubId, deviceId: e.hubChild.deviceId } } : {}),
      ...(e.kind === 'hub' ? { kind: 'hub' as const } : {}),
      ...(e.streamPort !== undefined ? { streamPort: e.streamPort } : {}),
      source: ctx.source,
    },
    issues: warnings,
  };
}

/** 'host', 'host:port', '[v6]' or '[v6]:port' → host and port (null when absent). */
export function splitHost(h: string): { host: string; port: number | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(h);
  if (v6) {
    return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : null };
  }
  const i = h.lastIndexOf(':');
  if (i > 0) {
    return { host: h.slice(0, i), port: Number(h.slice(i + 1)) };
  }
  return { host: h, port: null };
}

/** Validates a list; duplicates of an id disable the later entries. */
export function parseCameraList(
  list: unknown,
  ctx: { source: string; path: string; defaultPollIntervalSeconds?: number | null }
): { cameras: CameraConfig[]; issues: ConfigIssue[] } {
  const cameras: CameraConfig[] = [];
  const issues: ConfigIssue[] = [];
  if (list === undefined || list === null) {
    return { cameras, issues };
  }
  if (!Array.isArray(list)) {
    issues.push({
      severity: 'error',
      source: ctx.source,
      cameraId: null,
      field: ctx.path,
      message: 'must be a list of cameras',
    });
    return { cameras, issues };
  }
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const r = parseCameraEntry(raw, {
      source: ctx.source,
      path: `${ctx.path}[${i}]`,
      defaultPollIntervalSeconds: ctx.defaultPollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS,
    });
    issues.push(...r.issues);
    if (!r.camera) {
      return;
    }
    if (seen.has(r.camera.id)) {
      issues.push({
        severity: 'error',
        source: ctx.source,
        cameraId: r.camera.id,
        field: `${ctx.path}[${i}].id`,
        message: 'duplicates an earlier camera id (this entry is disabled)',
      });
      return;
    }
    seen.add(r.camera.id);
    cameras.push(r.camera);
  });
  return { cameras, issues };
}

export const retentionSchema = z
  .number({ error: 'must be a number of hours' })
  .min(LIMITS.retentionHours.min, `must be at least ${LIMITS.retentionHours.min} hour`)
  .max(LIMITS.retentionHours.max, 'must be at most a year');
export const intervalSchema = z
  .number({ error: 'must be a number of seconds' })
  .min(LIMITS.pollIntervalSeconds.min, `must be at least ${LIMITS.pollIntervalSeconds.min} second`)
  .max(LIMITS.pollIntervalSeconds.max, `must be at most ${LIMITS.pollIntervalSeconds.max} seconds`);
