/**
 * MediaGate: one media session per camera, a short queue behind it served in order after the
 * camera's pause, more waiters refused at once as busy, a cancelled waiter leaving the queue, and
 * cameras independent of each other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaGate } from '../../src/media/hubstream/media-gate.ts';
import { MediaError } from '../../src/media/types.ts';

test('one session per camera; waiters in order; the queue bound refuses as busy; cameras independent', async () => {
  const gate = new MediaGate({ maxWaiting: 2, pauseMs: 0 });
  const order: string[] = [];
  const first = await gate.acquire('a');
  const second = gate.acquire('a').then((r) => (order.push('second'), r));
  const third = gate.acquire('a').then((r) => (order.push('third'), r));
  const refused = await gate.acquire('a').then(
    () => assert.fail('a fourth waiter is one too many'),
    (e: unknown) => e
  );
  assert.ok(refused instanceof MediaError);
  assert.equal(refused.kind, 'stream_busy');
  assert.equal(gate.load('a'), 3);
  // Another camera is not held up.
  const other = await gate.acquire('b');
  other();
  first();
  first(); // a second release changes nothing
  (await second)();
  (await third)();
  assert.deepEqual(order, ['second', 'third']);
});

test('the next session waits for the camera to free its slot; a cancelled waiter leaves the queue', async () => {
  const gate = new MediaGate({ maxWaiting: 2, pauseMs: 50 });
  const release = await gate.acquire('a');
  const abort = new AbortController();
  const cancelled = gate.acquire('a', abort.signal);
  const next = gate.acquire('a');
  abort.abort();
  const e = await cancelled.then(
    () => assert.fail('cancelled'),
    (err: unknown) => err
  );
  assert.equal((e as MediaError).kind, 'closed');
  assert.equal(gate.load('a'), 2);
  const releasedAt = performance.now();
  release();
  (await next)();
  assert.ok(performance.now() - releasedAt >= 45, 'granted after the pause, not at once');
});
