/**
 * A securePassthrough session: every request is AES-wrapped, carries Seq and Tapo_tag, and
 * advances the sequence number. The body is serialised once so the tag covers the exact bytes.
 */
import { encrypt, decrypt, tapoTag, type SessionKeys } from './crypto.ts';
import { TapoError } from './errors.ts';
import { isObject, parseJson } from './decode.ts';
import { checkSessionReply, SessionExpired, type Session } from './session.ts';
import type { Transport } from './transport.ts';

export interface SecureSessionParams {
  stok: string;
  keys: SessionKeys;
  tagPrefix: string;
  startSeq: number;
}

export class SecureSession implements Session {
  readonly flow = 'secure' as const;
  private seq: number;

  constructor(
    private readonly transport: Transport,
    private readonly p: SecureSessionParams
  ) {
    this.seq = p.startSeq;
  }

  async call(request: { method: string; params?: unknown }): Promise<unknown> {
    const inner = Buffer.from(JSON.stringify(request), 'utf8');
    const body = JSON.stringify({
      method: 'securePassthrough',
      params: { request: encrypt(this.p.keys, inner).toString('base64') },
    });
    const seq = this.seq;
    this.seq += 1;
    const reply = await this.transport.post(`/stok=${this.p.stok}/ds`, body, {
      Seq: String(seq),
      Tapo_tag: tapoTag(this.p.tagPrefix, body, seq),
    });
    const outer = checkSessionReply(reply, request.method);
    const result = isObject(outer) && isObject(outer.result) ? outer.result : null;
    const wrapped = result?.response;
    if (wrapped === undefined) {
      return outer;
    } // some replies come back unencrypted
    if (typeof wrapped !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(wrapped)) {
      throw new TapoError('protocol', `${request.method}: encrypted response is not base64`, {
        method: request.method,
      });
    }
    let plain: Buffer;
    try {
      plain = decrypt(this.p.keys, Buffer.from(wrapped, 'base64'));
    } catch {
      // Wrong keys (a newer session replaced ours) show up as a padding error.
      throw new SessionExpired('padding error');
    }
    return parseJson(plain, request.method);
  }
}
