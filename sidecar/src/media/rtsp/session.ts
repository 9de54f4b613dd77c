/**
 * One RTSP session over TCP (RFC 2326): OPTIONS, DESCRIBE, SETUP (RTP interleaved on the RTSP
 * connection), PLAY, keep-alive within the session timeout, TEARDOWN. Digest (or Basic) auth from
 * the URL's userinfo, which is never sent anywhere else: requests carry the URL without it, and
 * every error names the masked URL only. Failures end the session with a typed MediaError
 * (auth_failed, stream_busy, not_found, unreachable, stream_ended, protocol); the caller decides
 * about reconnecting.
 */
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { MediaError, type MediaErrorKind } from '../types.ts';
import type { AccessUnit, StreamInfo } from '../video/types.ts';
import { StreamSession, safeDecode } from '../stream-session.ts';
import { authorization, parseChallenges, type Challenge, type Credentials } from './auth.ts';
import { parseSdp } from './sdp.ts';
import { Depacketizer, ProtocolViolation, type DepacketizerStats } from './depacketize.ts';

export interface RtspSessionOptions {
  cameraId: string;
  /** rtsp://user:pass@host:port/path (credentials percent-encoded), or rtsps://. */
  url: string;
  maskedUrl: string;
  /** Connect and answer timeout, and the longest silence while playing (default 10 s). */
  timeoutMs?: number;
  onInfo(info: StreamInfo): void;
  onAccessUnit(au: AccessUnit): void;
  /** The session ended by itself (never called after close()). */
  onEnd(err: MediaError): void;
}

interface Response {
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  body: Buffer;
}

const USER_AGENT = 'TapoCameras-Grafana';
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 256 * 1024;
/** One read's most: a camera-sized keyframe (~100–200 KB) in a few reads, not dozens. */
const READ_BUFFER_BYTES = 128 * 1024;

const WORDS: Partial<Record<MediaErrorKind, string>> = {
  auth_failed: 'the camera refused the camera account (check the camera account user and password)',
  stream_busy:
    'the camera already serves its maximum of streams (an NVR may hold one; consider a restream override URL)',
  not_found: 'the camera has no such stream',
  unreachable: 'the camera cannot be reached',
  stream_ended: 'the camera ended the stream',
  protocol: 'the camera answered something that is not RTSP/RTP video',
};

export class RtspSession extends StreamSession {
  readonly stats = { bytesIn: 0, startedAt: 0 };
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private cseq = 0;
  private readonly pending = new Map<number, { settle: (r: Response | MediaError) => void; timer: NodeJS.Timeout }>();
  private challenge: Challenge | null = null;
  private nonceUses = 0;
  private readonly creds: Credentials | null;
  private readonly requestUrl: string;
  private sessionId: string | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private silence: NodeJS.Timeout | null = null;
  private lastVideoAt = 0;
  private depacketizer: Depacketizer | null = null;
  private rtpChannel = 0;
  private readonly timeoutMs: number;
  private badUrl = false;

  constructor(private readonly opts: RtspSessionOptions) {
    super(opts, WORDS);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      // start() reports it; a bad URL must not throw where a feed is merely created.
      u = new URL('rtsp://invalid.invalid/');
      this.badUrl = true;
    }
    const user = safeDecode(u.username);
    this.creds = user || u.password ? { username: user, password: safeDecode(u.password) } : null;
    u.username = '';
    u.password = '';
    this.requestUrl = u.toString();
  }

  depacketizerStats(): DepacketizerStats | null {
    return this.depacketizer?.stats ?? null;
  }

  /** Connects and plays; rejects with a MediaError (and then never calls onEnd). */
  async start(): Promise<void> {
    this.stats.startedAt = performance.now();
    if (this.badUrl) {
      this.ended = true;
      throw new MediaError(
        'invalid_source',
        `camera ${this.opts.cameraId} (${this.opts.maskedUrl}): the stream URL is not a valid URL`,
        this.opts.cameraId
      );
    }
    try {
      await this.connect();
      const options = await this.request('OPTIONS', this.requestUrl);
      const pub = (options.headers.get('public')?.[0] ?? '').toUpperCase();
      const describe = await this.request('DESCRIBE', this.requestUrl, { Accept: 'application/sdp' });
      const base =
        describe.headers.get('content-base')?.[0] ?? describe.headers.get('content-location')?.[0] ?? this.requestUrl;
      const sdp = parseSdp(describe.body.toString('utf8'), stripUserinfo(base));
      if (!sdp.ok) {
        throw this.error('protocol', sdp.reason);
      }
      const track = sdp.track;
      const setup = await this.request('SETUP', track.control, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      });
      const session = setup.headers.get('session')?.[0];
      if (!session) {
        throw this.error('protocol', 'SETUP answered without a session');
      }
      const [id, ...params] = session.split(';');
      this.sessionId = id.trim();
      const timeout = Number(/timeout=(\d+)/i.exec(params.join(';'))?.[1] ?? 60);
      const m = /interleaved=(\d+)/i.exec(setup.headers.get('transport')?.[0] ?? '');
      this.rtpChannel = m ? Number(m[1]) : 0;
      this.depacketizer = new Depacketizer({
        codec: track.codec,
        payloadType: track.payloadType,
        clockRate: track.clockRate,
        sps: track.sps,
        pps: track.pps,
        vps: track.vps,
        ...(track.fps !== undefined ? { fps: track.fps } : {}),
        onInfo: (info) => this.opts.onInfo(info),
        onAccessUnit: (au) => this.opts.onAccessUnit(au),
      });
      await this.request('PLAY', stripUserinfo(base), { Range: 'npt=0.000-' });
      // Well within the session timeout the camera gave (cameras drop a silent session).
      const every = Math.max(1, Math.min(timeout, 120) / 2) * 1000;
      const method = pub.includes('GET_PARAMETER') ? 'GET_PARAMETER' : 'OPTIONS';
      this.keepAlive = setInterval(() => {
        this.request(method, this.requestUrl).catch((err: unknown) => this.end(asMediaError(err, this)));
      }, every);
      this.lastVideoAt = performance.now();
      this.watchSilence(this.timeoutMs);
    } catch (err) {
      const e = asMediaError(err, this);
      this.ended = true;
      this.teardownSocket();
      throw e;
    }
  }

  /** Ends the session once no video came for timeoutMs; re-arms itself for the time still left. */
  private watchSilence(ms: number): void {
    this.silence = setTimeout(() => {
      const quiet = performance.now() - this.lastVideoAt;
      if (quiet >= this.timeoutMs) {
        this.end(this.error('stream_ended', `no video for ${Math.round(this.timeoutMs / 1000)} s`));
      } else {
        this.watchSilence(this.timeoutMs - quiet);
      }
    }, ms);
  }

  /** Sends TEARDOWN (best effort) and closes the connection. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.ended = true;
    const sock = this.socket;
    if (sock && !sock.destroyed && this.sessionId) {
      const teardown = this.format('TEARDOWN', this.requestUrl, {});
      sock.end(teardown);
      setTimeout(() => sock.destroy(), 1000).unref();
    }
    this.teardownSocket(!this.sessionId);
  }

  protected teardown(): void {
    this.teardownSocket();
  }

  private teardownSocket(destroy = true): void {
    if (this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
    if (this.silence) {
      clearTimeout(this.silence);
      this.silence = null;
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
    }
    this.pending.clear();
    if (destroy) {
      this.socket?.destroy();
    }
  }

  private connect(): Promise<void> {
    const u = new URL(this.opts.url);
    const secure = u.protocol === 'rtsps:';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || (secure ? 322 : 554));
    return new Promise<void>((resolve, reject) => {
      // Plain TCP reads into one buffer per session, reused for every read (a camera's stream is
      // hundreds of reads a second; a fresh buffer each is garbage): onData copies what it keeps.
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      const sock = secure
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
        : net.connect({
            host,
            port,
            onread: { buffer: readBuffer, callback: (n) => this.onRead(readBuffer, n) },
          });
      this.socket = sock;
      sock.setNoDelay(true);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(this.error('unreachable', `no connection within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      sock.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      sock.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const e = this.error('unreachable', err.code ?? 'connection error');
        reject(e);
        this.failPending(e);
        this.end(this.error(this.sessionId ? 'stream_ended' : 'unreachable', err.code ?? 'connection error'));
      });
      sock.on('close', () => {
        clearTimeout(timer);
        const e = this.error(this.sessionId ? 'stream_ended' : 'unreachable', 'the connection was closed');
        reject(e);
        this.failPending(e);
        this.end(e);
      });
      if (secure) {
        sock.on('data', (chunk: Buffer) => this.onData(chunk));
      }
    });
  }

  private failPending(err: MediaError): void {
    for (const [k, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(k);
      p.settle(err);
    }
  }

  private onRead(buf: Buffer, n: number): boolean {
    this.onData(buf.subarray(0, n));
    return true;
  }

  private onData(data: Buffer): void {
    const at = performance.now();
    this.stats.bytesIn += data.length;
    let chunk = data;
    try {
      // An interleaved packet cut by the previous read is completed from this chunk's head, so the
      // rest of the chunk is parsed in place rather than copied behind the leftover.
      while (this.buf.length > 0 && this.buf[0] === 0x24 && chunk.length > 0 && !this.ended) {
        const buf = this.buf;
        const need = buf.length < 4 ? 4 - buf.length : 4 + buf.readUInt16BE(2) - buf.length;
        const take = Math.min(need, chunk.length);
        this.buf = Buffer.concat([buf, chunk.subarray(0, take)]);
        chunk = chunk.subarray(take);
        this.drain(at);
      }
      if (chunk.length === 0 || this.ended) {
        return;
      }
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.drain(at);
      if (this.buf.length > 0 && this.buf.buffer === data.buffer) {
        // A packet cut by the read's end: keep its head, as the read buffer is about to be reused.
        this.buf = Buffer.from(this.buf);
      }
    } catch (err) {
      this.end(asMediaError(err, this));
    }
  }

  private drain(at: number): void {
    while (this.buf.length > 0 && !this.ended) {
      this.drainPackets(at);
      const buf = this.buf;
      if (buf.length === 0 || buf[0] === 0x24 || this.ended) {
        return; // all read, or a packet cut by the read's end
      }
      if (buf.length >= 5 && buf.subarray(0, 5).toString('latin1') !== 'RTSP/') {
        throw new ProtocolViolation('bytes that are neither RTSP nor interleaved RTP');
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEADER_BYTES) {
          throw new ProtocolViolation('an answer header larger than 64 KiB');
        }
        return;
      }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^RTSP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(lines[0]);
      if (!m) {
        throw new ProtocolViolation('a malformed status line');
      }
      const headers = new Map<string, string[]>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) {
          const k = line.slice(0, i).trim().toLowerCase();
          headers.set(k, [...(headers.get(k) ?? []), line.slice(i + 1).trim()]);
        }
      }
      const len = Number(headers.get('content-length')?.[0] ?? 0);
      if (!Number.isInteger(len) || len < 0 || len > MAX_BODY_BYTES) {
        throw new ProtocolViolation('a bad Content-Length');
      }
      if (buf.length < end + 4 + len) {
        return;
      }
      const res: Response = {
        status: Number(m[1]),
        reason: m[2].replace(/[^\x20-\x7e]/g, '?').slice(0, 80),
        headers,
        body: Buffer.from(buf.subarray(end + 4, end + 4 + len)),
      };
      this.buf = buf.subarray(end + 4 + len);
      const cseq = Number(headers.get('cseq')?.[0]);
      const p = this.pending.get(cseq);
      if (p) {
        this.pending.delete(cseq);
        clearTimeout(p.timer);
        p.settle(res);
      }
    }
  }

  /**
   * The interleaved packets at the head of `buf`, walked by offset (no view per packet: a camera
   * sends hundreds a second); `buf` is then cut once, behind the last whole one.
   */
  private drainPackets(at: number): void {
    const buf = this.buf;
    let off = 0;
    while (off + 4 <= buf.length && buf[off] === 0x24 && !this.ended) {
      const len = (buf[off + 2] << 8) | buf[off + 3];
      if (off + 4 + len > buf.length) {
        break;
      }
      const channel = buf[off + 1];
      off += 4 + len;
      if (channel === this.rtpChannel && this.depacketizer) {
        // Only video counts as life: a camera that answers keep-alives but sends nothing is stalled.
        // A time stamp per packet; the silence timer looks at it when it fires (no timer per packet).
        this.lastVideoAt = at;
        this.depacketizer.pushAt(buf, off - len, off, at);
      }
    }
    if (off > 0) {
      this.buf = buf.subarray(off);
    }
  }

  private format(method: string, uri: string, headers: Record<string, string>): string {
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++this.cseq}`, `User-Agent: ${USER_AGENT}`];
    if (this.challenge && this.creds) {
      lines.push(`Authorization: ${authorization(this.challenge, this.creds, method, uri, ++this.nonceUses)}`);
    }
    if (this.sessionId) {
      lines.push(`Session: ${this.sessionId}`);
    }
    for (const [k, v] of Object.entries(headers)) {
      lines.push(`${k}: ${v}`);
    }
    return lines.join('\r\n') + '\r\n\r\n';
  }

  private send(method: string, uri: string, headers: Record<string, string>): Promise<Response> {
    const sock = this.socket;
    if (!sock || sock.destroyed || this.ended) {
      return Promise.reject(this.error('stream_ended', 'the connection is closed'));
    }
    const text = this.format(method, uri, headers);
    const cseq = this.cseq;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cseq);
        reject(this.error('unreachable', `no answer to ${method} within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      this.pending.set(cseq, { settle: (r) => (r instanceof MediaError ? reject(r) : resolve(r)), timer });
      sock.write(text);
    });
  }

  private async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<Response> {
    let res = await this.send(method, uri, headers);
    if (res.status === 401 && this.creds) {
      const offered = parseChallenges(res.headers.get('www-authenticate') ?? []);
      const fresh = offered[0];
      const stale = /true/i.test(fresh?.params.get('stale') ?? '');
      // Answer a new challenge once; a second refusal of the same account is final.
      if (fresh && (this.challenge === null || stale)) {
        this.challenge = fresh;
        this.nonceUses = 0;
        res = await this.send(method, uri, headers);
      }
    }
    if (res.status === 200) {
      return res;
    }
    const detail = `${method} answered ${res.status} ${res.reason}`;
    switch (res.status) {
      case 401:
      case 403:
        throw this.error('auth_failed', detail);
      case 453:
        throw this.error('stream_busy', detail);
      case 404:
        throw this.error('not_found', detail);
      default:
        throw this.error('protocol', detail);
    }
  }
}

function stripUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

function asMediaError(err: unknown, s: RtspSession): MediaError {
  if (err instanceof MediaError) {
    return err;
  }
  if (err instanceof ProtocolViolation) {
    return s.error('protocol', err.message);
  }
  return s.error('protocol', (err as Error)?.message ?? 'unknown failure');
}
