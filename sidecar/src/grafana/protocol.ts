/**
 * Loads our pluginv2/go-plugin/health .proto files and declares the TypeScript shapes of the
 * decoded messages (proto-loader options: keepCase, int64 as Number, bytes as Buffer, enums as
 * strings, defaults filled in).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Where the .proto files are: beside the bundle in dist, or sidecar/proto in the source tree. */
export function protoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.TAPO_PROTO_DIR,
    join(here, 'proto'), // bundled: dist/<id>/sidecar/main.mjs beside proto/
    join(here, '..', '..', 'proto'), // source: sidecar/src/grafana -> sidecar/proto
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((d) => existsSync(join(d, 'pluginv2.proto')));
  if (!found) {
    throw new Error(`pluginv2.proto not found (looked in ${candidates.join(', ')})`);
  }
  return found;
}

export function loadServices() {
  const dir = protoDir();
  const def = protoLoader.loadSync(['pluginv2.proto', 'plugin.proto', 'health.proto'], {
    includeDirs: [dir],
    keepCase: true,
    longs: Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const stream = pkg.pluginv2.Stream.service as grpc.ServiceDefinition;
  return {
    Data: pkg.pluginv2.Data.service as grpc.ServiceDefinition,
    Diagnostics: pkg.pluginv2.Diagnostics.service as grpc.ServiceDefinition,
    Resource: pkg.pluginv2.Resource.service as grpc.ServiceDefinition,
    // RunStream's packets (every picture of every watched camera) skip the generic encoder.
    Stream: { ...stream, RunStream: { ...stream.RunStream, responseSerialize: encodeStreamPacket } },
    Controller: pkg.plugin.GRPCController.service as grpc.ServiceDefinition,
    Health: pkg.grpc.health.v1.Health.service as grpc.ServiceDefinition,
  };
}

/** Bytes a StreamPacket's header may take before its data: the tag and a varint of up to 5 bytes. */
const HEADROOM = 6;

/**
 * Buffers for Live packets' data, reused once grpc-js has serialized them. grpc-js copies what the
 * serializer returns into its own frame before anything else runs, so a packet's buffer is free
 * the moment encodeStreamPacket is done with it. Without reuse, every picture of every watched
 * camera was a new buffer outside V8's heap, and V8 answers that much outside memory with full
 * collections (every second or two for 16 cameras, more than the packets' own cost).
 */
const pool = {
  /** Free buffers by size class (a power of two from 4 KiB): at most FREE_PER_CLASS each. */
  free: new Map<number, ArrayBuffer[]>(),
  /** Buffers handed out by allocPacketData and not yet serialized, with their size class. */
  out: new WeakMap<ArrayBufferLike, number>(),
};
const FREE_PER_CLASS = 8;
/** Larger packets (none of ours: a 4K keyframe is well under) are not kept for reuse. */
const MAX_POOLED = 4 * 1024 * 1024;

const sizeClass = (n: number) => Math.max(4096, 2 ** Math.ceil(Math.log2(n)));

/**
 * A buffer for a Live packet's data with room in front for the StreamPacket header, so that
 * encodeStreamPacket writes the header in place instead of copying the data behind it. Shorten it
 * with subarray(0, n) only. It is reused after it is serialized: send it once, keep no reference.
 */
export function allocPacketData(size: number): Buffer {
  const cls = sizeClass(HEADROOM + size);
  const whole = pool.free.get(cls)?.pop() ?? new ArrayBuffer(cls);
  if (cls <= MAX_POOLED) {
    pool.out.set(whole, cls);
  }
  return Buffer.from(whole, HEADROOM, size);
}

/** Counts for tests: free buffers kept for reuse. */
export function packetPoolSize(): number {
  let n = 0;
  for (const list of pool.free.values()) {
    n += list.length;
  }
  return n;
}

function release(buffer: ArrayBufferLike): void {
  const cls = pool.out.get(buffer);
  if (cls === undefined) {
    return;
  }
  pool.out.delete(buffer);
  const list = pool.free.get(cls) ?? [];
  if (list.length < FREE_PER_CLASS) {
    list.push(buffer as ArrayBuffer);
    pool.free.set(cls, list);
  }
}

/**
 * StreamPacket `{ bytes data = 1; }` on the wire: field 1, wire type 2 (tag 0x0a), the length as a
 * varint, the bytes (as protobufjs writes it: a present field even when empty; no field, no bytes).
 */
export function encodeStreamPacket(packet: { data?: Buffer | Uint8Array | null }): Buffer {
  const data = packet.data;
  if (!data) {
    return Buffer.alloc(0);
  }
  let varint = 1;
  for (let n = data.length; n >= 0x80; n = Math.floor(n / 0x80)) {
    varint++;
  }
  const inPlace = data.byteOffset === HEADROOM && pool.out.has(data.buffer);
  const start = inPlace ? HEADROOM - 1 - varint : 0;
  const out = inPlace
    ? Buffer.from(data.buffer, start, 1 + varint + data.length)
    : Buffer.allocUnsafe(1 + varint + data.length);
  out[0] = 0x0a;
  let at = 1;
  let n = data.length;
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  if (!inPlace) {
    out.set(data, at);
  } else {
    // grpc-js copies `out` into its frame as soon as this returns, before anything else runs.
    release(data.buffer);
  }
  return out;
}

export interface DataSourceInstanceSettings {
  id: number;
  name: string;
  url: string;
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: number;
  uid: string;
}

export interface PluginUser {
  login: string;
  name: string;
  email: string;
  role: string;
}

export interface PluginContext {
  orgId: number;
  pluginId: string;
  user: PluginUser | null;
  dataSourceInstanceSettings: DataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
  userAgent: string;
}

export interface DataQuery {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange: { fromEpochMS: number; toEpochMS: number } | null;
  json: Buffer;
  queryType: string;
}

export interface QueryDataRequest {
  pluginContext: PluginContext | null;
  headers: Record<string, string>;
  queries: DataQuery[];
}

export interface DataResponse {
  frames: Uint8Array[];
  error?: string;
  status?: number;
  errorSource?: 'plugin' | 'downstream' | '';
}

export interface CallResourceRequest {
  pluginContext: PluginContext | null;
  path: string;
  method: string;
  url: string;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
}

export interface CallResourceResponse {
  code: number;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
  /** More body after `body`, sent as further messages of the call (Grafana streams them to the client). */
  stream?: AsyncIterable<Buffer>;
}

export interface StreamRequest {
  pluginContext: PluginContext | null;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export type HealthStatus = 'UNKNOWN' | 'OK' | 'ERROR';
export type SubscribeStatus = 'OK' | 'NOT_FOUND' | 'PERMISSION_DENIED';
