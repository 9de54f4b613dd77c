/**
 * The two ways of sending a request to a hub's child (hub fact sheet §4): (A) one controlChild
 * holding a multipleRequest, answers matched by method; (B) one controlChild per method, answers
 * matched by the section their result echoes, since every entry is named "controlChild" and hubs
 * may answer out of order.
 */
import { decodeMultiple, errorCodeOf, isObject } from '../decode.ts';
import type { SubRequest, SubResponse } from '../types.ts';

export type ChildWrapping = 'multi' | 'perMethod';

function controlChild(deviceId: string, requestData: SubRequest): SubRequest {
  return { method: 'controlChild', params: { childControl: { device_id: deviceId, request_data: requestData } } };
}

/** (A): one controlChild; the child's multipleRequest inside. */
export function wrapMulti(deviceId: string, requests: SubRequest[]): SubRequest {
  return controlChild(deviceId, { method: 'multipleRequest', params: { requests } });
}

/** What the hub itself said about a controlChild: relayed (with response_data) or refused. */
export interface Relayed {
  /** The hub's own error_code for the controlChild entry (non-zero: not relayed). */
  hubCode: number;
  /** response_data.error_code: the child's outcome (non-zero: the child did not answer). */
  childCode: number;
  result: unknown;
}

export function relayed(sub: SubResponse): Relayed {
  if (sub.errorCode !== 0) {
    return { hubCode: sub.errorCode, childCode: 0, result: undefined };
  }
  const r = isObject(sub.result) ? sub.result : {};
  // pytapo takes result.response_data, or result itself when response_data is missing.
  const rd = isObject(r.response_data) ? r.response_data : r;
  return { hubCode: 0, childCode: errorCodeOf(rd), result: rd.result };
}

/** (A)'s answer, one entry per request in request order (matched by method). */
export function unwrapMulti(rel: Relayed, requests: SubRequest[]): SubResponse[] {
  return decodeMultiple(
    { result: rel.result },
    requests.map((r) => r.method)
  );
}

/** The first key of a request's params: the section a successful result echoes (`device_info`, `system`, ...). */
export function sectionOf(r: SubRequest): string | null {
  return isObject(r.params) ? (Object.keys(r.params)[0] ?? null) : null;
}

/**
 * (B): batches of controlChild entries whose sections are distinct, so each answer can be
 * matched to its request whatever order the hub answers in.
 */
export function wrapPerMethod(
  deviceId: string,
  requests: SubRequest[]
): Array<{ batch: SubRequest[]; sent: SubRequest[] }> {
  const batches: SubRequest[][] = [];
  for (const r of requests) {
    const s = sectionOf(r);
    const free = batches.find((b) => s !== null && !b.some((x) => sectionOf(x) === s));
    if (free) {
      free.push(r);
    } else {
      batches.push([r]);
    }
  }
  return batches.map((b) => ({ sent: b, batch: b.map((r) => controlChild(deviceId, r)) }));
}

/**
 * (B)'s answers for one batch, in request order. Results are matched by their section; failed
 * answers carry no result, so they are given to the unmatched requests in the order they came
 * (exact when at most one request of the batch failed).
 */
export function unwrapPerMethod(answers: Relayed[], sent: SubRequest[]): Array<SubResponse & { hubCode: number }> {
  const out: Array<(SubResponse & { hubCode: number }) | null> = sent.map(() => null);
  const failed: Relayed[] = [];
  for (const a of answers) {
    const keys = a.hubCode === 0 && a.childCode === 0 && isObject(a.result) ? Object.keys(a.result) : [];
    const i = sent.findIndex((r, j) => out[j] === null && keys.includes(sectionOf(r) ?? '\u0000'));
    if (i >= 0) {
      out[i] = { method: sent[i]!.method, errorCode: 0, result: a.result, hubCode: 0 };
    } else {
      failed.push(a);
    }
  }
  return out.map((o, j) => {
    if (o) {
      return o;
    }
    const f = failed.shift();
    return {
      method: sent[j]!.method,
      errorCode: f ? (f.hubCode !== 0 ? f.hubCode : f.childCode) : -40210,
      result: f?.childCode === 0 && f.hubCode === 0 ? f.result : undefined,
      hubCode: f?.hubCode ?? 0,
    };
  });
}
