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
const withHeadroom = new WeakSet<ArrayBufferLike>();

/**
 * A buffer for a Live packet's data with room in front for the StreamPacket header, so that
 * encodeStreamPacket writes the header in place instead of copying the data behind it (every
 * picture of every watched camera is one such packet). Shorten it with subarray(0, n) only.
 */
export function allocPacketData(size: number): Buffer {
  const whole = Buffer.allocUnsafeSlow(HEADROOM + size);
  withHeadroom.add(whole.buffer);
  return whole.subarray(HEADROOM);
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
  const inPlace = data.byteOffset === HEADROOM && withHeadroom.has(data.buffer);
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
}

export interface StreamRequest {
  pluginContext: PluginContext | null;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export type HealthStatus = 'UNKNOWN' | 'OK' | 'ERROR';
export type SubscribeStatus = 'OK' | 'NOT_FOUND' | 'PERMISSION_DENIED';
