/**
 * Reads camera pictures out of data frames: Tapo frames (base64 JPEG and status fields) or any frame with an
 * image URL or base64 image.
 */
import { type DataFrame, type DataQueryRequest, type Field, FieldType } from '@grafana/data';

import { EVENT_PICTURE_FIELDS } from '../shared/query';
import { TAPO_DATASOURCE_TYPE } from './types';

/** Where a tile's picture comes from: base64 bytes (made into an object URL) or a URL used as is. */
export type ImageSource = { kind: 'base64'; data: string; mime: string } | { kind: 'url'; url: string };

/** The latest state of one camera as found in the data. */
export interface TileFrame {
  /** Identity across updates: the camera id, else its name, else the frame. */
  key: string;
  cameraId?: string;
  name: string;
  /** Frame time, epoch ms. */
  time?: number;
  image?: ImageSource;
  width?: number;
  height?: number;
  status?: string;
  lastSeen?: number;
  motion?: boolean;
  lastMotion?: number;
  error?: string;
  ptz?: boolean;
  privacy?: boolean;
  /** The Tapo datasource the frame came from, when known: enables controls. */
  datasourceUid?: string;
  /** Pictures from a live pictures channel come this often (ms): the tile notices when they stop. */
  liveIntervalMs?: number;
}

// Field name aliases, lower-case: our sidecar's names first, then common ones from other sources.
const NAMES = {
  id: ['camera_id', 'cameraid', 'camera', 'id'],
  name: ['camera_name', 'cameraname', 'name', 'title'],
  image: ['jpeg', 'jpg', 'image', 'frame', 'snapshot', 'picture', 'img', 'png'],
  url: ['url', 'image_url', 'imageurl', 'snapshot_url', 'snapshoturl', 'src', 'href'],
  status: ['status', 'state'],
  lastSeen: ['last_seen', 'lastseen'],
  motion: ['motion', 'is_motion'],
  lastMotion: ['last_motion', 'lastmotion'],
  error: ['error', 'reason', 'status_reason'],
  ptz: ['ptz'],
  privacy: ['privacy', 'privacy_mode', 'privacymode'],
  width: ['width'],
  height: ['height'],
};

const IMAGE_SIGNATURES: Array<[string, string]> = [
  ['/9j/', 'image/jpeg'],
  ['iVBORw0KGgo', 'image/png'],
  ['R0lGOD', 'image/gif'],
  ['UklGR', 'image/webp'],
];

const OFFLINE_STATUSES = new Set(['offline', 'auth_failed', 'locked_out', 'error']);

function findField(frame: DataFrame, aliases: string[], type?: FieldType): Field | undefined {
  for (const alias of aliases) {
    const field = frame.fields.find((f) => f.name.toLowerCase() === alias && (!type || f.type === type));
    if (field) {
      return field;
    }
  }
  return undefined;
}

/** Reads an image cell: a data:/http(s)/relative URL, or base64 (JPEG unless its signature says otherwise). */
export function parseImageValue(value: unknown): ImageSource | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const text = value.trim();
  if (!text) {
    return undefined;
  }
  if (/^(data:image\/|https?:\/\/|blob:)/i.test(text)) {
    return { kind: 'url', url: text };
  }
  const data = text.replace(/\s+/g, '');
  const isBase64 = /^[A-Za-z0-9+/]+={0,2}$/.test(data);
  const signature = IMAGE_SIGNATURES.find(([prefix]) => data.startsWith(prefix));
  // Base64 JPEG starts with "/9j/", so a known signature wins over a relative URL.
  if (isBase64 && signature) {
    return { kind: 'base64', data, mime: signature[1] };
  }
  if (text.startsWith('/')) {
    return { kind: 'url', url: text };
  }
  return isBase64 ? { kind: 'base64', data, mime: 'image/jpeg' } : undefined;
}

function looksLikeImage(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  return (
    /^data:image\//i.test(value) ||
    IMAGE_SIGNATURES.some(([prefix]) => value.startsWith(prefix)) ||
    /^https?:\/\/\S+\.(jpe?g|png|gif|webp)(\?\S*)?$/i.test(value)
  );
}

/** The field holding pictures: by name first, then any string field whose values look like images. */
function findImageField(frame: DataFrame): Field | undefined {
  const named = findField(frame, [...NAMES.image, ...NAMES.url]);
  if (named && (named.type === FieldType.string || named.type === FieldType.other)) {
    return named;
  }
  return frame.fields.find(
    (f) =>
      f.type === FieldType.string && f.values.some((v: unknown) => v !== null && v !== undefined && looksLikeImage(v))
  );
}

export function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  if (typeof value === 'string' && value) {
    const n = Number(value);
    if (Number.isFinite(n)) {
      return n;
    }
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    return value !== 0;
  }
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (['true', 'on', 'yes', '1'].includes(v)) {
      return true;
    }
    if (['false', 'off', 'no', '0'].includes(v)) {
      return false;
    }
  }
  return undefined;
}

function toText(value: unknown): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : String(value);
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** `…/frames/<fps>/<width>` → the picture spacing in ms; undefined for any other channel. */
export function liveIntervalOf(channel: string | undefined): number | undefined {
  const fps = Number(/\/frames\/(\d+(?:\.\d+)?)\/\d+$/.exec(channel ?? '')?.[1]);
  return fps > 0 ? 1000 / fps : undefined;
}

/** `ds/<uid>/camera/<id>/frames/<fps>/<width>` → uid. */
export function uidFromChannel(channel: string | undefined): string | undefined {
  const parts = channel?.split('/') ?? [];
  return parts[0] === 'ds' && parts[1] ? parts[1] : undefined;
}

function uidFromRequest(frame: DataFrame, request?: DataQueryRequest): string | undefined {
  const targets = request?.targets ?? [];
  const ours = targets.filter((t) => t.datasource?.type === TAPO_DATASOURCE_TYPE && t.datasource.uid);
  const match = ours.find((t) => t.refId === frame.refId) ?? (ours.length === 1 ? ours[0] : undefined);
  return match?.datasource?.uid ?? undefined;
}

function frameLabel(frame: DataFrame, index: number): string {
  return frame.name || frame.refId || `Camera ${index + 1}`;
}

/** Drops undefined values so that merging keeps what an older entry knew. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * One TileFrame per camera from any frames that carry a picture: per camera the newest row wins
 * (by time, else the last row). Frames without a camera field are one camera each.
 */
export function extractTiles(series: DataFrame[] | undefined, request?: DataQueryRequest): TileFrame[] {
  const byKey = new Map<string, TileFrame>();
  (series ?? []).forEach((frame, frameIndex) => {
    const imageField = findImageField(frame);
    // An events frame has pictures too (thumbnails): the events view shows them, not the tiles.
    if (!imageField || frame.length === 0 || frame.fields.some((f) => f.name === EVENT_PICTURE_FIELDS.eventId)) {
      return;
    }
    const timeField = findField(frame, ['time'], FieldType.time) ?? frame.fields.find((f) => f.type === FieldType.time);
    const idField = findField(frame, NAMES.id, FieldType.string) ?? findField(frame, NAMES.id);
    const nameField = findField(frame, NAMES.name, FieldType.string);
    const f = {
      status: findField(frame, NAMES.status),
      lastSeen: findField(frame, NAMES.lastSeen),
      motion: findField(frame, NAMES.motion),
      lastMotion: findField(frame, NAMES.lastMotion),
      error: findField(frame, NAMES.error),
      ptz: findField(frame, NAMES.ptz),
      privacy: findField(frame, NAMES.privacy),
      width: findField(frame, NAMES.width),
      height: findField(frame, NAMES.height),
    };
    const uid = uidFromChannel(frame.meta?.channel) ?? uidFromRequest(frame, request);
    const liveIntervalMs = liveIntervalOf(frame.meta?.channel);

    // Newest row per camera within this frame.
    const newest = new Map<string, number>();
    for (let row = 0; row < frame.length; row++) {
      const id = toText(idField?.values[row]);
      const name = toText(nameField?.values[row]);
      const key = id ?? name ?? `${frameLabel(frame, frameIndex)}#${frameIndex}`;
      const prev = newest.get(key);
      const t = toMillis(timeField?.values[row]);
      if (prev === undefined || t === undefined || (toMillis(timeField?.values[prev]) ?? -Infinity) <= t) {
        newest.set(key, row);
      }
    }

    for (const [key, row] of newest) {
      const id = toText(idField?.values[row]);
      const tile: TileFrame = {
        key,
        cameraId: id,
        name: toText(nameField?.values[row]) ?? id ?? frameLabel(frame, frameIndex),
        time: toMillis(timeField?.values[row]),
        image: parseImageValue(imageField.values[row]),
        width: toNumber(f.width?.values[row]),
        height: toNumber(f.height?.values[row]),
        status: toText(f.status?.values[row])?.toLowerCase(),
        lastSeen: toMillis(f.lastSeen?.values[row]),
        motion: toBool(f.motion?.values[row]),
        lastMotion: toMillis(f.lastMotion?.values[row]),
        error: toText(f.error?.values[row]),
        ptz: toBool(f.ptz?.values[row]),
        privacy: toBool(f.privacy?.values[row]),
        datasourceUid: uid,
        liveIntervalMs,
      };
      const existing = byKey.get(key);
      if (!existing) {
        byKey.set(key, tile);
      } else if ((existing.time ?? -Infinity) <= (tile.time ?? Infinity)) {
        byKey.set(key, { ...existing, ...defined(tile) });
      } else {
        byKey.set(key, { ...tile, ...defined(existing) });
      }
    }
  });
  return Array.from(byKey.values());
}

export function isOffline(tile: Pick<TileFrame, 'status' | 'error'>): boolean {
  if (tile.status) {
    return OFFLINE_STATUSES.has(tile.status);
  }
  return Boolean(tile.error);
}

/** Keeps tiles named in a comma-separated list of ids or names (case-insensitive); empty keeps all. */
export function filterTiles<T extends TileFrame>(tiles: T[], filter: string | undefined): T[] {
  const wanted = (filter ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (wanted.length === 0) {
    return tiles;
  }
  return tiles.filter(
    (t) =>
      wanted.includes(t.name.toLowerCase()) || (t.cameraId !== undefined && wanted.includes(t.cameraId.toLowerCase()))
  );
}
