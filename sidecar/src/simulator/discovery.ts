/**
 * The simulated cameras' side of TP-Link discovery (TDP, UDP): one responder for a fleet checks
 * each probe (header, checksum, RSA key) and answers once per camera with the shape real firmware
 * sends (readable part, plus an encrypted part sealed with the probe's key), including new-firmware
 * cameras (encrypt_type "4" and a tpap object), and hubs (an H200 answers the same probe as
 * SMART.TAPOHUB, hub notes §2.1). A fault adds malformed answers for clients to ignore.
 */
import dgram from 'node:dgram';
import { createCipheriv, createHash, publicEncrypt, randomBytes, constants } from 'node:crypto';
import { decodeTdpHeader, encodeTdp, tdpChecksumOk, TDP_HEADER_BYTES, TDP_OP_PROBE, TDP_VERSION } from '../tapo/tdp.ts';
import type { SimulatedCamera } from './camera.ts';
import type { SimulatedHub } from './hub/hub.ts';

/** Malformed answers the responder can add to every probe's answers. */
export type MalformedAnswer = 'short' | 'not-json' | 'missing-fields' | 'error-code';

export type DiscoveryEntry =
  | {
      camera: SimulatedCamera;
      /** What the camera advertises: 4 = TPAP firmware; default from its login flow (legacy 2, else 3). */
      loginVersion?: 2 | 3 | 4;
    }
  | {
      /** A hub answers with its own identity (model, name, MAC, firmware) and its API's port. */
      hub: SimulatedHub;
      loginVersion?: 2 | 3 | 4;
    };

/** The HTTPS side that answers (a camera, or the hub's login front), for its port and faults. */
const transportOf = (entry: DiscoveryEntry): SimulatedCamera =>
  'camera' in entry ? entry.camera : entry.hub.transport;

export interface DiscoveryResponderOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface DiscoveryStats {
  probes: number;
  /** Datagrams that were not a valid probe (ignored, as firmware does). */
  badProbes: number;
  answers: number;
}

type Json = Record<string, unknown>;

function hex32(label: string): string {
  return createHash('md5').update(`camwatch-sim:${label}`).digest('hex').toUpperCase();
}

/** The login version a camera advertises when not told otherwise. */
function defaultLoginVersion(cam: SimulatedCamera): 2 | 3 | 4 {
  const flow = String(cam.loginFlow);
  return flow === 'tpap' ? 4 : flow === 'legacy' ? 2 : 3;
}

/** The part firmware encrypts for the prober (the fields python-kasa shows as decrypted_data). */
function privatePart(cam: SimulatedCamera): Json {
  const d = cam.device;
  return {
    connect_ssid: cam.profile.linkType === 'wifi' ? Buffer.from('camwatch-sim').toString('base64') : '',
    connect_type: cam.profile.linkType === 'wifi' ? 'wireless' : 'wired',
    device_id: d.deviceId,
    http_port: cam.port,
    last_alarm_time: d.lastAlarm ? String(Math.floor(d.lastAlarm.time / 1000)) : '0',
    last_alarm_type: d.lastAlarm?.type ?? '',
    owner: hex32(`owner:${cam.name}`),
    sd_status: cam.profile.sdCardBytes > 0 ? 'normal' : 'offline',
  };
}

/** AES-128-CBC with a fresh key and IV, both sealed with the prober's RSA key (OAEP, SHA-1). */
function seal(part: Json, rsaKeyPem: string | null): { key: string; data: string } {
  if (!rsaKeyPem) {
    return { key: '', data: '' };
  }
  try {
    const keyIv = randomBytes(32);
    const c = createCipheriv('aes-128-cbc', keyIv.subarray(0, 16), keyIv.subarray(16));
    const data = Buffer.concat([c.update(JSON.stringify(part)), c.final()]).toString('base64');
    const key = publicEncrypt(
      { key: rsaKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      keyIv
    ).toString('base64');
    return { key, data };
  } catch {
    // A key we cannot use: answer with the readable part only.
    return { key: '', data: '' };
  }
}

/**
 * A hub's answer: an H200 reports SMART.TAPOHUB, encrypt_type ["3"] and HTTPS (hub notes §2.1), with
 * the identity its getDeviceInfo gives; its port is in the encrypted part, as a camera's is.
 */
function hubAnswer(hub: SimulatedHub, version: 2 | 3 | 4, rsaKeyPem: string | null): Json {
  const info = hub.basicInfo();
  const front = hub.transport;
  const part = {
    connect_type: 'wired',
    device_id: hub.devId,
    http_port: front.port,
    owner: hex32(`owner:${hub.alias}`),
    sd_status: 'offline',
  };
  return {
    error_code: 0,
    result: {
      device_id: hex32(`device:${hub.devId}`),
      device_model: `${String(info.device_model)}(${String(info.region)})`,
      device_name: hub.alias,
      device_type: 'SMART.TAPOHUB',
      encrypt_info: { sym_schm: 'AES', ...seal(part, rsaKeyPem) },
      encrypt_type: version === 2 ? ['1', '2'] : [String(version)],
      factory_default: false,
      firmware_version: info.sw_version,
      hardware_version: info.hw_version,
      ip: hub.host,
      is_support_iot_cloud: true,
      mac: info.mac,
      mgt_encrypt_schm: { is_support_https: true },
      protocol_version: 1,
    },
  };
}

/** One camera's (or hub's) discovery answer (the JSON after the header). */
export function discoveryAnswer(entry: DiscoveryEntry, rsaKeyPem: string | null): Json {
  if ('hub' in entry) {
    return hubAnswer(entry.hub, entry.loginVersion ?? defaultLoginVersion(entry.hub.transport), rsaKeyPem);
  }
  const cam = entry.camera;
  const d = cam.device;
  const version = entry.loginVersion ?? defaultLoginVersion(cam);
  const result: Json = {
    device_id: hex32(`device:${d.deviceId}`),
    device_model: cam.profile.model,
    device_name: d.alias,
    device_type: 'SMART.IPCAMERA',
    encrypt_info: { sym_schm: 'AES', ...seal(privatePart(cam), rsaKeyPem) },
    encrypt_type: version === 2 ? ['1', '2'] : [String(version)],
    factory_default: false,
    firmware_version: cam.profile.firmware,
    hardware_version: cam.profile.hwVersion,
    ip: cam.host,
    is_support_iot_cloud: true,
    mac: d.mac,
    mgt_encrypt_schm: { is_support_https: true },
    protocol_version: 1,
  };
  if (version === 4) {
    // As a C101 on 1.4.3 (hw 5.0) advertises TPAP: port of the local API, TLS without verification.
    result.sv = 1;
    result.tpap = { noc: 1, pake: [2], port: cam.port, tls: 1 };
  }
  return { error_code: 0, result };
}

function malformed(kind: MalformedAnswer, serial: number): Buffer {
  const packet = (body: string) => encodeTdp({ serial, flags: 0 }, Buffer.from(body));
  switch (kind) {
    case 'short':
      return Buffer.from([TDP_VERSION, 0, 0, 1, 0, 0, 0]);
    case 'not-json':
      return packet('{"error_code":0,"result":{"device_type":"SMART.IPCAM');
    case 'missing-fields':
      return packet(JSON.stringify({ error_code: 0, result: { device_type: 'SMART.IPCAMERA', ip: '127.0.0.1' } }));
    case 'error-code':
      return packet(JSON.stringify({ error_code: -40210 }));
  }
}

/** The RSA key of a valid probe, '' when the probe has none, null when the datagram is no probe. */
function readProbe(packet: Buffer): { serial: number; rsaKey: string } | null {
  const h = decodeTdpHeader(packet);
  if (!h || h.version !== TDP_VERSION || h.opCode !== TDP_OP_PROBE) {
    return null;
  }
  if (h.length !== packet.length - TDP_HEADER_BYTES || !tdpChecksumOk(packet)) {
    return null;
  }
  if (h.length === 0) {
    return { serial: h.serial, rsaKey: '' };
  }
  try {
    const body = JSON.parse(packet.subarray(TDP_HEADER_BYTES).toString('utf8')) as { params?: { rsa_key?: unknown } };
    const key = body?.params?.rsa_key;
    return { serial: h.serial, rsaKey: typeof key === 'string' && key.length < 4096 ? key : '' };
  } catch {
    return null;
  }
}

export class DiscoveryResponder {
  readonly stats: DiscoveryStats = { probes: 0, badProbes: 0, answers: 0 };
  private readonly entries: DiscoveryEntry[] = [];
  private faults: MalformedAnswer[] = [];
  private portNo = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly host: string
  ) {}

  static async start(entries: DiscoveryEntry[], opts: DiscoveryResponderOptions = {}): Promise<DiscoveryResponder> {
    const host = opts.host ?? '127.0.0.1';
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    const r = new DiscoveryResponder(socket, host);
    r.entries.push(...entries);
    socket.on('message', (msg, rinfo) => r.onProbe(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send that fails later (the prober went away) is not the simulator's problem.
    socket.on('error', () => {});
    r.portNo = socket.address().port;
    return r;
  }

  get port(): number {
    return this.portNo;
  }

  add(entry: DiscoveryEntry): void {
    this.entries.push(entry);
  }

  /** Malformed answers sent beside the cameras' answers to every probe ([] for none). */
  setFaults(kinds: MalformedAnswer[]): void {
    this.faults = [...kinds];
  }

  private onProbe(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const probe = readProbe(msg);
    if (!probe) {
      this.stats.badProbes++;
      return;
    }
    this.stats.probes++;
    const send = (packet: Buffer) => this.socket.send(packet, rinfo.port, rinfo.address);
    for (const entry of this.entries) {
      // An unreachable camera does not answer discovery either.
      if (transportOf(entry).currentFaults.offline) {
        continue;
      }
      const answer = Buffer.from(JSON.stringify(discoveryAnswer(entry, probe.rsaKey || null)));
      send(encodeTdp({ serial: probe.serial, flags: 0 }, answer));
      this.stats.answers++;
    }
    for (const kind of this.faults) {
      send(malformed(kind, probe.serial));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
