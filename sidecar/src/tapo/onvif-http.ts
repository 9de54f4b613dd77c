/**
 * Plain-HTTP POSTs to one camera's ONVIF services over kept-alive sockets. The PullMessages loop
 * asks again as soon as an answer comes, so one socket carries the whole loop instead of a new
 * connection (and its handshake and buffers) per pull. Nothing is added to a socket per request:
 * listeners go on the request and its response, which end with it.
 */
import http from 'node:http';

export interface OnvifReply {
  status: number;
  text: string;
}

/** A transport failure: `code` is the socket's error code ('ECONNREFUSED'...) or 'ABORTED' / 'TOO_LARGE'. */
export class OnvifHttpError extends Error {
  override name = 'OnvifHttpError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number
  ) {
    super(message);
  }
}

/** A kept-alive socket the camera had closed meanwhile: the request never reached it. */
class StaleSocket extends Error {}

export class OnvifHttp {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2, maxFreeSockets: 2 });

  constructor(private readonly maxResponseBytes: number) {}

  /** POST `body` to `url`; one retry when a kept-alive socket turns out to be closed. */
  async post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<OnvifReply> {
    try {
      return await this.once(url, headers, body, signal);
    } catch (e) {
      if (e instanceof StaleSocket) {
        return this.once(url, headers, body, signal);
      }
      throw e;
    }
  }

  /** Closes the kept sockets (requests still running are aborted by their signals). */
  close(): void {
    this.agent.destroy();
  }

  private once(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<OnvifReply> {
    const payload = Buffer.from(body, 'utf8');
    return new Promise<OnvifReply>((resolve, reject) => {
      if (signal.aborted) {
        reject(new OnvifHttpError('ABORTED', 'aborted'));
        return;
      }
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          fn();
        }
      };
      const req = http.request(url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'Content-Length': String(payload.length) },
      });
      const onAbort = () => {
        settle(() => reject(new OnvifHttpError('ABORTED', 'aborted')));
        req.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const len = Number(res.headers['content-length'] ?? 0);
        if (len > this.maxResponseBytes) {
          settle(() => reject(new OnvifHttpError('TOO_LARGE', `answer too large (${len} bytes)`, status)));
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxResponseBytes) {
            settle(() => reject(new OnvifHttpError('TOO_LARGE', `answer too large (over ${size} bytes)`, status)));
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => settle(() => resolve({ status, text: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', (err) => settle(() => reject(new OnvifHttpError(codeOf(err), 'the answer broke off'))));
        res.on('aborted', () => settle(() => reject(new OnvifHttpError('ECONNRESET', 'the answer broke off'))));
      });
      req.on('error', (err) => {
        const code = codeOf(err);
        const stale = req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
        settle(() => reject(stale ? new StaleSocket() : new OnvifHttpError(code, err.message)));
      });
      req.end(payload);
    });
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z_0-9]+$/.test(code) ? code : 'ERROR';
}
