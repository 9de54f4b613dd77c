/**
 * Scheduling rules with fake probes (the honest tool here: the probe's answer is held open until
 * the test releases it): the concurrency limit, a hung probe replaced after its deadline, pollNow,
 * and the semaphore's order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore } from '../../src/fleet/semaphore.ts';
import { defaultConcurrency, MAX_CONCURRENCY, MIN_CONCURRENCY } from '../../src/fleet/schedule.ts';
import type { CameraProbe } from '../../src/fleet/probe.ts';
import type { CameraPoll } from '../../src/tapo/types.ts';
import type { CameraConfig } from '../../src/config/types.ts';
import { startFleet, tempStore, until } from './helpers.ts';
import { fakeCameraConfig, fakePoll } from '../helpers/fake-camera.ts';

const cam = fakeCameraConfig;

test('the semaphore grants in arrival order and never exceeds its limit', async () => {
  const s = new Semaphore(2);
  const order: number[] = [];
  const r1 = await s.acquire();
  const r2 = await s.acquire();
  const waiting = [3, 4, 5].map((n) => s.acquire().then((rel) => (order.push(n), rel)));
  assert.equal(s.inUse, 2);
  assert.equal(s.waiting, 3);
  r1();
  r1(); // idempotent
  const r3 = await waiting[0]!;
  assert.equal(s.inUse, 2);
  r2();
  r3();
  for (const w of waiting.slice(1)) {
    (await w)();
  }
  assert.deepEqual(order, [3, 4, 5]);
  assert.equal(s.inUse, 0);
  assert.throws(() => new Semaphore(0), RangeError);
});

test('a semaphore grown grants its waiters at once; shrunk, it waits for releases', async () => {
  const s = new Semaphore(1);
  const held = [await s.acquire()];
  const granted: number[] = [];
  const waiting = [1, 2, 3].map((n) => s.acquire().then((rel) => (granted.push(n), rel)));
  s.resize(3);
  held.push(await waiting[0]!, await waiting[1]!);
  assert.deepEqual(granted, [1, 2]);
  assert.equal(s.inUse, 3);
  assert.equal(s.waiting, 1);
  s.resize(1);
  held.shift()!();
  held.shift()!();
  // Two released, but one is still in use: the third waiter stays queued under the new limit.
  assert.equal(s.inUse, 1);
  assert.equal(s.waiting, 1);
  held.shift()!();
  (await waiting[2]!)();
  assert.deepEqual(granted, [1, 2, 3]);
  assert.equal(s.inUse, 0);
  assert.throws(() => s.resize(0), RangeError);
});

test('the default limit on polls in flight follows the polls due each second', () => {
  const every30s = (n: number) => Array.from({ length: n }, () => 30_000);
  assert.equal(defaultConcurrency([]), MIN_CONCURRENCY);
  assert.equal(defaultConcurrency(every30s(100)), MIN_CONCURRENCY);
  // 10,000 cameras every 30 s: 333 polls due a second, each allowed two seconds.
  assert.equal(defaultConcurrency(every30s(10_000)), 667);
  assert.equal(defaultConcurrency([...every30s(1_000), 0, -5]), 67);
  assert.equal(defaultConcurrency(every30s(100_000)), MAX_CONCURRENCY);
});

test('a fleet without a configured limit widens it as cameras are added', async (t) => {
  const { store } = await tempStore(t);
  let inFlight = 0;
  let peak = 0;
  const pending: Array<() => void> = [];
  let allIn!: () => void;
  const everyoneIn = new Promise<void>((resolve) => (allIn = resolve));
  let done = false;
  const probeFactory = (): CameraProbe => ({
    poll: () =>
      new Promise<CameraPoll>((resolve) => {
        if (done) {
          return resolve(fakePoll());
        }
        inFlight++;
        peak = Math.max(peak, inFlight);
        if (inFlight === 100) {
          allIn();
        }
        pending.push(() => {
          inFlight--;
          resolve(fakePoll());
        });
      }),
    close: async () => {},
  });
  // 100 cameras every 2 s: 50 polls due a second, so 100 slots by default (more than the minimum of 32).
  const cams = Array.from({ length: 100 }, (_, i) => cam(`w${i}`, { pollIntervalMs: 2_000 }));
  await startFleet(t, store, cams, { probeFactory, requestTimeoutMs: 60_000 });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${inFlight} polls in flight at once, 100 expected`)), 60_000);
  });
  try {
    await Promise.race([everyoneIn, deadline]);
  } finally {
    clearTimeout(timer);
    done = true;
    for (const release of pending.splice(0)) {
      release();
    }
  }
  assert.equal(peak, 100);
});

test('no more polls in flight than the concurrency limit', async (t) => {
  const { store } = await tempStore(t);
  let inFlight = 0;
  let peak = 0;
  const pending: Array<() => void> = [];
  const probeFactory = (): CameraProbe => ({
    poll: () =>
      new Promise<CameraPoll>((resolve) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        pending.push(() => {
          inFlight--;
          resolve(fakePoll());
        });
      }),
    close: async () => {},
  });
  const cams = Array.from({ length: 10 }, (_, i) => cam(`f${i}`));
  const { fleet, rec } = await startFleet(t, store, cams, { probeFactory, concurrency: 3 });
  // Release polls one at a time as they arrive, until every camera has been polled twice.
  const counts = () => new Set(rec.polls.map((p) => p.cameraId)).size;
  const pump = setInterval(() => pending.shift()?.(), 2);
  t.after(() => clearInterval(pump));
  await until(fleet, () => counts() === 10 && rec.polls.length >= 20, 'every camera polled');
  assert.equal(peak, 3);
});

test('a probe that never settles is abandoned at its deadline and replaced by a fresh one', async (t) => {
  const { store } = await tempStore(t);
  let made = 0;
  let closed = 0;
  const probeFactory = (): CameraProbe => {
    const n = ++made;
    return {
      poll: () => (n === 1 ? new Promise<CameraPoll>(() => {}) : Promise.resolve(fakePoll())),
      close: async () => void closed++,
    };
  };
  const { fleet, rec } = await startFleet(t, store, [cam('hang')], { probeFactory, requestTimeoutMs: 50 });
  await until(fleet, () => rec.polls.some((p) => p.status === 'online'), 'a poll with the new probe');
  assert.equal(rec.polls[0]!.status, 'offline');
  assert.match(rec.polls[0]!.error!, /did not finish within 1150 ms/);
  assert.equal(made, 2);
  assert.equal(closed, 1);
});

test('pollNow polls at once (joining one in flight) and reports unknown cameras in words', async (t) => {
  const { store } = await tempStore(t);
  let polls = 0;
  const probeFactory = (): CameraProbe => ({
    poll: async () => (polls++, fakePoll({ model: 'C310' })),
    close: async () => {},
  });
  const { fleet } = await startFleet(
    t,
    store,
    [cam('n1', { pollIntervalMs: 3_600_000 }), cam('n2', { disabled: true })],
    { probeFactory, startSpreadMs: 3_600_000 }
  );
  const [r1, r2, r3] = await fleet.pollNow(['n1', 'n2', 'ghost']);
  assert.equal(r1!.status, 'online');
  assert.equal(r1!.model, 'C310');
  assert.equal(polls, 1);
  assert.match(r2!.error!, /disabled/);
  assert.equal(r3!.status, 'error');
  assert.match(r3!.error!, /no such camera/);
  const both = await Promise.all([fleet.pollNow(['n1']), fleet.pollNow(['n1'])]);
  assert.equal(polls, 2, "the second call joined the first one's poll");
  assert.equal(both[0][0]!.time, both[1][0]!.time);
});

test('failing cameras poll in their own lane: many dead cameras cannot hold up healthy ones', async (t) => {
  const { store } = await tempStore(t);
  const { TapoError } = await import('../../src/tapo/errors.ts');
  // Dead cameras first fail at once; once every one has failed, their attempts hang until the
  // test lets go, so "while dead ones are retried" lasts as long as the test needs.
  let hang = false;
  const hung = new Set<() => void>();
  let hangPeak = 0;
  const letGo = () => {
    hang = false;
    for (const f of [...hung]) {
      f();
    }
  };
  t.after(letGo);
  const probeFactory = (c: CameraConfig): CameraProbe => ({
    poll: () =>
      c.id.startsWith('dead')
        ? new Promise<CameraPoll>((_, reject) => {
            const fail = () => {
              hung.delete(fail);
              reject(new TapoError('timeout', 'no answer in time'));
            };
            if (!hang) {
              fail();
              return;
            }
            hung.add(fail);
            hangPeak = Math.max(hangPeak, hung.size);
          })
        : Promise.resolve(fakePoll()),
    close: async () => {},
  });
  const dead = Array.from({ length: 6 }, (_, i) => cam(`dead${i}`, { pollIntervalMs: 20 }));
  const cams = [...dead, cam('ok1', { pollIntervalMs: 20 }), cam('ok2', { pollIntervalMs: 20 })];
  // 4 slots, failing lane 1: after their first failure the six dead cameras share one slot. The
  // request timeout is long so the fleet's own deadline never ends a hung attempt during the test.
  const { fleet, rec } = await startFleet(t, store, cams, {
    probeFactory,
    concurrency: 4,
    maxBackoffMs: 20,
    requestTimeoutMs: 60_000,
  });
  await until(
    fleet,
    () => dead.every((c) => rec.polls.some((p) => p.cameraId === c.id)),
    'a first (failed) attempt at every dead camera'
  );
  hang = true;
  const mark = rec.traces.length;
  // Without the lane, four hung dead cameras would hold every slot and this would never happen.
  const healthyEnds = (id: string) => rec.traces.slice(mark).filter((x) => x.cameraId === id && x.phase === 'end');
  await until(
    fleet,
    () => hung.size > 0 && ['ok1', 'ok2'].every((id) => healthyEnds(id).length >= 20),
    'twenty polls of each healthy camera while dead cameras hang'
  );
  assert.ok(hung.size >= 1, 'a dead camera is still hanging');
  assert.equal(hangPeak, 1, 'dead cameras hang in one slot of their own lane, never more');
  letGo();
});

test('a camera whose client cannot even be built gets an error poll and stays scheduled', async (t) => {
  const { store } = await tempStore(t);
  let attempts = 0;
  const probeFactory = (): CameraProbe => {
    attempts++;
    if (attempts < 3) {
      throw new Error('invalid camera host ""');
    }
    return { poll: () => Promise.resolve(fakePoll()), close: async () => {} };
  };
  const { fleet, rec } = await startFleet(t, store, [cam('broken')], { probeFactory });
  await until(fleet, () => rec.polls.some((p) => p.status === 'online'), 'the camera polled again after the failures');
  assert.equal(rec.polls[0]!.status, 'error');
  assert.match(rec.polls[0]!.error!, /invalid camera host/);
  assert.equal(attempts, 3);
});
