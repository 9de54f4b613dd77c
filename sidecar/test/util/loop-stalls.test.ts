/** The stall watch reports a loop held by our own synchronous work, with the CPU it burnt. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { watchStalls, type Stall } from '../../src/util/loop-stalls.ts';

test('a loop held by 400 ms of our own CPU work is reported with its delay and CPU time', async () => {
  let reported!: (s: Stall) => void;
  const stall = new Promise<Stall>((r) => (reported = r));
  const stop = watchStalls(createLogger('silent'), { everyMs: 20, thresholdMs: 300, onStall: (s) => reported(s) });
  try {
    // Burn 400 ms of CPU time (not wall time: a loaded machine may stretch it) without yielding.
    await new Promise((r) => setImmediate(r));
    const cpu0 = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(cpu0).user < 400_000) {
      x += Math.sqrt(x + 1);
    }
    assert.ok(x > 0);
    const s = await stall;
    assert.ok(s.lateMs >= 380, `late ${s.lateMs} ms`);
    assert.ok(s.cpuMs >= 380, `cpu ${s.cpuMs} ms`);
  } finally {
    stop();
  }
});
