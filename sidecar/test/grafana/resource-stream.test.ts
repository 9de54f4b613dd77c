/**
 * A long CallResource body (a downloaded clip) goes out only as fast as Grafana takes it: the
 * server stops pulling pieces while grpc-js holds what it could not send yet, carries on once the
 * reader reads again (every piece arrives, in order), and a cancelled call aborts the handler's signal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PluginHandlers } from '../../src/grafana/handlers.ts';
import { pluginContext, servePlugin } from '../helpers/grpc-client.ts';

const PIECE = 512 * 1024;
const PIECES = 128; // 64 MiB if the server pulled them all at once

test('pieces are pulled as the reader takes them; all arrive in order; cancel aborts the signal', async (t) => {
  let pulled = 0;
  let pulledEight: () => void = () => undefined;
  const eight = new Promise<void>((resolve) => (pulledEight = resolve));
  let cancelled: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => (cancelled = resolve));
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let i = 0; i < PIECES; i++) {
      pulled++;
      if (pulled === 8) {
        pulledEight();
      }
      yield Buffer.alloc(PIECE, i % 256);
    }
  }
  const handlers = {
    async callResource(req: { path: string }, signal?: AbortSignal) {
      if (req.path === 'hang') {
        signal?.addEventListener('abort', () => cancelled(), { once: true });
        return new Promise(() => undefined);
      }
      return { code: 200, headers: {}, body: Buffer.alloc(0), stream: pieces() };
    },
  } as unknown as PluginHandlers;
  const { clients, close } = await servePlugin(handlers);
  t.after(close);

  const call = clients.resource.CallResource({ pluginContext: pluginContext(), path: 'clip', method: 'GET' });
  const bodies: Buffer[] = [];
  let done: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (done = resolve));
  call.on('data', (m: { body: Buffer }) => bodies.push(m.body));
  call.on('end', () => done());
  call.pause(); // a browser that does not read yet
  await eight;
  // One turn of the event loop: a server that wrote without waiting would have pulled every piece by now.
  await new Promise((r) => setImmediate(r));
  const ahead = pulled;
  assert.ok(ahead < PIECES, `the server stopped pulling at ${ahead} of ${PIECES} pieces`);
  call.resume();
  await ended;
  const pieceBodies = bodies.filter((b) => b.length > 0);
  assert.equal(pieceBodies.length, PIECES);
  assert.ok(pieceBodies.every((b, i) => b.length === PIECE && b[0] === i % 256 && b[PIECE - 1] === i % 256));

  // Grafana cancels a call whose answer has not come yet: the handler is told.
  const hang = clients.resource.CallResource({ pluginContext: pluginContext(), path: 'hang', method: 'GET' });
  hang.on('error', () => undefined);
  setImmediate(() => hang.cancel());
  await aborted;
});
