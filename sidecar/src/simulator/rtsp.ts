/**
 * The simulated camera's RTSP server: `stream1` (HD) and `stream2` (SD) with a moving test picture
 * that shows the camera's name and the time, behind the camera account (Digest auth, as Tapo
 * cameras use), and the camera's limit of two simultaneous sessions (a third SETUP gets 453).
 *
 * Only RTP over the RTSP TCP connection (interleaved) is served: that is what our client and
 * most NVRs use. The streams have the model's real size, frame rate, bit rate and keyframe
 * spacing: per stream a short clip is encoded once (see clip.ts) and replayed in a loop to every
 * playing session; the replay starts when the first session PLAYs and stops when the last one
 * leaves. A session joins at the next keyframe, so a decoder never starts mid-GOP, and a session
 * whose socket backs up skips to the next keyframe instead of buffering without bound.
 */
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { logger } from '../log.ts';
import { cameraStreams, loadClip, type Clip, type ClipSpec } from './clip.ts';

export type SimStreamName = 'stream1' | 'stream2';

/** Size, frame rate, bit rate (kbit/s) and keyframe spacing (frames) of a simulated stream. */
export type SimStreamSpec = ClipSpec;

export interface SimRtspOptions {
  /** Shown in the picture. */
  name: string;
  username: string;
  password: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Simultaneous sessions the camera serves (Tapo: 2). */
  maxSessions?: number;
  /** 'digest' like the cameras, or 'basic'. */
  auth?: 'digest' | 'basic';
  ffmpegPath?: string;
  /** The camera model, for its stream sizes (default: a 1080p camera). */
  model?: string;
  streams?: Partial<Record<SimStreamName, Partial<SimStreamSpec>>>;
}

export interface SimRtspStats {
  sessions: number;
  playing: number;
  encoders: number;
  refused: number;
  authFailures: number;
  packetsSent: number;
  packetsSkipped: number;
}

/**
 * Runtime faults of the video, as a viewer sees them: `freeze` keeps every session open but sends
 * no picture (playing sessions resume at the next keyframe when it lifts); `offline` cuts every
 * connection and refuses new ones until it lifts.
 */
export interface SimRtspFaults {
  freeze?: boolean;
  offline?: boolean;
}

export interface SimRtspServer {
  readonly host: string;
  readonly port: number;
  /** 'session' {open:boolean, sessions}, 'refused' {status}, 'authFailure', 'encoder' {stream, running}. */
  readonly events: EventEmitter;
  /** rtsp://user:pass@host:port/stream, with the given or the camera's own credentials. */
  url(stream?: SimStreamName, creds?: { username: string; password: string }): string;
  stats(): SimRtspStats;
  /** Encodes (or loads from the disk cache) the streams' clips, so the first PLAY starts at once. */
  prepare(): Promise<void>;
  /** The specs the streams are sent with. */
  readonly specs: Readonly<Record<SimStreamName, SimStreamSpec>>;
  /** Cuts every client connection (a camera reboot or Wi-Fi drop, as a client sees it). */
  dropClients(): void;
  /** Changes faults at runtime; omitted keys keep their value. */
  setFaults(f: SimRtspFaults): void;
  close(): Promise<void>;
}

const REALM = 'TP-LINK IP-CAM';
const SOCKET_BACKLOG_LIMIT = 512 * 1024;
const MAX_REQUEST_BYTES = 16 * 1024;

const log = logger.child({ module: 'sim-rtsp' });

// ---------------------------------------------------------------------------------------------
// Can this ffmpeg draw text (drawtext filter present and a font found through fontconfig)?
// Checked once per ffmpeg path; without it the picture has no caption.

const drawtextChecks = new Map<string, Promise<boolean>>();

export function canDrawText(ffmpegPath = 'ffmpeg'): Promise<boolean> {
  let p = drawtextChecks.get(ffmpegPath);
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      const child = spawn(
        ffmpegPath,
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-f',
          'lavfi',
          '-i',
          'testsrc=size=64x36:rate=1',
          '-vf',
          "drawtext=text='x'",
          '-frames:v',
          '1',
          '-f',
          'null',
          '-',
        ],
        { stdio: 'ignore' }
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) {
          log.warn('ffmpeg drawtext is unavailable (no font?): simulated pictures carry no caption');
        }
        resolve(code === 0);
      });
    });
    drawtextChecks.set(ffmpegPath, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// One replayer per stream, shared by its playing sessions: the clip's packets in a loop, at the
// stream's frame rate, with sequence numbers and timestamps that continue across loops.

/** Gets one picture's RTP packets (header + payload, without the interleaved prefix). */
type FrameSink = (packets: Buffer[], keyframe: boolean) => void;

class StreamReplayer {
  private timer: NodeJS.Timeout | null = null;
  private readonly sinks = new Set<FrameSink>();
  private starting: Promise<void> | null = null;
  private clip: Clip | null = null;

  constructor(
    private readonly stream: SimStreamName,
    private readonly spec: SimStreamSpec,
    private readonly name: string,
    private readonly ffmpegPath: string,
    private readonly events: EventEmitter,
    private readonly onFailed: () => void
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** The stream's clip (encoded on first use, then from the disk cache). */
  async load(): Promise<Clip> {
    const text = await canDrawText(this.ffmpegPath);
    this.clip = await loadClip(this.spec, text ? `${this.name} ${this.stream}` : null, this.ffmpegPath);
    return this.clip;
  }

  async attach(sink: FrameSink): Promise<void> {
    this.sinks.add(sink);
    if (!this.timer && !this.starting) {
      this.starting = this.start().finally(() => (this.starting = null));
    }
    await this.starting;
  }

  detach(sink: FrameSink): void {
    this.sinks.delete(sink);
    if (this.sinks.size === 0) {
      this.stop();
    }
  }

  private async start(): Promise<void> {
    let clip: Clip;
    try {
      clip = await this.load();
    } catch (err) {
      log.error({ stream: this.stream, err: (err as Error).message }, 'no simulated clip: the stream ends');
      this.onFailed();
      return;
    }
    if (this.timer || this.sinks.size === 0) {
      return;
    }
    const ssrc = randomBytes(4).readUInt32BE(0);
    let seq = randomBytes(2).readUInt16BE(0);
    const ts0 = randomBytes(4).readUInt32BE(0);
    const step = 90_000 / this.spec.fps;
    const interval = 1000 / this.spec.fps;
    let n = 0;
    let t0 = performance.now();
    const tick = () => {
      const frame = clip.frames[n % clip.frames.length];
      const ts = (ts0 + Math.round(n * step)) >>> 0;
      const packets = frame.payloads.map((payload, i) => {
        const pkt = Buffer.allocUnsafe(12 + payload.length);
        pkt[0] = 0x80;
        pkt[1] = (i === frame.payloads.length - 1 ? 0x80 : 0) | 96;
        pkt.writeUInt16BE(seq, 2);
        seq = (seq + 1) & 0xffff;
        pkt.writeUInt32BE(ts, 4);
        pkt.writeUInt32BE(ssrc, 8);
        payload.copy(pkt, 12);
        return pkt;
      });
      for (const sink of this.sinks) {
        sink(packets, frame.keyframe);
      }
      n++;
      let next = t0 + n * interval - performance.now();
      if (next < -1000) {
        // The event loop stalled for a second: carry on from now instead of bursting to catch up.
        t0 = performance.now() - n * interval;
        next = 0;
      }
      this.timer = setTimeout(tick, Math.max(0, next));
    };
    this.timer = setTimeout(tick, 0);
    this.events.emit('encoder', { stream: this.stream, running: true });
  }

  stop(): void {
    if (!this.timer) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.events.emit('encoder', { stream: this.stream, running: false });
  }

  close(): void {
    this.sinks.clear();
    this.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// RTSP

interface Request {
  method: string;
  uri: string;
  headers: Map<string, string>;
  body: Buffer;
}

interface Session {
  id: string;
  conn: Conn;
  stream: SimStreamName;
  channel: number;
  playing: boolean;
  waitKey: boolean;
  sink: FrameSink;
}

interface Conn {
  socket: net.Socket;
  buf: Buffer;
  sessions: Set<Session>;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function parseAuthParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    out.set(m[1].toLowerCase(), m[2] ?? m[3]);
  }
  return out;
}

function streamOf(uri: string): { stream: SimStreamName; track: boolean } | null {
  let path: string;
  try {
    path = new URL(uri).pathname;
  } catch {
    path = uri.startsWith('/') ? uri : '';
  }
  const m = /^\/(stream1|stream2)(\/track1)?\/?$/.exec(path);
  return m ? { stream: m[1] as SimStreamName, track: m[2] !== undefined } : null;
}

export async function startSimRtspServer(opts: SimRtspOptions): Promise<SimRtspServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxSessions = opts.maxSessions ?? 2;
  const authMode = opts.auth ?? 'digest';
  const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg';
  const events = new EventEmitter();
  const conns = new Set<Conn>();
  const sessions = new Map<string, Session>();
  const nonces = new Set<string>();
  const counters = { refused: 0, authFailures: 0, packetsSent: 0, packetsSkipped: 0 };
  let faults: SimRtspFaults = {};

  const specs = {} as Record<SimStreamName, SimStreamSpec>;
  const defaults = cameraStreams(opts.model);
  for (const s of ['stream1', 'stream2'] as const) {
    const spec = { ...defaults[s], ...(opts.streams?.[s] ?? {}) };
    // A changed frame rate keeps the keyframe spacing in seconds.
    if (opts.streams?.[s]?.fps !== undefined && opts.streams?.[s]?.gop === undefined) {
      spec.gop = Math.max(1, Math.round((defaults[s].gop / defaults[s].fps) * spec.fps));
    }
    specs[s] = spec;
  }

  const encoders = {} as Record<SimStreamName, StreamReplayer>;
  for (const s of ['stream1', 'stream2'] as const) {
    encoders[s] = new StreamReplayer(s, specs[s], opts.name, ffmpegPath, events, () => {
      for (const sess of [...sessions.values()]) {
        if (sess.stream === s) {
          sess.conn.socket.destroy();
        }
      }
    });
  }

  function newNonce(): string {
    const n = randomBytes(16).toString('hex');
    nonces.add(n);
    if (nonces.size > 256) {
      nonces.delete(nonces.values().next().value as string);
    }
    return n;
  }

  function authorized(req: Request): boolean {
    const h = req.headers.get('authorization');
    if (!h) {
      return false;
    }
    if (authMode === 'basic') {
      if (!/^basic\s+/i.test(h)) {
        return false;
      }
      const decoded = Buffer.from(h.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      return decoded === `${opts.username}:${opts.password}`;
    }
    if (!/^digest\s+/i.test(h)) {
      return false;
    }
    const p = parseAuthParams(h.replace(/^digest\s+/i, ''));
    const nonce = p.get('nonce') ?? '';
    if (p.get('username') !== opts.username || p.get('realm') !== REALM || !nonces.has(nonce)) {
      return false;
    }
    const ha1 = md5(`${opts.username}:${REALM}:${opts.password}`);
    const ha2 = md5(`${req.method}:${p.get('uri') ?? ''}`);
    const qop = p.get('qop');
    const expected = qop
      ? md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:${qop}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    return p.get('response') === expected;
  }

  function send(
    conn: Conn,
    status: number,
    reason: string,
    req: Request | null,
    headers: Record<string, string> = {},
    body = ''
  ): void {
    const lines = [`RTSP/1.0 ${status} ${reason}`];
    const cseq = req?.headers.get('cseq');
    if (cseq !== undefined) {
      lines.push(`CSeq: ${cseq}`);
    }
    lines.push('Server: Simulated Tapo RTSP');
    for (const [k, v] of Object.entries(headers)) {
      lines.push(`${k}: ${v}`);
    }
    if (body) {
      lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    }
    if (!conn.socket.destroyed) {
      conn.socket.write(lines.join('\r\n') + '\r\n\r\n' + body);
    }
  }

  function challenge(conn: Conn, req: Request): void {
    const header = authMode === 'basic' ? `Basic realm="${REALM}"` : `Digest realm="${REALM}", nonce="${newNonce()}"`;
    send(conn, 401, 'Unauthorized', req, { 'WWW-Authenticate': header });
  }

  function endSession(sess: Session): void {
    if (!sessions.delete(sess.id)) {
      return;
    }
    sess.conn.sessions.delete(sess);
    if (sess.playing) {
      encoders[sess.stream].detach(sess.sink);
    }
    sess.playing = false;
    events.emit('session', { open: false, sessions: sessions.size });
  }

  async function sdp(stream: SimStreamName): Promise<string> {
    const ps = await encoders[stream].load();
    const fmtp = `packetization-mode=1;profile-level-id=${ps.sps.subarray(1, 4).toString('hex').toUpperCase()};sprop-parameter-sets=${ps.sps.toString('base64')},${ps.pps.toString('base64')}`;
    return [
      'v=0',
      `o=- ${Date.now()} 1 IN IP4 ${host}`,
      `s=${opts.name.replace(/[\r\n]/g, ' ')} ${stream}`,
      `c=IN IP4 0.0.0.0`,
      't=0 0',
      'a=control:*',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      `a=fmtp:96 ${fmtp}`,
      `a=framerate:${specs[stream].fps}`,
      'a=control:track1',
      '',
    ].join('\r\n');
  }

  async function handle(conn: Conn, req: Request): Promise<void> {
    const method = req.method.toUpperCase();
    if (method === 'OPTIONS') {
      send(conn, 200, 'OK', req, {
        Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER',
      });
      return;
    }
    if (!authorized(req)) {
      if (req.headers.has('authorization')) {
        counters.authFailures++;
        events.emit('authFailure');
      }
      challenge(conn, req);
      return;
    }
    const sessionId = req.headers.get('session')?.split(';')[0].trim();
    const sess = sessionId ? sessions.get(sessionId) : undefined;
    switch (method) {
      case 'DESCRIBE': {
        const target = streamOf(req.uri);
        if (!target) {
          return send(conn, 404, 'Not Found', req);
        }
        const base = `rtsp://${host}:${port}/${target.stream}/`;
        return send(
          conn,
          200,
          'OK',
          req,
          { 'Content-Type': 'application/sdp', 'Content-Base': base },
          await sdp(target.stream)
        );
      }
      case 'SETUP': {
        const target = streamOf(req.uri);
        if (!target) {
          return send(conn, 404, 'Not Found', req);
        }
        const transport = req.headers.get('transport') ?? '';
        const tcp = transport.split(',').find((t) => /RTP\/AVP\/TCP/i.test(t));
        if (!tcp) {
          return send(conn, 461, 'Unsupported Transport', req);
        }
        if (sess) {
          return send(conn, 459, 'Aggregate Operation Not Allowed', req);
        }
        if (sessions.size >= maxSessions) {
          counters.refused++;
          events.emit('refused', { status: 453 });
          return send(conn, 453, 'Not Enough Bandwidth', req);
        }
        const m = /interleaved=(\d+)(?:-(\d+))?/i.exec(tcp);
        const channel = m ? Number(m[1]) : 0;
        const s: Session = {
          id: randomBytes(8).toString('hex'),
          conn,
          stream: target.stream,
          channel,
          playing: false,
          waitKey: true,
          sink: () => undefined,
        };
        s.sink = (packets, keyframe) => {
          const sock = conn.socket;
          if (sock.destroyed) {
            return;
          }
          if (faults.freeze || (s.waitKey && !keyframe) || sock.writableLength > SOCKET_BACKLOG_LIMIT) {
            s.waitKey = true;
            counters.packetsSkipped += packets.length;
            return;
          }
          s.waitKey = false;
          sock.cork();
          for (const pkt of packets) {
            sock.write(Buffer.from([0x24, s.channel, pkt.length >> 8, pkt.length & 0xff]));
            sock.write(pkt);
          }
          sock.uncork();
          counters.packetsSent += packets.length;
        };
        sessions.set(s.id, s);
        conn.sessions.add(s);
        events.emit('session', { open: true, sessions: sessions.size });
        return send(conn, 200, 'OK', req, {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${channel}-${channel + 1};ssrc=${randomBytes(4).toString('hex').toUpperCase()}`,
          Session: `${s.id};timeout=60`,
        });
      }
      case 'PLAY': {
        if (!sess || sess.conn !== conn) {
          return send(conn, 454, 'Session Not Found', req);
        }
        send(conn, 200, 'OK', req, { Session: sess.id, Range: 'npt=0.000-' });
        if (!sess.playing) {
          sess.playing = true;
          sess.waitKey = true;
          await encoders[sess.stream].attach(sess.sink);
        }
        return;
      }
      case 'PAUSE': {
        if (!sess || sess.conn !== conn) {
          return send(conn, 454, 'Session Not Found', req);
        }
        if (sess.playing) {
          encoders[sess.stream].detach(sess.sink);
        }
        sess.playing = false;
        return send(conn, 200, 'OK', req, { Session: sess.id });
      }
      case 'TEARDOWN': {
        if (sess && sess.conn === conn) {
          endSession(sess);
        }
        return send(conn, 200, 'OK', req);
      }
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return send(conn, 200, 'OK', req, sess ? { Session: sess.id } : {});
      default:
        return send(conn, 501, 'Not Implemented', req);
    }
  }

  /** Splits the connection's bytes into RTSP requests and interleaved frames (RTCP receiver reports, ignored). */
  function drain(conn: Conn): Request[] {
    const out: Request[] = [];
    for (;;) {
      const buf = conn.buf;
      if (buf.length === 0) {
        break;
      }
      if (buf[0] === 0x24) {
        if (buf.length < 4) {
          break;
        }
        const len = buf.readUInt16BE(2);
        if (buf.length < 4 + len) {
          break;
        }
        conn.buf = buf.subarray(4 + len);
        continue;
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_REQUEST_BYTES) {
          throw new Error('request header too large');
        }
        break;
      }
      const lines = buf.subarray(0, end).toString('utf8').split('\r\n');
      const [method, uri, version] = (lines[0] ?? '').split(' ');
      if (!method || !uri || !version?.startsWith('RTSP/')) {
        throw new Error('malformed request line');
      }
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) {
          headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
        }
      }
      const len = Number(headers.get('content-length') ?? 0);
      if (!Number.isFinite(len) || len < 0 || len > MAX_REQUEST_BYTES) {
        throw new Error('bad content length');
      }
      if (buf.length < end + 4 + len) {
        break;
      }
      out.push({ method, uri, headers, body: buf.subarray(end + 4, end + 4 + len) });
      conn.buf = buf.subarray(end + 4 + len);
    }
    return out;
  }

  const server = net.createServer((socket) => {
    if (faults.offline) {
      socket.destroy();
      return;
    }
    const conn: Conn = { socket, buf: Buffer.alloc(0), sessions: new Set() };
    conns.add(conn);
    socket.setNoDelay(true);
    let chain = Promise.resolve();
    socket.on('data', (d) => {
      conn.buf = conn.buf.length ? Buffer.concat([conn.buf, d]) : d;
      let reqs: Request[];
      try {
        reqs = drain(conn);
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'bad RTSP input');
        send(conn, 400, 'Bad Request', null);
        socket.destroy();
        return;
      }
      for (const req of reqs) {
        chain = chain
          .then(() => handle(conn, req))
          .catch((err) => {
            log.warn({ err: (err as Error).message }, 'RTSP request failed');
            if (!socket.destroyed) {
              send(conn, 500, 'Internal Server Error', req);
            }
          });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conns.delete(conn);
      for (const s of [...conn.sessions]) {
        endSession(s);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    host,
    port,
    events,
    url(stream = 'stream1', creds = { username: opts.username, password: opts.password }) {
      return `rtsp://${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}@${host}:${port}/${stream}`;
    },
    specs,
    async prepare() {
      await Promise.all(Object.values(encoders).map((e) => e.load()));
    },
    stats() {
      return {
        sessions: sessions.size,
        playing: [...sessions.values()].filter((s) => s.playing).length,
        encoders: Object.values(encoders).filter((e) => e.running).length,
        ...counters,
      };
    },
    dropClients() {
      for (const c of conns) {
        c.socket.destroy();
      }
    },
    setFaults(f) {
      faults = { ...faults, ...f };
      if (f.offline) {
        for (const c of conns) {
          c.socket.destroy();
        }
      }
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) {
          c.socket.destroy();
        }
      });
      for (const e of Object.values(encoders)) {
        e.close();
      }
    },
  };
}
