/** The older firmware's session: plain JSON to /stok=…/ds, no Seq, no tag. */
import { checkSessionReply, type Session } from './session.ts';
import type { Transport } from './transport.ts';

export class LegacySession implements Session {
  readonly flow = 'legacy' as const;
  constructor(
    private readonly transport: Transport,
    private readonly stok: string
  ) {}

  async call(request: { method: string; params?: unknown }): Promise<unknown> {
    const reply = await this.transport.post(`/stok=${this.stok}/ds`, JSON.stringify(request));
    return checkSessionReply(reply, request.method);
  }
}
