/**
 * One push over HTTP, and what its answer means for the shipper: delivered, worth retrying (429,
 * 5xx, no answer in time, a broken connection, auth or address problems the owner can fix), or
 * refused for good (400, 413: the same body would be refused again). An error body is read only up
 * to a small bound and cleaned of control characters before it goes into a log line.
 */
import type { ShipAuth } from './options.ts';

export type PushResult =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status: number | null; retryAfterMs: number | null; reason: string };

export type Push = (body: string, signal: AbortSignal) => Promise<PushResult>;

export interface HttpPushOptions {
  url: string;
  auth: ShipAuth | null;
  /** X-Scope-OrgID, for a multi-tenant Loki. */
  tenant?: string | null;
  timeoutMs?: number;
  /** How much of an error body is read (the rest is discarded unread). */
  maxErrorBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_ERROR_BYTES = 1024;
/** Answers that the same body would get again. */
const REFUSED_FOR_GOOD = new Set([400, 413]);

export function httpPush(opts: HttpPushOptions): Push {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxErrorBytes = opts.maxErrorBytes ?? DEFAULT_MAX_ERROR_BYTES;
  // VictoriaLogs takes a JSON line's keys as fields and needs to be told which is the message;
  // Loki and Grafana Cloud ignore the header.
  const headers: Record<string, string> = { 'content-type': 'application/json', 'vl-msg-field': 'message' };
  if (opts.auth) {
    headers.authorization = opts.auth.header;
  }
  if (opts.tenant) {
    headers['x-scope-orgid'] = opts.tenant;
  }
  return async (body, signal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(opts.url, { method: 'POST', headers, body, signal: either(signal, timeout) });
    } catch (err) {
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : describeFailure(err);
      return { ok: false, retry: true, status: null, retryAfterMs: null, reason };
    }
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => {});
      return { ok: true, status: res.status };
    }
    let text: string;
    try {
      text = await readBounded(res, maxErrorBytes);
    } catch (err) {
      text = timeout.aborted ? `(body not read within ${timeoutMs} ms)` : `(body unreadable: ${describeFailure(err)})`;
    }
    return {
      ok: false,
      retry: !REFUSED_FOR_GOOD.has(res.status),
      status: res.status,
      retryAfterMs: retryAfter(res.headers.get('retry-after')),
      reason: `HTTP ${res.status}${text ? `: ${text}` : ''}`,
    };
  };
}

/** Aborts when either does (AbortSignal.any needs Node 20.3; the sidecar runs on any Node 20). */
function either(a: AbortSignal, b: AbortSignal): AbortSignal {
  const c = new AbortController();
  const abort = () => c.abort();
  for (const s of [a, b]) {
    if (s.aborted) {
      c.abort();
    }
    s.addEventListener('abort', abort, { once: true });
  }
  c.signal.addEventListener('abort', () => {
    a.removeEventListener('abort', abort);
    b.removeEventListener('abort', abort);
  });
  return c.signal;
}

/** The first `max` bytes of the body as clean text; the rest is cancelled, not downloaded. */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) {
    return '';
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let more = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    chunks.push(value);
    size += value.length;
    if (size > max) {
      more = true;
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const text = Buffer.concat(chunks)
    .subarray(0, max)
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f\ufffd]+/g, ' ')
    .trim();
  return more ? `${text}… (${max} of more bytes shown)` : text;
}

/** Retry-After in seconds or as a date; null when absent or unreadable. */
function retryAfter(value: string | null): number | null {
  if (!value) {
    return null;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value) * 1000;
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

function describeFailure(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const words = e.cause?.message ?? e.message ?? String(err);
  return e.cause?.code && !words.includes(e.cause.code) ? `${words} (${e.cause.code})` : words;
}
