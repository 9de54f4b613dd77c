/**
 * One port-8800 media session for a camera's SD-card recordings (recordings sheet §6): the same
 * Digest, Key-Exchange and AES-CBC parts as the hub's live view (connect.ts), a bare
 * `POST /stream`, then a `playback` request (real-time, runs on past end_time: we stop it once a
 * part's X-Data-PTS passes the end) or a `download` request (fast, ends with `stream_status:
 * finished`). Data parts are acked every half window (`X-Data-Received`), since the camera stalls
 * without acks; a `do stop` request ends the session before the socket closes. The camera's
 * refusals become typed errors: busy (another client holds its one media session), no card.
 */
import type net from 'node:net';

import { MediaError, type MediaErrorKind } from '../types.ts';
import type { AccessUnit, StreamInfo } from '../video/types.ts';
import { StreamSession } from '../stream-session.ts';
import { TsDemuxer, TsProtocolError } from '../mpegts/demux.ts';
import { decryptPart, type PartCipher } from './cipher.ts';
import { CLIENT_BOUNDARY, DEVICE_BOUNDARY, keyExchangeCipher, open8800 } from './connect.ts';
import { boundaryOf, encodePart, FramingError, PartReader, type Part } from './multipart.ts';

export type RecordingMode = 'playback' | 'download';

export interface RecordingSessionOptions {
  cameraId: string;
  host: string;
  /** Default 8800. */
  port?: number;
  /** A camera behind a hub: the hub's host, port and password, and the child's device_id. */
  deviceId?: string;
  /**
   * A Wi-Fi camera recorded on a hub's own disk (hub storage): the hub's host, port and password;
   * the camera named by MAC (an H200's `camera_mac=` form) or by device id (the H500's form). Its
   * clips come only with the `download` request (sheet §6.1), whatever `mode` says.
   */
  hubStorage?: { deviceId: string; mac: string; form: 'camera_mac' | 'deviceId' };
  username?: string;
  /** The owner's cloud password (hashed for the digest and the part key, never shown). */
  password: string;
  mode: RecordingMode;
  /** The clip's first and last second (UTC epoch s). */
  start: number;
  end: number;
  /** The getUserID value (1 where the camera has none). */
  clientId?: number;
  /** 32 hex, for playback-v6 cameras and download. */
  playerId?: string;
  /** Parts the camera may send beyond our last ack (the app uses 50). */
  window?: number;
  /** Connect and answer timeout, and the longest silence (default 10 s). */
  timeoutMs?: number;
  onInfo(info: StreamInfo): void;
  /** An access unit; `ptsMs` is the wall-clock time the camera stamped on its part (X-Data-PTS). */
  onAccessUnit(au: AccessUnit, ptsMs: number | null): void;
  /** The clip is complete (the window was played or downloaded). Never called after close(). */
  onDone(): void;
  /** The session ended before the clip was complete (never called after close()). */
  onEnd(err: MediaError): void;
}

export interface RecordingSessionStats {
  bytesIn: number;
  parts: number;
  acks: number;
  /** Media parts that could not be decrypted (the demuxer then waits for a keyframe). */
  corruptParts: number;
  /** The X-Data-PTS of the last data part (ms). */
  lastPtsMs: number | null;
}

export const CAMERA_MEDIA_PORT = 8800;

/** The camera's media-layer codes (pytapo const.py, the app's code): who holds the session, the card. */
const BUSY_CODES = new Set([-52405, -52407, -52417, -52435]);
const CARD_CODES = new Set([-52409, -52422, -1104]);

const WORDS: Partial<Record<MediaErrorKind, string>> = {
  auth_failed: "the camera refused the account (check the camera's cloud password)",
  stream_busy:
    "another client holds the camera's one media session (the Tapo app, or another viewer): try again shortly",
  no_card: "the camera's SD card is missing or unreadable",
  not_found: 'the SD card has nothing recorded there',
  unreachable: "the camera's media port cannot be reached",
  stream_ended: 'the recording ended early',
  protocol: 'the camera answered something that is not its port-8800 stream',
};

/** What a refused request's error_code means. */
export function mediaRefusal(code: number): { kind: MediaErrorKind; detail: string } {
  if (BUSY_CODES.has(code)) {
    return { kind: 'stream_busy', detail: `error_code ${code}` };
  }
  if (CARD_CODES.has(code)) {
    return { kind: 'no_card', detail: `error_code ${code}` };
  }
  return { kind: 'protocol', detail: `the request answered error_code ${code}` };
}

export class RecordingSession extends StreamSession {
  readonly stats: RecordingSessionStats = { bytesIn: 0, parts: 0, acks: 0, corruptParts: 0, lastPtsMs: null };
  private socket: net.Socket | null = null;
  private silence: NodeJS.Timeout | null = null;
  private demuxer: TsDemuxer | null = null;
  private sessionId = '';
  private lastAck = -1;
  private lastPts: number | null = null;
  private mediaParts = 0;
  private readonly timeoutMs: number;
  private readonly window: number;

  constructor(private readonly opts: RecordingSessionOptions) {
    const where = `${opts.host}:${opts.port ?? CAMERA_MEDIA_PORT}${requestUri(opts)}`;
    const user = encodeURIComponent(opts.username ?? 'admin');
    super(
      {
        cameraId: opts.cameraId,
        url: `tapo://${user}:${encodeURIComponent(opts.password)}@${where}`,
        maskedUrl: `tapo://${user}:***@${where}`,
        onEnd: (e) => opts.onEnd(e),
      },
      WORDS
    );
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.window = Math.max(2, Math.min(500, Math.floor(opts.window ?? 50)));
  }

  /** Connects and sends the request; resolves once the camera accepted it (then parts follow). */
  async start(): Promise<void> {
    const { start, end } = this.opts;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      this.ended = true;
      throw this.error('invalid_source', 'a clip needs whole seconds with start <= end');
    }
    try {
      const { head, rest, socket, hashedPwd } = await open8800({
        host: this.opts.host,
        port: this.opts.port ?? CAMERA_MEDIA_PORT,
        uri: requestUri(this.opts),
        ...(this.opts.hubStorage?.form === 'deviceId' ? { contentLength: 0 as const } : {}),
        username: this.opts.username ?? 'admin',
        password: this.opts.password,
        timeoutMs: this.timeoutMs,
        error: (kind, detail) => this.error(kind, detail),
        onSocket: (sock) => (this.socket = sock),
        onBytes: (n) => (this.stats.bytesIn += n),
      });
      this.socket = socket;
      if (head.status !== 200) {
        throw this.statusError(head.status, head.reason, rest);
      }
      const cipher = keyExchangeCipher(head, hashedPwd, (kind, detail) => this.error(kind, detail));
      await this.request(boundaryOf(head.headers.get('content-type'), DEVICE_BOUNDARY), rest, cipher);
    } catch (err) {
      this.ended = true;
      this.teardown();
      throw this.asMediaError(err);
    }
  }

  /** Stops the session (a `do stop` first, so the camera frees its media session at once). */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.ended = true;
    this.teardown();
  }

  private statusError(status: number, reason: string, body: Buffer): MediaError {
    if (status === 401 || status === 403) {
      return this.error('auth_failed', `the stream request answered ${status}`);
    }
    // Media-layer errors may come as the JSON body of a 503 (the app's code).
    const code = Number((parseJson(body)?.error_code as unknown) ?? NaN);
    if (Number.isInteger(code)) {
      const r = mediaRefusal(code);
      return this.error(r.kind, r.detail);
    }
    return this.error(status === 503 ? 'stream_busy' : 'protocol', `the stream request answered ${status} ${reason}`);
  }

  private asMediaError(err: unknown): MediaError {
    if (err instanceof MediaError) {
      return err;
    }
    if (err instanceof FramingError || err instanceof TsProtocolError) {
      return this.error('protocol', err.message);
    }
    return this.error('protocol', 'unexpected failure');
  }

  protected teardown(): void {
    if (this.silence) {
      clearTimeout(this.silence);
      this.silence = null;
    }
    const sock = this.socket;
    this.socket = null;
    if (sock && !sock.destroyed && this.sessionId) {
      sock.end(this.part({ type: 'request', seq: 2, params: { stop: 'null', method: 'do' } }));
      sock.destroySoon();
      // A camera that never closes its side is not waited for.
      setTimeout(() => sock.destroy(), 1000).unref();
    } else {
      sock?.destroy();
    }
  }

  private part(o: unknown, extra: Record<string, string> = {}): Buffer {
    const head: Record<string, string> = { 'Content-Type': 'application/json', ...extra };
    if (this.sessionId) {
      head['X-Session-Id'] = this.sessionId;
    }
    return encodePart(CLIENT_BOUNDARY, head, Buffer.from(JSON.stringify(o)));
  }

  /** The request sent: hub storage serves clips only to `download`. */
  private get wireMode(): RecordingMode {
    return this.opts.hubStorage ? 'download' : this.opts.mode;
  }

  private body(): Record<string, unknown> {
    const { start, end, hubStorage } = this.opts;
    const clientId = this.opts.clientId ?? 1;
    if (this.wireMode === 'download') {
      return {
        client_id: clientId,
        channels: [0],
        media_type: 0,
        start_time: String(start),
        end_time: String(end),
        ...(this.opts.playerId ? { player_id: this.opts.playerId } : {}),
        // Hub storage names the camera in the request too (sheet §6.2 b).
        ...(hubStorage ? { dev_id: hubStorage.deviceId, mac: hubStorage.mac } : {}),
      };
    }
    return {
      client_id: clientId,
      channels: [0, 1],
      scale: '1/1',
      start_time: String(start),
      end_time: String(end),
      event_type: [1, 2],
    };
  }

  /** Sends the request part and waits for the camera's answer part; then parts stream in. */
  private request(boundary: string, rest: Buffer, cipher: PartCipher | null): Promise<void> {
    const sock = this.socket;
    if (!sock) {
      return Promise.reject(this.error('stream_ended', 'the connection is closed'));
    }
    const reader = new PartReader(boundary);
    this.demuxer = new TsDemuxer({
      onInfo: (i) => this.opts.onInfo(i),
      onAccessUnit: (a) => this.opts.onAccessUnit(a, this.lastPts),
    });
    return new Promise<void>((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(
        () => fail(this.error('unreachable', `no answer within ${Math.round(this.timeoutMs / 1000)} s`)),
        this.timeoutMs
      );
      const fail = (err: MediaError) => {
        clearTimeout(timer);
        if (!answered) {
          answered = true;
          reject(err);
        } else {
          this.end(err);
        }
      };
      const onJson = (msg: JsonPart) => {
        const p = msg.params ?? {};
        if (!answered && msg.type === 'response') {
          const code = Number(p.error_code ?? 0);
          if (code !== 0) {
            const r = mediaRefusal(code);
            throw this.error(r.kind, r.detail);
          }
          this.sessionId = String(p.session_id ?? '');
          answered = true;
          clearTimeout(timer);
          this.silence = setTimeout(
            () => this.end(this.error('stream_ended', `no data for ${Math.round(this.timeoutMs / 1000)} s`)),
            this.timeoutMs
          );
          resolve();
          return;
        }
        if (msg.type !== 'notification') {
          return;
        }
        if (p.event_type === 'stream_status' && p.status === 'finished') {
          this.done();
        } else if (p.event_type === 'stream_finish') {
          const reason = typeof p.reason === 'string' ? p.reason.replace(/[^\w-]/g, '').slice(0, 40) : 'unknown';
          this.end(
            reason === 'finish'
              ? this.error('stream_ended', this.progress())
              : this.error('stream_ended', `the camera stopped the stream (${reason}) ${this.progress()}`)
          );
        } else if (p.event_type === 'disk_status' && p.status === 'offline') {
          this.end(this.error('no_card', 'the card went offline while playing'));
        }
      };
      const onMedia = (part: Part) => {
        const seq = Number(part.headers.get('x-data-sequence'));
        const pts = Number(part.headers.get('x-data-pts'));
        if (Number.isFinite(pts) && pts > 0) {
          if (this.opts.mode === 'playback' && pts >= (this.opts.end + 1) * 1000) {
            this.done(); // playback runs on into the next recording: the window is complete
            return;
          }
          this.lastPts = pts;
          this.stats.lastPtsMs = pts;
        }
        this.mediaParts++;
        this.silence?.refresh();
        if (Number.isInteger(seq) && seq - this.lastAck >= this.window / 2) {
          this.lastAck = seq;
          this.stats.acks++;
          this.socket?.write(
            this.part(
              { type: 'notification', params: { event_type: 'stream_sequence' } },
              { 'X-Data-Received': String(seq) }
            )
          );
        }
        let ts: Buffer;
        if (part.headers.get('x-if-encrypt') === '1') {
          if (!cipher) {
            throw this.error('protocol', 'an encrypted part without a Key-Exchange');
          }
          try {
            ts = decryptPart(cipher, part.body);
          } catch {
            this.stats.corruptParts++;
            this.demuxer?.discontinuity();
            return;
          }
        } else {
          ts = part.body;
        }
        this.demuxer?.push(ts);
      };
      const onData = (chunk: Buffer) => {
        this.stats.bytesIn += chunk.length;
        if (this.ended) {
          return;
        }
        try {
          for (const part of reader.push(chunk)) {
            this.stats.parts++;
            const type = (part.headers.get('content-type') ?? '').toLowerCase();
            if (type.startsWith('application/json')) {
              const msg = parseJson(part.body);
              if (msg) {
                onJson(msg);
              }
            } else if (type.startsWith('video/mp2t') && answered) {
              onMedia(part);
            }
            if (this.ended) {
              return;
            }
          }
        } catch (err) {
          fail(this.asMediaError(err));
        }
      };
      sock.on('data', onData);
      sock.on('close', () => fail(this.error('stream_ended', `the camera closed the connection ${this.progress()}`)));
      sock.on('error', (err: NodeJS.ErrnoException) =>
        fail(this.error('stream_ended', err.code ?? 'connection error'))
      );
      sock.write(
        this.part(
          { type: 'request', seq: 1, params: { method: 'get', [this.wireMode]: this.body() } },
          { 'X-Data-Window-Size': String(this.window) }
        )
      );
      if (rest.length) {
        onData(rest);
      }
      sock.resume();
    });
  }

  /** How far the clip got, in words ("after 12 of 30 s"). */
  private progress(): string {
    const total = this.opts.end - this.opts.start + 1;
    const got = this.lastPts === null ? 0 : Math.max(0, Math.round(this.lastPts / 1000 - this.opts.start));
    return `after ${Math.min(got, total)} of ${total} s`;
  }

  private done(): void {
    if (this.ended) {
      return;
    }
    if (this.mediaParts === 0) {
      this.end(this.error('not_found', `between ${isoSecond(this.opts.start)} and ${isoSecond(this.opts.end)}`));
      return;
    }
    this.demuxer?.flush();
    this.ended = true;
    this.teardown();
    if (!this.closed) {
      this.opts.onDone();
    }
  }
}

/**
 * A camera's own media port takes a bare `/stream`; a hub serves its child's card on
 * `/stream?deviceId=…&playerId=…&type=sdvod&start_time=…` (pytapo's child downloads; the 2023 fork
 * sent the clip's start, which we do too: whether the hub needs it is unknown).
 */
function requestUri(o: Pick<RecordingSessionOptions, 'deviceId' | 'playerId' | 'start' | 'hubStorage'>): string {
  if (o.hubStorage) {
    // Hub storage (sheet §6.1): the H500 names the camera by device id, an H200 (fw ≥ 1.6) by MAC.
    const q =
      o.hubStorage.form === 'deviceId'
        ? new URLSearchParams({ deviceId: o.hubStorage.deviceId, type: 'download', playerId: o.playerId ?? '' })
        : new URLSearchParams({ type: 'download', camera_mac: o.hubStorage.mac });
    q.set('media_type', '0');
    return `/stream?${q.toString()}`;
  }
  if (!o.deviceId) {
    return '/stream';
  }
  const q = new URLSearchParams({ deviceId: o.deviceId, playerId: o.playerId ?? '', type: 'sdvod' });
  q.set('start_time', String(o.start));
  return `/stream?${q.toString()}`;
}

function isoSecond(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
}

interface JsonPart {
  type?: string;
  params?: Record<string, unknown>;
  error_code?: unknown;
}

function parseJson(body: Buffer): JsonPart | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' ? (v as JsonPart) : null;
  } catch {
    return null;
  }
}
