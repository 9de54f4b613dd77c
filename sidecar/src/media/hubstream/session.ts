/**
 * One port-8800 stream session with a Tapo hub for one child camera (fact sheet §8): Digest on a
 * raw TCP socket (the 401 costs a connection, as the hub closes it), the Key-Exchange nonce that
 * keys the AES-CBC media parts, the live-view request part, then video/mp2t parts decrypted and
 * demuxed into access units. The cloud password comes in the tapo:// URL's userinfo and is used
 * only for hashing: it, its hashes and the keys never appear in an error or a log line. Failures
 * end the session with a typed MediaError (auth_failed, not_found for a child the hub does not
 * know, asleep for a child the hub cannot wake, unreachable, stream_ended, protocol).
 */
import net from 'node:net';

import { MediaError, type MediaErrorKind } from '../types.ts';
import type { AccessUnit, StreamInfo, StreamName } from '../video/types.ts';
import { StreamSession, safeDecode } from '../stream-session.ts';
import { TsDemuxer, TsProtocolError, type TsDemuxerStats } from '../mpegts/demux.ts';
import { decryptPart, type PartCipher } from './cipher.ts';
import { CLIENT_BOUNDARY, DEVICE_BOUNDARY, keyExchangeCipher, open8800 } from './connect.ts';
import { boundaryOf, encodePart, FramingError, PartReader, type Head, type Part } from './multipart.ts';

export interface HubStreamSessionOptions {
  cameraId: string;
  /** tapo://admin:<cloud password>@hub:8800/stream?deviceId=<child device_id> */
  url: string;
  maskedUrl: string;
  stream: StreamName;
  /** Connect and answer timeout, and the longest silence while playing (default 10 s). */
  timeoutMs?: number;
  onInfo(info: StreamInfo): void;
  onAccessUnit(au: AccessUnit): void;
  /** The session ended by itself (never called after close()). */
  onEnd(err: MediaError): void;
}

export interface HubStreamStats {
  bytesIn: number;
  parts: number;
  /** Media parts that could not be decrypted (the demuxer then waits for a keyframe). */
  corruptParts: number;
}

export const HUB_STREAM_PORT = 8800;

const WORDS: Partial<Record<MediaErrorKind, string>> = {
  auth_failed: "the hub refused the account (check the hub's cloud password)",
  not_found: 'the hub has no child camera with this device id',
  asleep: 'the hub could not wake the child camera (asleep, out of range or out of battery)',
  unreachable: 'the hub cannot be reached',
  stream_ended: 'the hub ended the stream',
  protocol: 'the hub answered something that is not its port-8800 stream',
};

export class HubStreamSession extends StreamSession {
  readonly stats: HubStreamStats = { bytesIn: 0, parts: 0, corruptParts: 0 };
  private socket: net.Socket | null = null;
  private silence: NodeJS.Timeout | null = null;
  private demuxer: TsDemuxer | null = null;
  private playing = false;
  private readonly timeoutMs: number;
  private readonly host: string;
  private readonly port: number;
  private readonly requestUri: string;
  private readonly username: string;
  private readonly password: string;
  private readonly badUrl: boolean;

  constructor(private readonly opts: HubStreamSessionOptions) {
    super(opts, WORDS);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    let u: URL | null = null;
    try {
      u = new URL(opts.url);
    } catch {
      /* start() reports it */
    }
    const deviceId = u?.searchParams.get('deviceId') ?? '';
    this.badUrl = !u || u.protocol !== 'tapo:' || !deviceId;
    this.host = (u?.hostname ?? '').replace(/^\[|\]$/g, '');
    this.port = Number(u?.port || HUB_STREAM_PORT);
    this.username = safeDecode(u?.username ?? '') || 'admin';
    this.password = safeDecode(u?.password ?? '');
    // go2rtc's form: only deviceId in the query (the hub accepts it, and the digest covers it).
    this.requestUri = `/stream?deviceId=${encodeURIComponent(deviceId)}`;
  }

  demuxerStats(): TsDemuxerStats | null {
    return this.demuxer?.stats ?? null;
  }

  /** Connects, authenticates and plays; rejects with a MediaError (and then never calls onEnd). */
  async start(): Promise<void> {
    if (this.badUrl) {
      this.ended = true;
      throw new MediaError(
        'invalid_source',
        `camera ${this.opts.cameraId} (${this.opts.maskedUrl}): not a hub child stream URL (tapo://host:8800/stream?deviceId=...)`,
        this.opts.cameraId
      );
    }
    try {
      const { head, rest, socket, hashedPwd } = await open8800({
        host: this.host,
        port: this.port,
        uri: this.requestUri,
        username: this.username,
        password: this.password,
        timeoutMs: this.timeoutMs,
        error: (kind, detail) => this.error(kind, detail),
        onSocket: (sock) => (this.socket = sock),
        onBytes: (n) => (this.stats.bytesIn += n),
      });
      this.socket = socket;
      this.checkStatus(head);
      const cipher = keyExchangeCipher(head, hashedPwd, (kind, detail) => this.error(kind, detail));
      await this.play(head, rest, cipher);
    } catch (err) {
      this.ended = true;
      this.teardown();
      throw this.asMediaError(err);
    }
  }

  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.ended = true;
    this.teardown();
  }

  private asMediaError(err: unknown): MediaError {
    if (err instanceof MediaError) {
      return err;
    }
    if (err instanceof FramingError || err instanceof TsProtocolError) {
      return this.error('protocol', err.message);
    }
    // Anything else is ours or node's: say so without quoting anything that might carry a secret.
    return this.error('protocol', 'unexpected failure');
  }

  protected teardown(): void {
    if (this.silence) {
      clearTimeout(this.silence);
      this.silence = null;
    }
    this.socket?.destroy();
    this.socket = null;
  }

  private checkStatus(head: Head): void {
    if (head.status === 200) {
      return;
    }
    const detail = `the stream request answered ${head.status} ${head.reason}`;
    switch (head.status) {
      case 401:
      case 403:
        throw this.error('auth_failed', detail);
      case 404:
        throw this.error('not_found', detail);
      case 503:
        throw this.error('asleep', detail);
      default:
        throw this.error('protocol', detail);
    }
  }

  /** Sends the live-view request and waits for the hub's answer part; then streams. */
  private play(head: Head, rest: Buffer, cipher: PartCipher | null): Promise<void> {
    const sock = this.socket;
    if (!sock) {
      return Promise.reject(this.error('stream_ended', 'the connection is closed'));
    }
    const seq = 1;
    const request = {
      type: 'request',
      seq,
      params: {
        method: 'get',
        preview: { audio: ['default'], channels: [0], resolutions: [this.opts.stream === 'sub' ? 'VGA' : 'HD'] },
      },
    };
    const reader = new PartReader(boundaryOf(head.headers.get('content-type'), DEVICE_BOUNDARY));
    this.demuxer = new TsDemuxer({
      onInfo: (i) => this.opts.onInfo(i),
      onAccessUnit: (a) => this.opts.onAccessUnit(a),
    });
    return new Promise<void>((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(
        () =>
          fail(
            this.error('unreachable', `no answer to the stream request within ${Math.round(this.timeoutMs / 1000)} s`)
          ),
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
      const onPart = (part: Part) => {
        this.stats.parts++;
        const type = (part.headers.get('content-type') ?? '').toLowerCase();
        if (type.startsWith('application/json')) {
          const msg = parseJson(part.body);
          if (!answered && msg?.type === 'response') {
            const code = Number(msg.params?.error_code ?? 0);
            if (code !== 0) {
              throw this.error('asleep', `the stream request answered error_code ${code}`);
            }
            answered = true;
            clearTimeout(timer);
            this.playing = true;
            this.silence = setTimeout(
              () => this.end(this.error('stream_ended', `no video for ${Math.round(this.timeoutMs / 1000)} s`)),
              this.timeoutMs
            );
            resolve();
          }
          return;
        }
        if (!type.startsWith('video/mp2t') || !this.demuxer) {
          return; // audio-only parts, talkback, unknown notifications
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
            this.demuxer.discontinuity();
            return;
          }
        } else {
          ts = part.body;
        }
        this.silence?.refresh();
        this.demuxer.push(ts);
      };
      const onData = (chunk: Buffer) => {
        if (this.ended) {
          return;
        }
        try {
          for (const part of reader.push(chunk)) {
            onPart(part);
            if (this.ended) {
              return;
            }
          }
        } catch (err) {
          fail(this.asMediaError(err));
        }
      };
      sock.on('data', (chunk: Buffer) => {
        this.stats.bytesIn += chunk.length;
        onData(chunk);
      });
      sock.on('close', () => fail(this.error(this.playing ? 'stream_ended' : 'protocol', 'the connection was closed')));
      sock.on('error', (err: NodeJS.ErrnoException) =>
        fail(this.error('stream_ended', err.code ?? 'connection error'))
      );
      const body = Buffer.from(JSON.stringify(request));
      sock.write(encodePart(CLIENT_BOUNDARY, { 'Content-Type': 'application/json' }, body));
      if (rest.length) {
        onData(rest);
      }
      sock.resume();
    });
  }
}

interface JsonPart {
  type?: string;
  params?: { error_code?: unknown };
}

function parseJson(body: Buffer): JsonPart | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' ? (v as JsonPart) : null;
  } catch {
    return null;
  }
}

/** The tapo:// source of a hub child's stream (credentials in the userinfo, percent-encoded) and its masked form. */
export function hubStreamUrl(o: {
  host: string;
  port?: number;
  username?: string;
  password: string;
  deviceId: string;
}): {
  url: string;
  maskedUrl: string;
} {
  const host = net.isIPv6(o.host) ? `[${o.host}]` : o.host;
  const path = `${host}:${o.port ?? HUB_STREAM_PORT}/stream?deviceId=${encodeURIComponent(o.deviceId)}`;
  const user = encodeURIComponent(o.username ?? 'admin');
  return { url: `tapo://${user}:${encodeURIComponent(o.password)}@${path}`, maskedUrl: `tapo://${user}:***@${path}` };
}
