/**
 * GET cameras/<id>/recordings/<start>-<end>.mp4: a recorded clip from the camera's SD card as one
 * MP4 file, for Editors and Admins, filled by the camera's fast `download` request. Where ffmpeg
 * runs (deps.faststart) it is a regular, progressive MP4 with its index in front (the pictures copied,
 * never re-encoded), which every player, editor and phone opens and seeks: the answer goes out once
 * the whole clip came and was remuxed. Without it, the fragmented MP4 (init segment + fragments)
 * goes out in pieces once the camera accepted. Busy, no card and the like are JSON errors with
 * words; a browser that goes away stops the camera's download either way.
 */
import { createReadStream } from 'node:fs';
import type { CallResourceRequest, CallResourceResponse } from '../grafana/protocol.ts';
import type { FaststartRemux } from '../media/faststart.ts';
import { MediaError } from '../media/types.ts';
import type { DatasourceDeps } from './deps.ts';
import { ClipPackager, clipProblem } from './playback.ts';

export const RECORDING_DOWNLOAD = /^cameras\/([A-Za-z0-9_\-.=]+)\/recordings\/(\d{1,11})-(\d{1,11})\.mp4$/;

const json = (code: number, body: unknown): CallResourceResponse => ({
  code,
  headers: { 'Content-Type': { values: ['application/json'] } },
  body: Buffer.from(JSON.stringify(body)),
});

/**
 * Pieces as they come, read once by the gRPC layer; nothing is kept after it was read. A reader
 * that stops early (the browser went away) stops the camera's download too.
 */
class Pieces implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private wake: (() => void) | null = null;
  private over = false;

  constructor(private readonly onAbandoned: () => void) {}

  push(b: Buffer): void {
    this.queue.push(Buffer.from(b));
    this.wake?.();
  }

  end(): void {
    this.over = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        if (this.queue.length) {
          yield Buffer.concat(this.queue.splice(0));
          continue;
        }
        if (this.over) {
          return;
        }
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
      }
    } finally {
      if (!this.over) {
        this.over = true;
        this.queue = [];
        this.onAbandoned();
      }
    }
  }
}

function httpCode(e: unknown): number {
  if (e instanceof MediaError) {
    switch (e.kind) {
      case 'stream_busy':
        return 409;
      case 'no_card':
      case 'not_found':
        return 404;
      case 'auth_failed':
      case 'unreachable':
        return 502;
    }
  }
  return 502;
}

export async function downloadRecording(
  deps: DatasourceDeps,
  req: CallResourceRequest,
  m: RegExpExecArray,
  mayDownload: (role: string) => boolean,
  signal?: AbortSignal
): Promise<CallResourceResponse> {
  if ((req.method || 'GET').toUpperCase() !== 'GET') {
    return json(405, { error: 'a recording download answers GET' });
  }
  const role = req.pluginContext?.user?.role ?? '';
  if (!mayDownload(role)) {
    return json(403, {
      error: `downloading a recording needs the Editor or Admin role (you are ${role || 'anonymous'})`,
    });
  }
  const [, id, s, e] = m;
  const cam = deps.fleet.camera(id);
  if (!cam) {
    return json(404, { error: `unknown camera "${id}"` });
  }
  if (!deps.recordings) {
    return json(501, { error: 'recordings are not available in this sidecar' });
  }
  const start = Number(s);
  const end = Number(e);
  const invalid = clipProblem(start, end);
  if (invalid) {
    return json(400, { error: invalid });
  }
  const when = new Date(start * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = `${id.replace(/[^A-Za-z0-9_-]/g, '_')}-${when}.mp4`;
  const headers = {
    'Content-Type': { values: ['video/mp4'] },
    'Content-Disposition': { values: [`attachment; filename="${file}"`] },
    'Cache-Control': { values: ['no-store'] },
  };
  const clip = { deps, id, name: cam.name, start, end, signal };
  let remux: FaststartRemux | null;
  try {
    remux = (await deps.faststart?.()) ?? null;
  } catch (err) {
    return json(500, { error: `ffmpeg cannot be started for the download: ${(err as Error).message}` });
  }
  return remux ? progressive(clip, remux, headers) : fragmented(clip, headers);
}

interface Clip {
  deps: DatasourceDeps;
  id: string;
  name: string;
  start: number;
  end: number;
  /** Aborted when the browser went away. */
  signal?: AbortSignal;
}
type Headers = CallResourceResponse['headers'];

/** An AbortController that follows the call's signal (the browser went away) too. */
function follow(signal?: AbortSignal): AbortController {
  const abort = new AbortController();
  if (signal?.aborted) {
    abort.abort();
  }
  signal?.addEventListener('abort', () => abort.abort(), { once: true, signal: abort.signal });
  return abort;
}

/** The fragmented MP4 in pieces as the camera sends them. */
async function fragmented(c: Clip, headers: Headers): Promise<CallResourceResponse> {
  const abort = follow(c.signal);
  const pieces = new Pieces(() => abort.abort());
  const packager = new ClipPackager(
    (packets) => packets.forEach((p) => pieces.push(p.data)),
    (problem) => {
      if (problem.error && !packager.completed) {
        c.deps.log.warn({ camera: c.id, error: problem.error }, 'recording download ended early');
      }
      pieces.end();
      abort.abort();
    }
  );
  try {
    await c.deps.recordings!.open(c.id, { start: c.start, end: c.end }, 'download', packager, abort.signal);
  } catch (err) {
    abort.abort();
    return json(httpCode(err), { error: `${c.name}: ${(err as Error).message}` });
  }
  return { code: 200, headers, body: Buffer.alloc(0), stream: pieces };
}

/** The whole clip through ffmpeg (`-c copy`, `+faststart`), then the file in pieces; removed once read. */
async function progressive(c: Clip, remux: FaststartRemux, headers: Headers): Promise<CallResourceResponse> {
  const abort = follow(c.signal);
  let pictures = 0;
  let over = false;
  let ended: (problem: string | null) => void = () => undefined;
  const finished = new Promise<string | null>((resolve) => (ended = resolve));
  const stop = (problem: string | null) => {
    if (!over) {
      over = true;
      ended(problem);
      abort.abort();
    }
  };
  abort.signal.addEventListener('abort', () => stop('the download was cancelled'), { once: true });
  const packager = new ClipPackager(
    (packets) => {
      for (const p of packets) {
        if (!over) {
          pictures += p.kind === 'fragment' ? 1 : 0;
          remux.write(p.data);
        }
      }
    },
    (problem) => stop(packager.completed ? null : problem.error)
  );
  try {
    await c.deps.recordings!.open(c.id, { start: c.start, end: c.end }, 'download', packager, abort.signal);
  } catch (err) {
    abort.abort();
    remux.remove();
    return json(httpCode(err), { error: `${c.name}: ${(err as Error).message}` });
  }
  const problem = await finished;
  if (c.signal?.aborted) {
    remux.remove();
    return json(499, { error: 'the download was cancelled' });
  }
  if (problem) {
    c.deps.log.warn({ camera: c.id, error: problem, pictures }, 'recording download ended early');
  }
  if (pictures === 0) {
    remux.remove();
    return json(502, { error: `${c.name}: the camera sent no pictures of the clip${problem ? ` (${problem})` : ''}` });
  }
  let made: { file: string; bytes: number };
  try {
    made = await remux.finish();
  } catch (err) {
    c.deps.log.warn({ camera: c.id, error: (err as Error).message }, 'recording download: remux failed');
    return json(502, { error: `${c.name}: ${(err as Error).message}` });
  }
  return {
    code: 200,
    headers: { ...headers, 'Content-Length': { values: [String(made.bytes)] } },
    body: Buffer.alloc(0),
    stream: fileChunks(made.file, () => remux.remove()),
  };
}

/** A file's bytes in pieces; `done` runs once it was read or the reader stopped (the browser left). */
async function* fileChunks(file: string, done: () => void): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      yield chunk as Buffer;
    }
  } finally {
    done();
  }
}
