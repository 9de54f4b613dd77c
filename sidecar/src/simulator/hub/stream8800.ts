/**
 * The simulated hub's port-8800 stream server (fact sheet §8.4): a request without credentials
 * gets the Digest challenge and a closed connection; a good Digest (over the uppercase SHA-256 or
 * MD5 of the cloud password, request URI with or without its query) gets 200 with a Key-Exchange
 * nonce; then the client's live-view request part is answered with a session id and the child's
 * camera-sized clip follows as AES-CBC encrypted video/mp2t parts, one picture per part, looped by
 * copying packets (continuity counters and timestamps carried on, as a live stream's are). The TS
 * is remuxed from the RTSP simulator's cached clip once, with ffmpeg, and cached beside it.
 * Faults: wrong password (401), unknown child (404), a sleeping child (error_code -1 in the JSON
 * answer: the real code is unknown), and corrupted parts (ciphertext not a whole AES block).
 */
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cameraStreams, clipFile, runFfmpeg, withEncodeSlot, type ClipSpec } from '../clip.ts';
import { canDrawText } from '../rtsp.ts';
import { devicePart, digestGate, refuse } from '../port8800.ts';
import { isRecordingRequest, type PlaybackService } from '../playback8800.ts';
import { boundaryOf, PartReader } from '../../media/hubstream/multipart.ts';

export interface HubStreamChild {
  deviceId: string;
  name: string;
  model?: string;
  /**
   * A Wi-Fi camera recorded on the hub's own disk (hub storage): only its recordings are served,
   * and only to a `type=download` request (recordings sheet §6.1); it has no live view here.
   */
  storage?: boolean;
}

export interface HubStreamServerOptions {
  host: string;
  /** 0: an ephemeral port. */
  port: number;
  username?: string;
  /** The hub owner's cloud password. */
  password: string;
  /** The paired children, or a lookup by device_id (a live hub's list changes). */
  children: HubStreamChild[] | ((deviceId: string) => HubStreamChild | undefined);
  /** A stream request wakes the child; false: it stays asleep (answered like `setAsleep`). */
  wake?: (deviceId: string) => boolean;
  ffmpegPath?: string;
  /** Announce encrypt_type="3" (SHA-256 password hashing) in the challenge (default true). */
  sha256?: boolean;
  /** Clip specs (default: the model's stream1 for HD, stream2 for VGA). */
  specs?: { main?: ClipSpec; sub?: ClipSpec };
  /** A child's SD-card recordings: its `playback`/`download` sessions (none: such requests are refused). */
  recordings?: (deviceId: string) => Promise<PlaybackService | undefined>;
  /** A hub-storage camera's device_id from its MAC (the H200's `camera_mac=` request form). */
  deviceOfMac?: (mac: string) => string | undefined;
}

export interface HubStreamServerStats {
  connections: number;
  challenges: number;
  authFailures: number;
  unknownChild: number;
  /** Streams started since the server started, and those running now. */
  sessions: number;
  active: number;
  parts: number;
  corruptedParts: number;
}

export interface HubStreamServer {
  host: string;
  port: number;
  stats(): HubStreamServerStats;
  /** A sleeping child answers the stream request with an error. */
  setAsleep(deviceId: string, asleep: boolean): void;
  /** Fault: the next `n` media parts are corrupted. */
  corruptParts(n: number): void;
  /** Ends every running stream (the hub restarting). */
  dropStreams(): void;
  /** 'session' (deviceId), 'refused' (reason), 'part' (deviceId). */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

const TS = 188;

/** One picture's TS packets (with the PAT/PMT before it), ready to copy. */
export interface TsClip {
  groups: Buffer[][];
  fps: number;
  /** 90 kHz ticks of one pass through the clip. */
  duration: number;
}

const tsClips = new Map<string, Promise<TsClip>>();

function isVideoPesStart(p: Buffer): boolean {
  if ((p[1] & 0x40) === 0 || (p[3] & 0x10) === 0) {
    return false;
  }
  const off = p[3] & 0x20 ? 5 + p[4] : 4;
  return off + 4 <= TS && p[off] === 0 && p[off + 1] === 0 && p[off + 2] === 1 && (p[off + 3] & 0xf0) === 0xe0;
}

function groupsOf(ts: Buffer): Buffer[][] {
  const groups: Buffer[][] = [];
  let cur: Buffer[] = [];
  let hasVideo = false;
  for (let at = 0; at + TS <= ts.length; at += TS) {
    const p = ts.subarray(at, at + TS);
    const start = isVideoPesStart(p);
    if (start && hasVideo) {
      groups.push(cur);
      cur = [];
      hasVideo = false;
    }
    cur.push(p);
    hasVideo ||= start;
  }
  if (hasVideo) {
    groups.push(cur);
  }
  return groups;
}

/** The clip of a spec as MPEG-TS, remuxed once (ffmpeg -c copy) and cached beside the H.264 clip. */
export function loadTsClip(spec: ClipSpec, caption: string | null, ffmpegPath: string): Promise<TsClip> {
  const key = JSON.stringify([spec, caption]);
  let p = tsClips.get(key);
  if (!p) {
    p = (async () => {
      const h264 = await clipFile(spec, caption, ffmpegPath);
      const file = `${h264}.ts`;
      if (!existsSync(file)) {
        const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}`;
        try {
          const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-fflags', '+genpts'];
          args.push('-r', String(spec.fps), '-f', 'h264', '-i', h264, '-c:v', 'copy', '-f', 'mpegts', tmp);
          await withEncodeSlot(() => runFfmpeg(ffmpegPath, args));
          renameSync(tmp, file);
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      const groups = groupsOf(readFileSync(file));
      if (groups.length === 0) {
        throw new Error('the remuxed clip has no video');
      }
      return { groups, fps: spec.fps, duration: Math.round((groups.length * 90_000) / spec.fps) };
    })();
    tsClips.set(key, p);
    p.catch(() => tsClips.delete(key));
  }
  return p;
}

const PTS_WRAP = 2 ** 33;

/** Rewrites a 33-bit timestamp field (PTS/DTS layout) at `at`, adding `add`. */
function shiftTimestamp(b: Buffer, at: number, add: number): void {
  const v =
    (b[at] & 0x0e) * 2 ** 29 + (b[at + 1] << 22) + ((b[at + 2] & 0xfe) << 14) + (b[at + 3] << 7) + (b[at + 4] >> 1);
  const n = (v + add) % PTS_WRAP;
  const hi = Math.floor(n / 2 ** 30);
  b[at] = (b[at] & 0xf1) | (hi << 1);
  const lo = n % 2 ** 30;
  b[at + 1] = (lo >> 22) & 0xff;
  b[at + 2] = (((lo >> 15) & 0x7f) << 1) | 1;
  b[at + 3] = (lo >> 7) & 0xff;
  b[at + 4] = ((lo & 0x7f) << 1) | 1;
}

/** A copy of a packet carried on into the next pass: own continuity counters, shifted PTS/DTS/PCR. */
export function carryOn(src: Buffer, cc: Map<number, number>, add: number): Buffer {
  const p = Buffer.from(src);
  const pid = ((p[1] & 0x1f) << 8) | p[2];
  const afc = (p[3] >> 4) & 3;
  if (afc & 1) {
    const next = cc.get(pid) ?? 0;
    p[3] = (p[3] & 0xf0) | next;
    cc.set(pid, (next + 1) & 0x0f);
  }
  let off = 4;
  if (afc & 2) {
    const len = p[4];
    if (add && len >= 7 && p[5] & 0x10) {
      // PCR base: 33 bits at bytes 6..10 (top bit of byte 10 is its last bit)
      const base = p[6] * 2 ** 25 + (p[7] << 17) + (p[8] << 9) + (p[9] << 1) + (p[10] >> 7);
      const n = (base + add) % PTS_WRAP;
      p[6] = Math.floor(n / 2 ** 25) & 0xff;
      p[7] = Math.floor(n / 2 ** 17) & 0xff;
      p[8] = Math.floor(n / 2 ** 9) & 0xff;
      p[9] = Math.floor(n / 2) & 0xff;
      p[10] = (p[10] & 0x7f) | ((n & 1) << 7);
    }
    off = 5 + len;
  }
  if (add && afc & 1 && p[1] & 0x40 && off + 14 <= TS && p[off] === 0 && p[off + 1] === 0 && p[off + 2] === 1) {
    const flags = p[off + 7];
    if (flags & 0x80) {
      shiftTimestamp(p, off + 9, add);
    }
    if ((flags & 0xc0) === 0xc0) {
      shiftTimestamp(p, off + 14, add);
    }
  }
  return p;
}

export async function startHubStreamServer(opts: HubStreamServerOptions): Promise<HubStreamServer> {
  const username = opts.username ?? 'admin';
  const sha256 = opts.sha256 ?? true;
  const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg';
  const events = new EventEmitter();
  const asleep = new Set<string>();
  const sockets = new Set<net.Socket>();
  const stops = new Set<() => void>();
  const stats: HubStreamServerStats = {
    connections: 0,
    challenges: 0,
    authFailures: 0,
    unknownChild: 0,
    sessions: 0,
    active: 0,
    parts: 0,
    corruptedParts: 0,
  };
  let corrupt = 0;
  const text = await canDrawText(ffmpegPath);
  const gate = digestGate({ username, password: opts.password, sha256 });

  function clipOf(child: HubStreamChild, stream: 'main' | 'sub'): Promise<TsClip> {
    const d = cameraStreams(child.model);
    const spec = stream === 'sub' ? (opts.specs?.sub ?? d.stream2) : (opts.specs?.main ?? d.stream1);
    return loadTsClip(spec, text ? `${child.name} ${stream === 'sub' ? 'VGA' : 'HD'}` : null, ffmpegPath);
  }

  function challenge(sock: net.Socket): void {
    stats.challenges++;
    gate.challenge(sock);
  }

  const part = devicePart;

  function stream(
    sock: net.Socket,
    child: HubStreamChild,
    requested: Buffer,
    contentType: string,
    download: boolean
  ): void {
    const keys = gate.mediaKeys();
    sock.write(keys.head);
    let buf = requested;
    let started = false;
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (started || end < 0) {
        return;
      }
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? NaN);
      if (!Number.isInteger(len) || buf.length < end + 4 + len) {
        return;
      }
      started = true;
      let req: {
        seq?: unknown;
        params?: { preview?: { resolutions?: unknown }; playback?: unknown; download?: unknown };
      } = {};
      try {
        req = JSON.parse(buf.subarray(end + 4, end + 4 + len).toString('utf8')) as typeof req;
      } catch {
        sock.destroy();
        return;
      }
      const seq = typeof req.seq === 'number' ? req.seq : 0;
      if (child.storage && (!download || typeof req.params?.download !== 'object' || !req.params.download)) {
        // The hub's disk has no live view, and its clips come only with the download request form.
        sock.end(
          part(
            { 'Content-Type': 'application/json', 'X-If-Encrypt': '0' },
            Buffer.from(JSON.stringify({ type: 'response', seq, params: { error_code: -1 } }))
          )
        );
        return;
      }
      if (isRecordingRequest(req.params)) {
        // The child's SD card (pytapo's child downloads): served as a camera serves its own.
        sock.removeListener('data', onData);
        const reader = new PartReader(boundaryOf(contentType, '--client-stream-boundary--'));
        const first = reader.push(buf)[0];
        void (opts.recordings?.(child.deviceId) ?? Promise.resolve(undefined)).then((service) => {
          if (!service || !first) {
            sock.end(
              part(
                { 'Content-Type': 'application/json', 'X-If-Encrypt': '0' },
                Buffer.from(JSON.stringify({ type: 'response', seq, params: { error_code: -52402 } }))
              )
            );
            return;
          }
          if (opts.wake?.(child.deviceId) === false) {
            sock.end(
              part(
                { 'Content-Type': 'application/json', 'X-If-Encrypt': '0' },
                Buffer.from(JSON.stringify({ type: 'response', seq, params: { error_code: -1 } }))
              )
            );
            return;
          }
          service.serve(sock, first, reader, keys);
        });
        return;
      }
      const resolutions = req.params?.preview?.resolutions;
      const sub = Array.isArray(resolutions) && resolutions[0] === 'VGA';
      const json = (o: unknown) =>
        part({ 'Content-Type': 'application/json', 'X-If-Encrypt': '0' }, Buffer.from(JSON.stringify(o)));
      if (asleep.has(child.deviceId) || opts.wake?.(child.deviceId) === false) {
        sock.end(json({ type: 'response', seq, params: { error_code: -1 } }));
        return;
      }
      const sessionId = String(stats.sessions + 1);
      sock.write(json({ type: 'response', seq, params: { session_id: sessionId, error_code: 0 } }));
      void clipOf(child, sub ? 'sub' : 'main').then(
        (clip) => play(sock, child, clip, sessionId, keys.encrypt),
        () => sock.destroy()
      );
    };
    sock.on('data', onData);
    onData(Buffer.alloc(0));
  }

  function play(
    sock: net.Socket,
    child: HubStreamChild,
    clip: TsClip,
    sessionId: string,
    encrypt: (plain: Buffer) => Buffer
  ): void {
    if (sock.destroyed) {
      return;
    }
    stats.sessions++;
    stats.active++;
    events.emit('session', child.deviceId);
    const cc = new Map<number, number>();
    let i = 0;
    let seq = 0;
    const timer = setInterval(() => {
      if (sock.writableLength > 4 * 1024 * 1024) {
        return; // a client that does not read: drop pictures rather than buffer without bound
      }
      const pass = Math.floor(i / clip.groups.length);
      const group = clip.groups[i % clip.groups.length];
      i++;
      const plain = Buffer.concat(group.map((p) => carryOn(p, cc, pass * clip.duration)));
      let body = encrypt(plain);
      if (corrupt > 0) {
        corrupt--;
        stats.corruptedParts++;
        body = body.subarray(0, body.length - 5);
      }
      stats.parts++;
      sock.write(
        part(
          {
            'Content-Type': 'video/mp2t',
            'X-If-Encrypt': '1',
            'X-Session-Id': sessionId,
            'X-Data-Sequence': String(++seq),
          },
          body
        )
      );
      events.emit('part', child.deviceId);
    }, 1000 / clip.fps);
    const stop = () => {
      if (stops.delete(stop)) {
        clearInterval(timer);
        stats.active--;
        sock.destroy();
      }
    };
    stops.add(stop);
    sock.once('close', stop);
  }

  const server = net.createServer((sock) => {
    stats.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 16 * 1024) {
          sock.destroy();
        }
        return;
      }
      sock.removeListener('data', onHead);
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const rest = buf.subarray(end + 4);
      const m = /^POST (\/stream(?:\?\S*)?) HTTP\/1\.[01]$/.exec(lines[0]);
      if (!m) {
        refuse(sock, '400 Bad Request');
        return;
      }
      const target = m[1];
      const auth = lines.find((l) => /^authorization:/i.test(l))?.replace(/^authorization:\s*/i, '');
      if (!auth) {
        challenge(sock);
        return;
      }
      if (!gate.authorised(auth, target)) {
        stats.authFailures++;
        events.emit('refused', 'auth');
        challenge(sock);
        return;
      }
      const query = new URL(`http://x${target}`).searchParams;
      const mac = query.get('camera_mac');
      const deviceId = query.get('deviceId') ?? (mac ? opts.deviceOfMac?.(mac) : undefined) ?? null;
      const child =
        typeof opts.children === 'function'
          ? opts.children(deviceId ?? '')
          : opts.children.find((c) => c.deviceId === deviceId);
      if (!child) {
        stats.unknownChild++;
        events.emit('refused', 'unknown_child');
        refuse(sock, '404 Not Found');
        return;
      }
      const contentType = lines.find((l) => /^content-type:/i.test(l))?.replace(/^content-type:\s*/i, '') ?? '';
      stream(sock, child, rest, contentType, query.get('type') === 'download');
    };
    sock.on('data', onHead);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: opts.host,
    port,
    events,
    stats: () => ({ ...stats }),
    setAsleep: (deviceId, yes) => void (yes ? asleep.add(deviceId) : asleep.delete(deviceId)),
    corruptParts: (n) => void (corrupt += n),
    dropStreams: () => [...stops].forEach((s) => s()),
    close: () =>
      new Promise<void>((resolve) => {
        [...stops].forEach((s) => s());
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
