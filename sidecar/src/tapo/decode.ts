/**
 * Defensive decoding of camera replies. Everything a camera sends is untrusted: any shape problem
 * becomes a TapoError('protocol') whose message names only our own expectations (schema paths,
 * byte counts) — never the received text, which may echo secrets.
 */
import { z } from 'zod';
import { TapoError } from './errors.ts';
import type { SubResponse } from './types.ts';

export function parseJson(body: Buffer | string, what: string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new TapoError('protocol', `${what}: camera sent invalid JSON (${Buffer.byteLength(text)} bytes)`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** error_code as a number (cameras send numbers; tolerate numeric strings); 0 when absent. */
export function errorCodeOf(v: unknown): number {
  if (!isObject(v)) {
    return 0;
  }
  const c = v.error_code;
  if (typeof c === 'number' && Number.isInteger(c)) {
    return c;
  }
  if (typeof c === 'string' && /^-?\d{1,9}$/.test(c)) {
    return Number(c);
  }
  return 0;
}

function numberish(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) {
    return Number(v);
  }
  return null;
}

/** Seconds of a login suspension wherever firmware puts it (error_info, data, result.data); 0 if none. */
export function secondsLeftOf(v: unknown): number {
  if (!isObject(v)) {
    return 0;
  }
  const result = isObject(v.result) ? v.result : {};
  for (const holder of [v.error_info, v.data, result.data]) {
    if (isObject(holder)) {
      const s = numberish(holder.sec_left);
      if (s !== null && s > 0) {
        return Math.min(Math.ceil(s), 7 * 24 * 3600);
      }
    }
  }
  return 0;
}

/**
 * Login attempts the camera says remain, or null when it does not say: TPAP's
 * `error_info.remainAttempts`, or V3's `time` beside `max_time` (in data or result.data).
 */
export function attemptsLeftOf(v: unknown): number | null {
  if (!isObject(v)) {
    return null;
  }
  const result = isObject(v.result) ? v.result : {};
  const fromInfo = isObject(v.error_info) ? numberish(v.error_info.remainAttempts) : null;
  const counted = [v.data, result.data].find((h) => isObject(h) && numberish(h.max_time) !== null);
  const left = fromInfo ?? (isObject(counted) ? numberish(counted.time) : null);
  return left !== null && Number.isInteger(left) && left >= 0 ? Math.min(left, 1000) : null;
}

/** The code inside result.data (used for 401 -40411 answers). */
export function dataCodeOf(v: unknown): number | null {
  if (!isObject(v)) {
    return null;
  }
  const result = isObject(v.result) ? v.result : null;
  const holders = [result && isObject(result.data) ? result.data : null, isObject(v.data) ? v.data : null];
  for (const h of holders) {
    if (h) {
      const c = numberish(h.code);
      if (c !== null && Number.isInteger(c)) {
        return c;
      }
    }
  }
  return null;
}

function describeIssues(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) {
    return 'unexpected shape';
  }
  const path = first.path
    .map((p) =>
      typeof p === 'number'
        ? `[${p}]`
        : String(p)
            .replace(/[^\w-]/g, '?')
            .slice(0, 40)
    )
    .join('.');
  return `unexpected shape at ${path || '(root)'}`;
}

/** Validate with zod; failures become protocol errors naming only the schema path. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, method: string): T {
  const r = schema.safeParse(value);
  if (r.success) {
    return r.data;
  }
  throw new TapoError('protocol', `${method}: ${describeIssues(r.error)}`, { method });
}

const subResponse = z.object({
  method: z.string().max(200).optional(),
  result: z.unknown().optional(),
  error_code: z.union([z.number(), z.string()]).optional(),
});

const multipleEnvelope = z.object({
  result: z.object({ responses: z.array(subResponse).max(200) }),
});

/** Decode a multipleRequest reply into one entry per request, in request order. */
export function decodeMultiple(reply: unknown, requested: string[]): SubResponse[] {
  const env = validate(multipleEnvelope, reply, 'multipleRequest');
  const out: SubResponse[] = [];
  const used = new Set<number>();
  for (let i = 0; i < requested.length; i++) {
    const method = requested[i]!;
    // Match by method name in order (firmware keeps the order; names guard against surprises).
    let idx = env.result.responses.findIndex((r, j) => !used.has(j) && (r.method ?? method) === method);
    if (idx < 0) {
      out.push({ method, errorCode: -40210, result: undefined });
      continue;
    }
    used.add(idx);
    const r = env.result.responses[idx]!;
    out.push({ method, errorCode: errorCodeOf(r), result: r.result });
  }
  return out;
}

const UNITS: Record<string, number> = {
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
};

/** "29.7GB" / "512MB" / "0B" / "123456" → bytes; null when unreadable. */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
    return Math.round(v);
  }
  if (typeof v !== 'string' || v.length > 40) {
    return null;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B?|[KMGT])\s*$/i.exec(v);
  if (!m) {
    return null;
  }
  const unit = (m[2] ?? '').toUpperCase() || 'B';
  const mult = UNITS[unit];
  if (mult === undefined) {
    return null;
  }
  return Math.round(Number(m[1]) * mult);
}

export { numberish };
