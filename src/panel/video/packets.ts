/** Reads the rows of Live data-frame packets (video fragments and picture frames) by the shared field names. */
import { FRAME_FIELDS, VIDEO_FIELDS, type VideoPacketKind } from '../../shared/query';

/** A Live packet as Grafana Live hands it over: frame JSON, the schema with the first packet only. */
export interface LivePacketJSON {
  schema?: { fields?: Array<{ name: string }> };
  data?: { values?: unknown[][] };
}

/**
 * Turns packets into rows by field name. Remembers the channel's schema (a later subscriber in the
 * same browser gets it replayed without data); until one came, assumes the sidecar's field order.
 */
export class PacketReader {
  private names: string[];

  constructor(defaultNames: string[]) {
    this.names = defaultNames;
  }

  read(json: unknown): Array<Record<string, unknown>> {
    const packet = (json ?? {}) as LivePacketJSON;
    const fields = packet.schema?.fields;
    if (Array.isArray(fields) && fields.length) {
      this.names = fields.map((f) => f.name);
    }
    const cols = packet.data?.values;
    if (!Array.isArray(cols) || !Array.isArray(cols[0])) {
      return [];
    }
    return cols[0].map((_, i) => Object.fromEntries(this.names.map((n, k) => [n, cols[k]?.[i]])));
  }
}

export interface VideoRow {
  kind: VideoPacketKind;
  time: number;
  seq: number;
  keyframe: boolean;
  codec: string;
  width: number;
  height: number;
  /** The fMP4 bytes, or empty in a problem row. */
  data: string;
  error: string | null;
}

export const videoReader = () => new PacketReader(Object.values(VIDEO_FIELDS));
export const framesReader = () => new PacketReader(Object.values(FRAME_FIELDS));

const KINDS = new Set<string>(['init', 'fragment', 'problem']);

/** A row of the video channel, or undefined when it is not one (ignored, never thrown on). */
export function toVideoRow(r: Record<string, unknown>): VideoRow | undefined {
  const kind = r[VIDEO_FIELDS.kind];
  if (typeof kind !== 'string' || !KINDS.has(kind)) {
    return undefined;
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    kind: kind as VideoPacketKind,
    time: num(r[VIDEO_FIELDS.time]),
    seq: num(r[VIDEO_FIELDS.seq]),
    keyframe: r[VIDEO_FIELDS.keyframe] === true,
    codec: text(r[VIDEO_FIELDS.codec]),
    width: num(r[VIDEO_FIELDS.width]),
    height: num(r[VIDEO_FIELDS.height]),
    data: text(r[VIDEO_FIELDS.data]),
    error: typeof r[VIDEO_FIELDS.error] === 'string' ? (r[VIDEO_FIELDS.error] as string) : null,
  };
}

export function base64ToBytes(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
