/**
 * The simulated camera's port-8800 media server for its SD card (recordings sheet §6): a bare
 * `POST /stream` behind the same Digest and Key-Exchange as the hub's live view, then one JSON
 * request part, `playback` (paced at real time, rolls on into the next recordings, never stops at
 * end_time) or `download` (about 10× real time, stops at end_time with a `stream_status:
 * finished` notification). Media parts are AES-CBC encrypted MPEG-TS, one picture each, with
 * `X-Session-Id`, `X-Data-Sequence` from 0, `X-Data-PTS` (wall-clock ms) and `X-If-IFrame`; the
 * camera sends at most `X-Data-Window-Size` parts beyond the last `X-Data-Received` ack and stalls
 * without acks. A `do stop` request ends the session. One media session per camera: a second one
 * is refused (-52405 for download, -52417 for playback), as is one while the Tapo app holds it.
 * Faults: no card (-52409), a broken card (-52422), a corrupt segment (`stream_finish`
 * internal_error at its start), a segment that ends early (the connection drops), garbled parts.
 */
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { cameraStreams, type ClipSpec } from './clip.ts';
import { canDrawText } from './rtsp.ts';
import { carryOn, loadTsClip, type TsClip } from './hub/stream8800.ts';
import { devicePart, digestGate, jsonPart, refuse, type MediaKeys } from './port8800.ts';
import type { RecordedSegment, SimulatedSdCard } from './sdcard.ts';
import { PartReader, boundaryOf, type Part } from '../media/hubstream/multipart.ts';

export interface PlaybackServerOptions {
  host: string;
  /** 0: an ephemeral port. */
  port: number;
  username?: string;
  /** The owner's cloud password (the camera's local API password). */
  password: string;
  card: SimulatedSdCard;
  name: string;
  model?: string;
  ffmpegPath?: string;
  /** Announce encrypt_type="3" (SHA-256 password hashing) in the challenge (default true). */
  sha256?: boolean;
  /** The recorded video (default: the model's stream1). */
  spec?: ClipSpec;
  /** Playback pace: 1 = real time, as cameras do (tests may hurry it). */
  playbackSpeed?: number;
  /** Download pace (default 10× real time, as measured on a C510W). */
  downloadSpeed?: number;
}

export interface PlaybackServerStats {
  connections: number;
  challenges: number;
  authFailures: number;
  /** Media sessions started, and running now (never more than one). */
  sessions: number;
  active: number;
  refusedBusy: number;
  refusedCard: number;
  parts: number;
  acks: number;
  stops: number;
  corruptedParts: number;
  /** The most data parts ever sent beyond the last ack (never above the client's window). */
  maxUnacked: number;
}

export interface PlaybackServer {
  host: string;
  port: number;
  stats(): PlaybackServerStats;
  /** The Tapo app holds the camera's media session: every request is refused as busy. */
  holdSession(held: boolean): void;
  /** Fault: the next `n` media parts are garbled. */
  corruptParts(n: number): void;
  /** 'session' (mode), 'refused' (reason), 'part' (sequence), 'stop', 'ack' (sequence), 'end' (session id). */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

const CLIENT_BOUNDARY = '--client-stream-boundary--';
/** Without an X-Data-Window-Size the camera still stops somewhere (pytapo's session default). */
const DEFAULT_WINDOW = 500;
const ERR = { invalid: -52402, busyDownload: -52405, busyPlayback: -52417, noCard: -52409, badCard: -52422 };

interface Piece {
  seg: RecordedSegment;
  /** First and last picture of the segment to send (pictures counted from its start). */
  from: number;
  to: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function epochOf(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** One device's SD-card media sessions behind a port-8800 server that already authenticated the client. */
export interface PlaybackService {
  /** Serves the session whose request part is `first`; the connection's 200 carried `keys`. */
  serve(sock: net.Socket, first: Part, reader: PartReader, keys: MediaKeys): void;
  stats(): PlaybackServerStats;
  holdSession(held: boolean): void;
  corruptParts(n: number): void;
  readonly events: EventEmitter;
  /** Ends every running session. */
  stopAll(): void;
}

export type PlaybackServiceOptions = Pick<
  PlaybackServerOptions,
  'card' | 'name' | 'model' | 'ffmpegPath' | 'spec' | 'playbackSpeed' | 'downloadSpeed'
>;

/** A request part carries a recordings request (`playback` or `download`), not a live view. */
export function isRecordingRequest(params: unknown): boolean {
  return isObj(params) && (isObj(params.playback) || isObj(params.download));
}

export async function playbackService(opts: PlaybackServiceOptions): Promise<PlaybackService> {
  const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg';
  const spec = opts.spec ?? cameraStreams(opts.model).stream1;
  const caption = (await canDrawText(ffmpegPath)) ? `${opts.name} SD` : null;
  const events = new EventEmitter();
  const stops = new Set<() => void>();
  const stats: PlaybackServerStats = {
    connections: 0,
    challenges: 0,
    authFailures: 0,
    sessions: 0,
    active: 0,
    refusedBusy: 0,
    refusedCard: 0,
    parts: 0,
    acks: 0,
    stops: 0,
    corruptedParts: 0,
    maxUnacked: 0,
  };
  let held = false;
  let corrupt = 0;

  /** What a request covers, picture by picture (download: the window; playback: on to the card's end). */
  function plan(mode: 'playback' | 'download', start: number, end: number, fps: number): Piece[] {
    const gop = Math.max(1, spec.gop);
    const pieces: Piece[] = [];
    for (const seg of opts.card.segments()) {
      if (seg.end < start || (mode === 'download' && seg.start > end)) {
        continue;
      }
      const last = Math.round((seg.end - seg.start + 1) * fps) - 1;
      // Start on the keyframe at or before the asked time, as a decoder needs.
      const from = Math.max(0, Math.floor(((start - seg.start) * fps) / gop) * gop);
      const to = mode === 'download' ? Math.min(last, Math.round((end - seg.start + 1) * fps) - 1) : last;
      if (to >= from) {
        pieces.push({ seg, from, to });
      }
    }
    return pieces;
  }

  function session(sock: net.Socket, first: Part, reader: PartReader, keys: MediaKeys): void {
    const msg = parse(first.body);
    const seq = typeof msg?.seq === 'number' ? msg.seq : 0;
    const params = isObj(msg?.params) ? msg.params : {};
    const mode = isObj(params.download) ? 'download' : isObj(params.playback) ? 'playback' : null;
    const body = mode ? (params[mode] as Json) : null;
    const start = epochOf(body?.start_time);
    const end = mode === 'playback' && body?.end_time === undefined ? Number.MAX_SAFE_INTEGER : epochOf(body?.end_time);
    const answer = (code: number) => sock.end(jsonPart({ type: 'response', seq, params: { error_code: code } }));
    if (msg?.type !== 'request' || params.method !== 'get' || !mode || start === null || end === null || end < start) {
      events.emit('refused', 'invalid');
      answer(ERR.invalid);
      return;
    }
    if (held || opts.card.heldByApp || stats.active > 0) {
      stats.refusedBusy++;
      events.emit('refused', 'busy');
      answer(mode === 'download' ? ERR.busyDownload : ERR.busyPlayback);
      return;
    }
    if (opts.card.state === 'none' || opts.card.state === 'broken') {
      stats.refusedCard++;
      events.emit('refused', opts.card.state);
      answer(opts.card.state === 'none' ? ERR.noCard : ERR.badCard);
      return;
    }
    const window = Number(first.headers.get('x-data-window-size')) || DEFAULT_WINDOW;
    stats.sessions++;
    stats.active++;
    const sessionId = String(20 + stats.sessions);
    let acked = -1;
    let sent = 0;
    let timer: NodeJS.Timeout | null = null;
    let ended = false;
    const stop = () => {
      if (stops.delete(stop)) {
        ended = true;
        if (timer) {
          clearTimeout(timer);
        }
        stats.active--;
        sock.destroy();
        events.emit('end', sessionId);
      }
    };
    stops.add(stop);
    sock.once('close', stop);
    const notify = (p: Json) => sock.write(jsonPart({ type: 'notification', params: p }));
    sock.on('data', (chunk: Buffer) => {
      let parts: Part[];
      try {
        parts = reader.push(chunk);
      } catch {
        stop();
        return;
      }
      for (const p of parts) {
        const m = parse(p.body);
        const pp = isObj(m?.params) ? m.params : {};
        if (m?.type === 'notification' && pp.event_type === 'stream_sequence') {
          const n = Number(p.headers.get('x-data-received'));
          if (Number.isInteger(n) && n > acked) {
            acked = n;
            stats.acks++;
            events.emit('ack', n);
            if (!timer && !ended) {
              timer = setTimeout(tick, 0); // the window opened again
            }
          }
        } else if (m?.type === 'request' && pp.method === 'do' && pp.stop !== undefined) {
          stats.stops++;
          events.emit('stop');
          stop();
        }
      }
    });
    sock.write(jsonPart({ type: 'response', seq, params: { error_code: 0, session_id: sessionId } }));
    events.emit('session', mode);

    let clip: TsClip;
    let pieces: Piece[] = [];
    let pi = 0;
    let k = 0; // picture within the current piece
    let n = 0; // pictures sent in the session (the TS clock)
    const cc = new Map<number, number>();
    const speed = mode === 'download' ? (opts.downloadSpeed ?? 10) : (opts.playbackSpeed ?? 1);

    const tick = () => {
      timer = null;
      if (ended || sock.destroyed) {
        return;
      }
      if (sent - 1 - acked >= window) {
        return; // the window is full: wait for an ack
      }
      if (sock.writableLength > 4 * 1024 * 1024) {
        timer = setTimeout(tick, 20);
        return;
      }
      const piece = pieces[pi];
      if (!piece) {
        notify({ event_type: 'stream_status', status: 'finished' });
        return; // the client stops and closes
      }
      if (piece.seg.corrupt) {
        notify({ event_type: 'stream_finish', reason: 'internal_error' });
        return;
      }
      const at = piece.from + k;
      const readable = piece.seg.readable ?? 1;
      if (readable < 1 && at >= Math.floor((piece.seg.end - piece.seg.start + 1) * clip.fps * readable)) {
        stop(); // the rest of the file is not there: the camera drops the connection
        return;
      }
      const group = clip.groups[n % clip.groups.length];
      const plain = Buffer.concat(group.map((p) => carryOn(p, cc, Math.floor(n / clip.groups.length) * clip.duration)));
      let payload = keys.encrypt(plain);
      if (corrupt > 0) {
        corrupt--;
        stats.corruptedParts++;
        payload = payload.subarray(0, payload.length - 5);
      }
      sock.write(
        devicePart(
          {
            'Content-Type': 'video/mp2t',
            'X-If-Encrypt': '1',
            'X-Session-Id': sessionId,
            'X-Data-Sequence': String(sent),
            'X-Data-PTS': String(Math.round((piece.seg.start + at / clip.fps) * 1000)),
            'X-If-IFrame': at % Math.max(1, spec.gop) === 0 ? '1' : '0',
          },
          payload
        )
      );
      stats.parts++;
      stats.maxUnacked = Math.max(stats.maxUnacked, sent - acked);
      events.emit('part', sent);
      sent++;
      n++;
      k++;
      if (piece.from + k > piece.to) {
        pi++;
        k = 0;
      }
      timer = setTimeout(tick, 1000 / clip.fps / speed);
    };

    void loadTsClip(spec, caption, ffmpegPath).then(
      (c) => {
        clip = c;
        pieces = plan(mode, start, end, c.fps);
        timer = setTimeout(tick, 0);
      },
      () => stop()
    );
  }

  return {
    serve: session,
    stats: () => ({ ...stats }),
    holdSession: (yes) => void (held = yes),
    corruptParts: (n) => void (corrupt += n),
    events,
    stopAll: () => [...stops].forEach((st) => st()),
  };
}

export async function startPlaybackServer(opts: PlaybackServerOptions): Promise<PlaybackServer> {
  const username = opts.username ?? 'admin';
  const gate = digestGate({ username, password: opts.password, sha256: opts.sha256 ?? true });
  const service = await playbackService(opts);
  const sockets = new Set<net.Socket>();
  const counts = { connections: 0, challenges: 0, authFailures: 0 };
  const events = service.events;
  const server = net.createServer((sock) => {
    counts.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    let reader: PartReader | null = null;
    let keys: MediaKeys | null = null;
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!reader) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 16 * 1024) {
            sock.destroy();
          }
          return;
        }
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const m = /^POST (\/stream(?:\?\S*)?) HTTP\/1\.[01]$/.exec(lines[0]);
        if (!m) {
          sock.removeListener('data', onData);
          refuse(sock, '400 Bad Request');
          return;
        }
        const header = (name: string) =>
          lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.replace(/^[^:]*:\s*/, '');
        const auth = header('authorization');
        if (!auth || !gate.authorised(auth, m[1])) {
          sock.removeListener('data', onData);
          if (auth) {
            counts.authFailures++;
            events.emit('refused', 'auth');
          }
          counts.challenges++;
          gate.challenge(sock);
          return;
        }
        reader = new PartReader(boundaryOf(header('content-type'), CLIENT_BOUNDARY));
        keys = gate.mediaKeys();
        sock.write(keys.head);
        buf = buf.subarray(end + 4);
      }
      let parts: Part[];
      try {
        parts = reader.push(buf);
        buf = Buffer.alloc(0);
      } catch {
        sock.destroy();
        return;
      }
      if (parts.length > 0 && keys) {
        sock.removeListener('data', onData);
        service.serve(sock, parts[0], reader, keys);
      }
    };
    sock.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    host: opts.host,
    port: (server.address() as net.AddressInfo).port,
    events,
    stats: () => ({ ...service.stats(), ...counts }),
    holdSession: (yes) => service.holdSession(yes),
    corruptParts: (n) => service.corruptParts(n),
    close: () =>
      new Promise<void>((resolve) => {
        service.stopAll();
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

function parse(body: Buffer): { type?: unknown; seq?: unknown; params?: unknown } | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}
