/**
 * GET cameras/<id>/recordings/<start>-<end>.mp4: a recorded clip from the camera's SD card as one
 * MP4 file (init segment + fragments, which players and editors open), for Editors and Admins. The
 * camera's fast `download` request fills it; the answer's head goes out once the camera accepted
 * (busy, no card and the like are JSON errors with words), and the body follows in pieces.
 */
import type { CallResourceRequest, CallResourceResponse } from '../grafana/protocol.ts';
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
  mayDownload: (role: string) => boolean
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
  const abort = new AbortController();
  const pieces = new Pieces(() => abort.abort());
  const packager = new ClipPackager(
    (packets) => packets.forEach((p) => pieces.push(p.data)),
    (problem) => {
      if (problem.error && !packager.completed) {
        deps.log.warn({ camera: id, error: problem.error }, 'recording download ended early');
      }
      pieces.end();
      abort.abort();
    }
  );
  try {
    await deps.recordings.open(id, { start, end }, 'download', packager, abort.signal);
  } catch (err) {
    return json(httpCode(err), { error: `${cam.name}: ${(err as Error).message}` });
  }
  const when = new Date(start * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = `${id.replace(/[^A-Za-z0-9_-]/g, '_')}-${when}.mp4`;
  return {
    code: 200,
    headers: {
      'Content-Type': { values: ['video/mp4'] },
      'Content-Disposition': { values: [`attachment; filename="${file}"`] },
      'Cache-Control': { values: ['no-store'] },
    },
    body: Buffer.alloc(0),
    stream: pieces,
  };
}
