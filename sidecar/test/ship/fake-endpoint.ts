/**
 * A fake Loki push endpoint on loopback that answers each push as told: delivered (204), 500 or
 * 429 (with Retry-After), garbage that is not HTTP, no answer at all, a huge error body, 400, or
 * "accepted but answered 500" (a lost acknowledgement, which makes the shipper send a duplicate).
 * It keeps the ids of every line it accepted, duplicates included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = 'ok' | '500' | '429' | 'garbage' | 'slow' | 'huge' | '400' | 'lost-ack';

export interface Push {
  authorization: string | undefined;
  ids: string[];
  streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;
}

export const HUGE_BYTES = 64 * 2 ** 20;

export async function fakeEndpoint(answer: (body: Push) => Answer) {
  const accepted: string[] = [];
  const pushes: Push[] = [];
  const held: ServerResponse[] = [];
  const listeners = new Set<() => void>();
  let hugeWritten = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) {
      chunks.push(c as Buffer);
    }
    const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { streams: Push['streams'] };
    const push: Push = {
      authorization: req.headers.authorization,
      streams: json.streams,
      ids: json.streams.flatMap((s) => s.values.map((v) => (JSON.parse(v[1]) as { id: string }).id)),
    };
    pushes.push(push);
    const a = answer(push);
    if (a === 'ok' || a === 'lost-ack') {
      accepted.push(...push.ids);
    }
    switch (a) {
      case 'ok':
        res.writeHead(204).end();
        break;
      case '500':
      case 'lost-ack':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        break;
      case '429':
        res.writeHead(429, { 'retry-after': '5' }).end('too many requests');
        break;
      case '400':
        res.writeHead(400).end('entry too far behind');
        break;
      case 'garbage':
        req.socket.end('SMTP READY \u0000\u0001 not http at all\r\n\r\n');
        break;
      case 'slow':
        held.push(res);
        break;
      case 'huge': {
        res.writeHead(503, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(2 ** 20, 'x\u0007');
        const more = () => {
          while (hugeWritten < HUGE_BYTES && !res.destroyed) {
            hugeWritten += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', more);
              return;
            }
          }
          res.end();
        };
        more();
        break;
      }
    }
    for (const l of listeners) {
      l();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/loki/api/v1/push`,
    accepted,
    pushes,
    hugeWritten: () => hugeWritten,
    /** Resolves once `check()` holds after a push (checked at once too); rejects after `timeoutMs`. */
    until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          listeners.delete(l);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const l = () => {
          if (check()) {
            clearTimeout(t);
            listeners.delete(l);
            resolve();
          }
        };
        listeners.add(l);
        l();
      });
    },
    async close() {
      for (const r of held) {
        r.destroy();
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
