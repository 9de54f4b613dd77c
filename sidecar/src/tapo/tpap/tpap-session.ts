/**
 * A TPAP session (fact sheet §8, §9): every request is a multipleRequest sealed with AES-128-CCM
 * under the next sequence number and posted raw to /stok=<stok>/ds. A plaintext refusal, a reply
 * that does not open, a reply for another seq or the end of the session's lifetime all end the
 * session (SessionExpired: the client logs in once more and retries once).
 */
import { TapoError } from '../errors.ts';
import { isObject, parseJson } from '../decode.ts';
import { SessionExpired, type Session } from '../session.ts';
import type { Transport } from '../transport.ts';
import type { ChannelKeys } from './key-schedule.ts';
import { seal, open, plaintextRefusal } from './ccm-channel.ts';

/** Refusals after which the session is gone (§9.2, §9.6). */
const SESSION_DEAD = new Set([-40401, -40421, -2203]);

export interface TpapSessionParams {
  stok: string;
  keys: ChannelKeys;
  startSeq: number;
  /** Epoch ms at which the camera said the session ends. */
  expiresAt: number;
  /** The app's request headers (Referer, User-Agent, requestByApp). */
  headers: Record<string, string>;
  now?: () => number;
}

export class TpapSession implements Session {
  readonly flow = 'tpap' as const;
  private seq: number;
  private readonly renewAt: number;
  private readonly now: () => number;

  constructor(
    private readonly transport: Transport,
    private readonly p: TpapSessionParams
  ) {
    this.seq = p.startSeq;
    this.now = p.now ?? Date.now;
    // Log in again a little before the camera ends the session (60 s, or a tenth of a short one).
    const now = this.now();
    this.renewAt = p.expiresAt - Math.min(60_000, Math.max(0, p.expiresAt - now) / 10);
  }

  /** The sequence number the next request will carry. */
  get nextSeq(): number {
    return this.seq;
  }

  async call(request: { method: string; params?: unknown }): Promise<unknown> {
    if (this.now() >= this.renewAt) {
      throw new SessionExpired('session lifetime over');
    }
    // Cameras take only multipleRequest on this channel (§8.1): wrap a bare call, unwrap its answer.
    const bare = request.method !== 'multipleRequest';
    const outer = bare
      ? { method: 'multipleRequest', params: { requests: [{ method: request.method, params: request.params ?? {} }] } }
      : { method: request.method, params: request.params };
    const json = await this.send(outer, request.method);
    if (!bare) {
      return json;
    }
    const first =
      isObject(json) && isObject(json.result) && Array.isArray(json.result.responses)
        ? (json.result.responses[0] as unknown)
        : undefined;
    return isObject(first) ? { error_code: first.error_code, result: first.result } : json;
  }

  /** Seal `body` as it is under the next seq, post it, and open the reply. */
  async send(body: unknown, what = 'request'): Promise<unknown> {
    const request = { method: what };
    const outer = body;
    const seq = this.seq;
    // A seq is used up even when its request fails (§8.2).
    this.seq = (seq + 1) >>> 0;
    const reply = await this.transport.post(
      `/stok=${this.p.stok}/ds`,
      seal(this.p.keys, seq, Buffer.from(JSON.stringify(outer), 'utf8')),
      { ...this.p.headers, 'Content-Type': 'application/octet-stream', Accept: 'application/octet-stream' }
    );
    if (reply.status === 500) {
      throw new SessionExpired('HTTP 500');
    }
    if (reply.status !== 200) {
      throw new TapoError('protocol', `${request.method}: camera answered HTTP ${reply.status}`, {
        method: request.method,
        httpStatus: reply.status,
      });
    }
    const refusal = plaintextRefusal(reply.body);
    if (refusal !== null) {
      if (SESSION_DEAD.has(refusal)) {
        throw new SessionExpired('session refused', refusal);
      }
      throw new TapoError('protocol', `${request.method}: camera refused the request (code ${refusal})`, {
        code: refusal,
        method: request.method,
      });
    }
    const opened = open(this.p.keys, reply.body);
    if (opened === null) {
      throw new SessionExpired(`reply does not verify (${reply.body.length} bytes)`);
    }
    if (opened.seq !== seq >>> 0) {
      throw new SessionExpired('reply carries another sequence number');
    }
    return parseJson(opened.plaintext, request.method);
  }
}
