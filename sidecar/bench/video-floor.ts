/**
 * The video transport floor (a bench tool, its own process): what any Node sidecar must spend to
 * carry the cameras' video to Grafana, with nothing of ours in between. Per camera a bare RTSP/TCP
 * client (DESCRIBE, SETUP interleaved, PLAY, Digest auth) that only walks the interleaved `$`
 * frames, sums each picture's RTP payload bytes and, at the marker bit, sends ONE gRPC message
 * (pluginv2.Stream/RunStream, grpc-js's own serializer) as large as our Live packet for that
 * picture would be: the fMP4 in base64 plus ~300 bytes of frame JSON, sliced from a preallocated
 * buffer of zeros (no depacketising, no packaging, no per-picture copy of ours).
 *
 * Usage: node --import tsx bench/video-floor.ts '<cameras JSON>' (or the JSON on stdin), cameras as
 * [{ id, host, rtspPort, username, password, path }]. Prints {"grpc":"127.0.0.1:PORT"} once every
 * camera has sent a whole picture; RunStream on camera/<id>/video/main gets that camera's pictures until cancelled.
 * A camera that fails ends the process (exit 1) with a message on stderr that names no password.
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir } from '../src/grafana/protocol.ts';
import { SERVER_OPTIONS } from '../src/grafana/server.ts';
import { authorization, parseChallenges, type Challenge } from '../src/media/rtsp/auth.ts';

export interface FloorCamera {
  id: string;
  host: string;
  rtspPort: number;
  username: string;
  password: string;
  path: string;
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

const TIMEOUT_MS = 10_000;
/** The frame JSON around the fMP4's base64 in our Live packets (schema-less rows). */
const JSON_OVERHEAD = 300;

/** Zeros to slice the messages from; grown (once, rarely) for a larger picture. */
let zeros = Buffer.alloc(1 << 20);
function payload(pictureBytes: number): Buffer {
  const n = Math.ceil((pictureBytes * 4) / 3) + JSON_OVERHEAD;
  if (n > zeros.length) {
    zeros = Buffer.alloc(n * 2);
  }
  return zeros.subarray(0, n);
}

const watchers = new Map<string, Set<grpc.ServerWritableStream<unknown, { data: Buffer }>>>();
/** Per camera: sends TEARDOWN and closes the connection (the camera frees the session at once). */
const stops: Array<() => Promise<void>> = [];
let stopping = false;

function fail(cam: FloorCamera, what: string): void {
  if (stopping) {
    return;
  }
  process.stderr.write(`video-floor: camera ${cam.id} (rtsp://${cam.host}:${cam.rtspPort}/${cam.path}): ${what}\n`);
  process.exit(1);
}

/** One camera's RTSP session: resolves once its first picture came; the pictures go to its watchers. */
function play(cam: FloorCamera): Promise<void> {
  const url = `rtsp://${cam.host}:${cam.rtspPort}/${cam.path}`;
  const listeners = new Set<grpc.ServerWritableStream<unknown, { data: Buffer }>>();
  watchers.set(cam.id, listeners);
  // Reads land in one reused buffer, as the sidecar's do: a new buffer per read would be garbage
  // the floor need not make.
  const readBuffer = Buffer.allocUnsafe(128 * 1024);
  const sock = net.connect({
    host: cam.host,
    port: cam.rtspPort,
    onread: {
      buffer: readBuffer,
      callback: (n: number) => {
        onChunk(readBuffer.subarray(0, n));
        return true;
      },
    },
  });
  sock.setNoDelay(true);
  let cseq = 0;
  let challenge: Challenge | null = null;
  let nonceUses = 0;
  let session: string | null = null;
  let rtpChannel = 0;
  let waiting: ((a: Answer) => void) | null = null;
  let pictureBytes = 0;
  /** Set until the camera's first whole picture has come (then play() resolves). */
  let firstPicture: (() => void) | null = null;
  /** An interleaved frame or answer cut by the end of the previous chunk. */
  let head: Buffer | null = null;

  const onRtp = (b: Buffer, p: number, len: number) => {
    if (len < 12) {
      return;
    }
    const b0 = b[p];
    let hdr = 12 + 4 * (b0 & 0x0f);
    if (b0 & 0x10 && len >= hdr + 4) {
      hdr += 4 + 4 * b.readUInt16BE(p + hdr + 2);
    }
    const pad = b0 & 0x20 ? b[p + len - 1] : 0;
    pictureBytes += Math.max(0, len - hdr - pad);
    if (b[p + 1] & 0x80) {
      firstPicture?.();
      firstPicture = null;
      const message = { data: payload(pictureBytes) };
      pictureBytes = 0;
      for (const call of listeners) {
        call.write(message);
      }
    }
  };

  /** Walks whole units from `off`; returns where an incomplete one begins. */
  const walk = (b: Buffer, off: number): number => {
    while (off < b.length) {
      if (b[off] === 0x24) {
        if (off + 4 > b.length) {
          return off;
        }
        const len = b.readUInt16BE(off + 2);
        if (off + 4 + len > b.length) {
          return off;
        }
        if (b[off + 1] === rtpChannel) {
          onRtp(b, off + 4, len);
        }
        off += 4 + len;
        continue;
      }
      const end = b.indexOf('\r\n\r\n', off, 'latin1');
      if (end < 0) {
        if (b.length - off > 64 * 1024) {
          fail(cam, 'an answer header larger than 64 KiB');
        }
        return off;
      }
      const lines = b.toString('latin1', off, end).split('\r\n');
      const status = Number(/^RTSP\/\d\.\d (\d{3})/.exec(lines[0])?.[1]);
      if (!status) {
        fail(cam, 'bytes that are neither RTSP nor interleaved RTP');
      }
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim().toLowerCase();
        // WWW-Authenticate may come more than once: keep the Digest one.
        if (i > 0 && !(headers.has(k) && k === 'www-authenticate' && !/^digest/i.test(line.slice(i + 1).trim()))) {
          headers.set(k, line.slice(i + 1).trim());
        }
      }
      const bodyLen = Number(headers.get('content-length') ?? 0);
      if (end + 4 + bodyLen > b.length) {
        return off;
      }
      const answer = { status, headers, body: b.toString('utf8', end + 4, end + 4 + bodyLen) };
      off = end + 4 + bodyLen;
      const w = waiting;
      waiting = null;
      w?.(answer);
    }
    return off;
  };

  const onChunk = (chunk: Buffer): void => {
    let off = 0;
    // Complete a frame cut by the previous chunk from this one's head (copying that frame only).
    while (head && head[0] === 0x24 && off < chunk.length) {
      const need = head.length < 4 ? 4 - head.length : 4 + head.readUInt16BE(2) - head.length;
      const take = Math.min(need, chunk.length - off);
      head = Buffer.concat([head, chunk.subarray(off, off + take)]);
      off += take;
      const rest = walk(head, 0);
      head = rest < head.length ? head.subarray(rest) : null;
    }
    if (off >= chunk.length) {
      return;
    }
    let b = chunk.subarray(off);
    if (head) {
      b = Buffer.concat([head, b]); // an answer's text: rare (keep-alives)
      head = null;
    }
    const rest = walk(b, 0);
    // A frame cut by the read's end: keep a copy, as the read buffer is about to be reused.
    head = rest < b.length ? Buffer.from(b.subarray(rest)) : null;
  };

  const request = (method: string, uri: string, extra: Record<string, string> = {}): Promise<Answer> =>
    new Promise<Answer>((resolve) => {
      const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++cseq}`, 'User-Agent: TapoCameras-video-floor'];
      if (challenge) {
        lines.push(`Authorization: ${authorization(challenge, cam, method, uri, ++nonceUses)}`);
      }
      if (session) {
        lines.push(`Session: ${session}`);
      }
      for (const [k, v] of Object.entries(extra)) {
        lines.push(`${k}: ${v}`);
      }
      const timer = setTimeout(() => fail(cam, `no answer to ${method} within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
      waiting = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
      sock.write(lines.join('\r\n') + '\r\n\r\n');
    });

  const authed = async (method: string, uri: string, extra: Record<string, string> = {}): Promise<Answer> => {
    let a = await request(method, uri, extra);
    if (a.status === 401 && challenge === null) {
      challenge = parseChallenges([a.headers.get('www-authenticate') ?? ''])[0] ?? null;
      if (challenge) {
        a = await request(method, uri, extra);
      }
    }
    if (a.status !== 200) {
      fail(cam, `${method} answered ${a.status}${a.status === 401 ? ' (the camera account was refused)' : ''}`);
    }
    return a;
  };

  sock.on('error', (err: NodeJS.ErrnoException) => fail(cam, `connection error ${err.code ?? err.message}`));
  sock.on('close', () => fail(cam, 'the camera closed the connection'));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        if (sock.destroyed) {
          return resolve();
        }
        sock.once('close', () => resolve());
        const lines = [`TEARDOWN ${url} RTSP/1.0`, `CSeq: ${++cseq}`];
        if (challenge) {
          lines.push(`Authorization: ${authorization(challenge, cam, 'TEARDOWN', url, ++nonceUses)}`);
        }
        if (session) {
          lines.push(`Session: ${session}`);
        }
        sock.end(lines.join('\r\n') + '\r\n\r\n');
        setTimeout(() => sock.destroy(), 1000).unref();
      })
  );
  return new Promise<void>((resolve) => {
    sock.once('connect', () => {
      void (async () => {
        const describe = await authed('DESCRIBE', url, { Accept: 'application/sdp' });
        const base = describe.headers.get('content-base') ?? `${url}/`;
        // The video track's control: the last a=control (the session-level one comes first).
        const video = describe.body.slice(describe.body.indexOf('m=video'));
        const control = /a=control:(\S+)/.exec(video)?.[1] ?? '*';
        const track = /^rtsp:/i.test(control) ? control : control === '*' ? base : new URL(control, base).toString();
        const setup = await authed('SETUP', track, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
        const [id, ...params] = (setup.headers.get('session') ?? '').split(';');
        if (!id) {
          fail(cam, 'SETUP answered without a session');
        }
        session = id.trim();
        rtpChannel = Number(/interleaved=(\d+)/.exec(setup.headers.get('transport') ?? '')?.[1] ?? 0);
        await authed('PLAY', base, { Range: 'npt=0.000-' });
        const timeout = Number(/timeout=(\d+)/i.exec(params.join(';'))?.[1] ?? 60);
        // Keep-alives well within the session timeout; their answers are walked like the frames.
        setInterval(() => void request('GET_PARAMETER', url), (timeout * 1000) / 2).unref();
        const timer = setTimeout(() => fail(cam, `no picture within ${TIMEOUT_MS / 1000} s of PLAY`), TIMEOUT_MS);
        firstPicture = () => {
          clearTimeout(timer);
          resolve();
        };
      })().catch((err: unknown) => fail(cam, (err as Error)?.message ?? String(err)));
    });
  });
}

async function readCameras(): Promise<FloorCamera[]> {
  let text = process.argv[2];
  if (!text) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) {
      chunks.push(c as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  const cams = JSON.parse(text) as FloorCamera[];
  if (!Array.isArray(cams) || cams.some((c) => !c.id || !c.host || !c.rtspPort)) {
    throw new Error('expected [{ id, host, rtspPort, username, password, path }]');
  }
  return cams.map((c) => ({ ...c, path: c.path || 'stream1' }));
}

async function main(): Promise<void> {
  const cams = await readCameras();
  const def = protoLoader.loadSync(['pluginv2.proto'], {
    includeDirs: [protoDir()],
    keepCase: true,
    longs: Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const server = new grpc.Server(SERVER_OPTIONS); // the sidecar's
  server.addService(pkg.pluginv2.Stream.service as grpc.ServiceDefinition, {
    RunStream: (call: grpc.ServerWritableStream<{ path: string }, { data: Buffer }>) => {
      const id = /^camera\/([^/]+)\/video\/main$/.exec(call.request.path)?.[1];
      const set = id === undefined ? undefined : watchers.get(id);
      if (!set) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `no camera for ${call.request.path}` });
        return;
      }
      set.add(call);
      const off = () => set.delete(call);
      call.on('cancelled', off);
      call.on('error', off);
      call.on('close', off);
    },
  });
  await Promise.all(cams.map(play));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p)
    )
  );
  process.stdout.write(`${JSON.stringify({ grpc: `127.0.0.1:${port}` })}\n`);
  // A clean stop: TEARDOWN every session (the simulator serves 2 per stream; the sidecar's come next).
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      stopping = true;
      server.forceShutdown();
      void Promise.all(stops.map((s) => s())).then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`video-floor: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
