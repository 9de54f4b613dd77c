/**
 * Finding Tapo cameras with TP-Link's UDP discovery (TDP, port 20002): one probe carrying an RSA
 * public key to a target address, answers collected until a time limit, each parsed into a typed
 * camera or hub (host, model, MAC, login version, HTTPS port; an H200 answers the same probe). Sent only when a user asks: to one given
 * address, or to the broadcast address of each of this machine's own interfaces; never a sweep.
 * Malformed answers (strangers, garbage) are counted and logged at debug, never thrown.
 */
import dgram from 'node:dgram';
import { createDecipheriv, generateKeyPair, privateDecrypt, constants, randomBytes, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { z } from 'zod';
import type { Logger } from 'pino';
import { logger } from '../log.ts';
import { encodeTdp, TDP_HEADER_BYTES, TDP_PORT } from './tdp.ts';

export const DISCOVERY_PORT = TDP_PORT;
/** Bounds of a discovery's time limit, ms. */
export const DISCOVERY_TIMEOUT = { min: 100, max: 10_000, default: 3_000 } as const;
/** A flood of answers (or a hostile network) stops counting here. */
const MAX_CAMERAS = 512;
const MAX_REPLY_BYTES = 16 * 1024;

export interface DiscoveredCamera {
  /** 'hub': a Tapo hub (H200/H500, SMART.TAPOHUB), whose battery cameras and sensors are reached through it. */
  kind: 'camera' | 'hub';
  /** The address the answer came from. */
  host: string;
  /** Model without the region suffix ("C210" from "C210(EU)"). */
  model: string;
  /** The name the camera advertises, when it does. */
  name: string | null;
  /** Uppercase, dash-separated. */
  mac: string;
  /** e.g. SMART.IPCAMERA, SMART.TAPODOORBELL, SMART.TAPOHUB. */
  deviceType: string;
  firmware: string | null;
  hardwareVersion: string | null;
  /** 3: the secure login we speak today; 4: TPAP (encrypt_type "4" or a tpap object); null when not said. */
  loginVersion: number | null;
  /** Where the local API listens (tpap.port, else the encrypted part's http_port, else 443). */
  httpsPort: number;
  /** The camera still has factory settings (not yet set up in the app). */
  factoryDefault: boolean;
}

export interface DiscoveryResult {
  cameras: DiscoveredCamera[];
  /** Answers that were not TDP discovery replies (too short, not JSON, missing fields, an error code). */
  malformed: number;
  /** Well-formed answers from TP-Link devices that are neither cameras nor hubs (plugs, bulbs). */
  otherDevices: number;
}

export interface DiscoveryOptions {
  /** IPv4 addresses to probe: one host, or broadcast addresses. */
  targets: string[];
  /** Default 20002. */
  port?: number;
  /** How long to collect answers, ms (bounded by DISCOVERY_TIMEOUT). */
  timeoutMs?: number;
  /** Needed to send to a broadcast address. */
  broadcast?: boolean;
  /** Probes per target, spread over the first half of the time limit (UDP may drop one). Default 3. */
  attempts?: number;
  log?: Logger;
}

/** A bad target or option: a caller's mistake, said in words. */
export class DiscoveryInputError extends Error {
  override name = 'DiscoveryInputError';
}

const CAMERA_TYPES = new Set(['SMART.IPCAMERA', 'SMART.TAPODOORBELL']);
/** A hub speaks the cameras' API and login over HTTPS (hub notes §2.1), so it is listed beside them. */
const HUB_TYPES = new Set(['SMART.TAPOHUB']);

// ---- the probe ------------------------------------------------------------------------------

let keyPair: Promise<{ publicPem: string; privateKey: KeyObject }> | null = null;

/** One RSA key pair per process, made at first use: the camera encrypts part of its answer with it. */
function probeKeys(): Promise<{ publicPem: string; privateKey: KeyObject }> {
  keyPair ??= new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (err) {
        keyPair = null;
        reject(err);
        return;
      }
      resolve({ publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey });
    });
  });
  return keyPair;
}

/** The probe packet: header (random serial) plus {"params":{"rsa_key": PEM}}. */
export function buildProbe(publicPem: string): Buffer {
  const payload = Buffer.from(JSON.stringify({ params: { rsa_key: publicPem } }));
  return encodeTdp({ serial: randomBytes(4).readUInt32BE(0) }, payload);
}

// ---- the answer -----------------------------------------------------------------------------

const s = (max = 256) => z.string().max(max);
const replySchema = z.object({
  error_code: z.union([z.number(), z.string()]).optional(),
  result: z.object({
    device_type: s(64),
    device_model: s(64).min(1),
    mac: s(32).regex(/^[0-9A-Fa-f]{2}([-:][0-9A-Fa-f]{2}){5}$/),
    device_name: s().optional(),
    firmware_version: s().optional(),
    hardware_version: s().optional(),
    factory_default: z.boolean().optional(),
    encrypt_type: z.array(s(8)).max(8).optional(),
    encrypt_info: z
      .object({ sym_schm: s(16).optional(), key: s(4096).optional(), data: s(8192).optional() })
      .optional(),
    mgt_encrypt_schm: z.object({ http_port: z.number().int().optional() }).optional(),
    tpap: z.object({ port: z.number().int().optional() }).optional(),
  }),
});
type Reply = z.infer<typeof replySchema>['result'];

const decryptedSchema = z.object({ http_port: z.number().int().min(1).max(65535).optional() });

/** The encrypted part of an answer (AES-128-CBC, key and IV sealed with our RSA key, OAEP/SHA-1); null if absent or unreadable. */
function decryptPart(
  r: Reply,
  privateKey: KeyObject | null,
  log: Logger,
  from: string
): z.infer<typeof decryptedSchema> | null {
  const info = r.encrypt_info;
  if (!privateKey || !info || info.sym_schm !== 'AES' || !info.key || !info.data) {
    return null;
  }
  try {
    const keyIv = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(info.key, 'base64')
    );
    if (keyIv.length !== 32) {
      throw new Error(`sealed key is ${keyIv.length} bytes, not 32`);
    }
    const d = createDecipheriv('aes-128-cbc', keyIv.subarray(0, 16), keyIv.subarray(16));
    const plain = Buffer.concat([d.update(Buffer.from(info.data, 'base64')), d.final()]);
    const parsed = decryptedSchema.safeParse(JSON.parse(plain.toString('utf8')));
    if (!parsed.success) {
      throw new Error('unexpected shape');
    }
    return parsed.data;
  } catch (e) {
    // The readable part is enough to list the camera; only its port may be a guess then.
    log.debug(
      { from, reason: e instanceof Error ? e.message : 'failed' },
      'discovery: could not read the encrypted part'
    );
    return null;
  }
}

function loginVersionOf(r: Reply): number | null {
  if (r.tpap) {
    return 4;
  }
  const versions = (r.encrypt_type ?? []).map(Number).filter((n) => Number.isInteger(n) && n > 0 && n < 100);
  return versions.length > 0 ? Math.max(...versions) : null;
}

function validPort(n: number | undefined): number | null {
  return n !== undefined && n >= 1 && n <= 65535 ? n : null;
}

export type ParsedReply =
  | { kind: 'camera'; camera: DiscoveredCamera }
  | { kind: 'other'; deviceType: string }
  | { kind: 'malformed'; reason: string };

/** Read one datagram from `host`. `privateKey` opens the encrypted part (optional). */
export function parseDiscoveryReply(
  packet: Buffer,
  host: string,
  privateKey: KeyObject | null = null,
  log: Logger = logger
): ParsedReply {
  if (packet.length <= TDP_HEADER_BYTES) {
    return { kind: 'malformed', reason: `${packet.length} bytes, no payload after the header` };
  }
  if (packet.length > MAX_REPLY_BYTES) {
    return { kind: 'malformed', reason: `${packet.length} bytes, larger than any discovery answer` };
  }
  // The reply's header is not checked: the public clients that work with real cameras read the
  // JSON after byte 16 and nothing else, and no captured reply header was available to us.
  let json: unknown;
  try {
    json = JSON.parse(packet.subarray(TDP_HEADER_BYTES).toString('utf8'));
  } catch {
    return { kind: 'malformed', reason: 'payload is not JSON' };
  }
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) {
    const at = parsed.error.issues[0]?.path.join('.') ?? '';
    return { kind: 'malformed', reason: `unexpected shape at ${at || '(root)'}` };
  }
  const code = Number(parsed.data.error_code ?? 0);
  if (code !== 0) {
    return { kind: 'malformed', reason: `error_code ${Number.isFinite(code) ? code : '?'}` };
  }
  const r = parsed.data.result;
  const isHub = HUB_TYPES.has(r.device_type);
  if (!isHub && !CAMERA_TYPES.has(r.device_type)) {
    return { kind: 'other', deviceType: r.device_type };
  }
  const decrypted = decryptPart(r, privateKey, log, host);
  const httpsPort =
    validPort(r.tpap?.port) ?? validPort(decrypted?.http_port) ?? validPort(r.mgt_encrypt_schm?.http_port) ?? 443;
  return {
    kind: 'camera',
    camera: {
      kind: isHub ? 'hub' : 'camera',
      host,
      model: r.device_model.split('(')[0]!.trim(),
      name: r.device_name ? r.device_name : null,
      mac: r.mac.toUpperCase().replace(/:/g, '-'),
      deviceType: r.device_type,
      firmware: r.firmware_version ?? null,
      hardwareVersion: r.hardware_version ?? null,
      loginVersion: loginVersionOf(r),
      httpsPort,
      factoryDefault: r.factory_default ?? false,
    },
  };
}

// ---- targets --------------------------------------------------------------------------------

/** The broadcast address of each IPv4 interface of this machine that is up and not loopback. */
export function localBroadcastTargets(): string[] {
  const out = new Set<string>();
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal) {
        continue;
      }
      const ip = a.address.split('.').map(Number);
      const mask = a.netmask.split('.').map(Number);
      out.add(ip.map((b, i) => (b & mask[i]!) | (~mask[i]! & 255)).join('.'));
    }
  }
  return [...out];
}

function checkOptions(o: DiscoveryOptions): { port: number; timeoutMs: number; attempts: number } {
  if (o.targets.length === 0 || o.targets.length > 16) {
    throw new DiscoveryInputError('discovery needs 1 to 16 target addresses');
  }
  for (const t of o.targets) {
    if (!isIPv4(t)) {
      throw new DiscoveryInputError(`discovery target "${String(t).slice(0, 64)}" is not an IPv4 address`);
    }
  }
  const port = o.port ?? DISCOVERY_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DiscoveryInputError('discovery port must be an integer 1..65535');
  }
  const timeoutMs = o.timeoutMs ?? DISCOVERY_TIMEOUT.default;
  if (!Number.isFinite(timeoutMs) || timeoutMs < DISCOVERY_TIMEOUT.min || timeoutMs > DISCOVERY_TIMEOUT.max) {
    throw new DiscoveryInputError(`discovery time limit must be ${DISCOVERY_TIMEOUT.min}..${DISCOVERY_TIMEOUT.max} ms`);
  }
  const attempts = o.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 5) {
    throw new DiscoveryInputError('discovery attempts must be 1..5');
  }
  return { port, timeoutMs, attempts };
}

const isLoopback = (ip: string) => ip.startsWith('127.');

// ---- the exchange ---------------------------------------------------------------------------

/** Probe the targets and collect answers until the time limit; resolves (never rejects) once started. */
export async function discover(opts: DiscoveryOptions): Promise<DiscoveryResult> {
  const { port, timeoutMs, attempts } = checkOptions(opts);
  const log = opts.log ?? logger.child({ component: 'discovery' });
  const { publicPem, privateKey } = await probeKeys();
  const probe = buildProbe(publicPem);
  const result: DiscoveryResult = { cameras: [], malformed: 0, otherDevices: 0 };
  const seen = new Set<string>();
  const socket = dgram.createSocket({ type: 'udp4' });
  // Loopback targets get a loopback socket: such a probe cannot leave the machine.
  const bindAddress = opts.targets.every(isLoopback) ? '127.0.0.1' : undefined;

  return new Promise<DiscoveryResult>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const finish = () => {
      if (done) {
        return;
      }
      done = true;
      timers.forEach(clearTimeout);
      socket.close();
      log.debug(
        { cameras: result.cameras.length, malformed: result.malformed, otherDevices: result.otherDevices },
        'discovery finished'
      );
      resolve(result);
    };
    const send = () => {
      for (const target of opts.targets) {
        socket.send(probe, port, target, (err) => {
          if (err) {
            log.debug({ target, reason: err.message }, 'discovery: probe not sent');
          }
        });
      }
    };
    socket.on('error', (err) => {
      log.debug({ reason: err.message }, 'discovery: socket error');
      finish();
    });
    socket.on('message', (packet, rinfo) => {
      if (done) {
        return;
      }
      const parsed = parseDiscoveryReply(packet, rinfo.address, privateKey, log);
      if (parsed.kind === 'malformed') {
        result.malformed++;
        log.debug({ from: rinfo.address, reason: parsed.reason }, 'discovery: ignored a malformed answer');
        return;
      }
      if (parsed.kind === 'other') {
        const key = `${rinfo.address}|${parsed.deviceType}`;
        if (!seen.has(key)) {
          seen.add(key);
          result.otherDevices++;
        }
        return;
      }
      const key = `${parsed.camera.host}|${parsed.camera.mac}`;
      if (seen.has(key) || result.cameras.length >= MAX_CAMERAS) {
        return;
      }
      seen.add(key);
      result.cameras.push(parsed.camera);
    });
    socket.bind({ port: 0, ...(bindAddress ? { address: bindAddress } : {}) }, () => {
      if (opts.broadcast) {
        socket.setBroadcast(true);
      }
      timers.push(setTimeout(finish, timeoutMs));
      send();
      // Repeat the probe within the first half of the window, for a datagram the network dropped.
      for (let i = 1; i < attempts; i++) {
        timers.push(setTimeout(send, Math.round((timeoutMs / 2 / attempts) * i)));
      }
    });
  });
}

/** Discovery on this machine's own networks (the broadcast address of each interface). */
export async function discoverLocalNetworks(
  opts: Omit<DiscoveryOptions, 'targets' | 'broadcast'> = {}
): Promise<DiscoveryResult & { targets: string[] }> {
  const targets = localBroadcastTargets();
  if (targets.length === 0) {
    throw new DiscoveryInputError('this machine has no IPv4 network besides loopback to discover cameras on');
  }
  return { ...(await discover({ ...opts, targets, broadcast: true })), targets };
}
