/** A slow Live consumer: RunStream drops packets instead of queueing them without bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PluginHandlers, StreamSink } from '../../src/grafana/handlers.ts';
import { pluginContext, servePlugin } from '../helpers/grpc-client.ts';

test('while the consumer does not read, sends are refused (dropped) rather than buffered', async (t) => {
  const results: boolean[] = [];
  let sinkRef: StreamSink | null = null;
  let offered: () => void = () => undefined;
  const offeredAll = new Promise<void>((resolve) => (offered = resolve));
  const handlers = {
    async runStream(_req: unknown, sink: StreamSink) {
      sinkRef = sink;
      const packet = Buffer.alloc(512 * 1024, 7);
      // 200 half-megabyte packets: 100 MB if anything queued them all.
      for (let i = 0; i < 200; i++) {
        results.push(sink.send(packet));
        await new Promise((r) => setImmediate(r));
      }
      offered();
      await new Promise<void>((resolve) => sink.signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  } as unknown as PluginHandlers;
  const { clients, close } = await servePlugin(handlers);
  t.after(close);

  const stream = clients.stream.RunStream({ pluginContext: pluginContext(), path: 'x' });
  let received = 0;
  let target = Infinity;
  let reached: () => void = () => undefined;
  const allArrived = new Promise<void>((resolve) => (reached = resolve));
  stream.on('data', () => {
    received++;
    if (received >= target) {
      reached();
    }
  });
  stream.on('error', () => undefined);
  stream.pause(); // a browser that stopped reading
  await offeredAll;
  const accepted = results.filter(Boolean).length;
  assert.ok(results.includes(false), 'some packets were refused while the consumer was stalled');
  assert.ok(accepted < 200, `accepted ${accepted} of 200`);
  const rssBefore = process.memoryUsage().rss;
  assert.ok(sinkRef);

  // Once the consumer reads again, the stream carries on: what was accepted arrives, no more.
  target = accepted;
  stream.resume();
  await allArrived;
  // The producer is done: anything more would already be in flight behind the accepted packets.
  await new Promise((r) => setImmediate(r));
  assert.equal(received, accepted, 'every accepted packet arrives, and only those');
  assert.ok(process.memoryUsage().rss - rssBefore < 64 * 2 ** 20, 'no backlog was built up');
  stream.cancel();
});
