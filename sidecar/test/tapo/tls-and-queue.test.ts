import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startCam, clientFor, tapoError, waitFor } from './helpers.ts';
import { MemoryStateStore } from '../../src/tapo/state.ts';
import { SerialQueue } from '../../src/tapo/queue.ts';

test('trust on first use: pinned once, stored, reported once', async () => {
  const cam = await startCam({ name: 't-tofu' });
  const store = new MemoryStateStore();
  const seen: string[] = [];
  const client = clientFor(cam, { stateStore: store, onFingerprint: (fp) => seen.push(fp) });
  await client.poll();
  await client.poll();
  assert.deepEqual(seen, [cam.fingerprint]);
  assert.equal(store.get(client.key)?.fingerprint, cam.fingerprint);
  assert.equal(store.get(client.key)?.loginFlow, 'secure');
  // A second client with the same store does not re-pin.
  const again = clientFor(cam, { stateStore: store, onFingerprint: (fp) => seen.push(fp) });
  await again.poll();
  assert.equal(seen.length, 1);
});

test('a configured pin that does not match: tls_mismatch before any request is sent', async () => {
  const cam = await startCam({ name: 't-pin' });
  const client = clientFor(cam, { pinnedFingerprint: 'aa:bb:cc' });
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'tls_mismatch');
  assert.equal(cam.stats.loginRequests, 0);
  // The user re-pins (accepts the current certificate): works, and pins the new one.
  client.repin();
  await client.poll();
  assert.equal(client.fingerprint, cam.fingerprint);
  // Colon-separated lowercase pins are accepted.
  const colon = cam.fingerprint.toLowerCase().match(/../g)!.join(':');
  await clientFor(cam, { pinnedFingerprint: colon }).poll();
});

test('a stored pin survives a new client: an impostor certificate is refused at first contact', async () => {
  const cam = await startCam({ name: 't-impostor' });
  const store = new MemoryStateStore();
  await clientFor(cam, { stateStore: store }).poll();
  cam.setFault({ wrongCertificate: true });
  cam.resetStats();
  const e = await tapoError(clientFor(cam, { stateStore: store }).login());
  assert.equal(e.kind, 'tls_mismatch');
  assert.equal(cam.stats.loginRequests, 0);
});

test('parallel calls on one client are serialised (the camera would answer 401 otherwise)', async () => {
  const cam = await startCam({ name: 't-serial' });
  // Two sockets: the pool alone would let requests overlap; the client's queue must not.
  const client = clientFor(cam, { maxSockets: 2 });
  cam.setFault({ slowMs: 10 });
  const results = await Promise.all([
    client.poll(),
    client.getDeviceInfo(),
    client.getLed(),
    client.getPrivacyMode(),
    client.poll(),
    client.getSdCard(),
    client.setLed(false),
    client.getLed(),
  ]);
  assert.equal(results[7], false, 'requests ran in call order');
  assert.equal(cam.stats.parallelRejected, 0);
  assert.equal(cam.stats.apiRequests, 8);
  assert.equal(client.loginCount, 1, 'one login shared by all calls');
});

test('the simulator really refuses parallel requests with 401', async () => {
  const cam = await startCam({ name: 't-401' });
  cam.setFault({ slowMs: 200 });
  const post = () =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: cam.host, port: cam.port, method: 'POST', path: '/', rejectUnauthorized: false, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }
      );
      req.on('error', reject);
      req.end(JSON.stringify({ method: 'login', params: { sub_method: 'discover' } }));
    });
  const first = waitFor(cam.events, 'request');
  const a = post();
  await first; // the first request is being handled now
  const b = await post();
  assert.equal(b, 401);
  assert.equal(await a, 200);
  assert.equal(cam.stats.parallelRejected, 1);
});

test('SerialQueue: one task at a time, failures do not block the queue', async () => {
  const q = new SerialQueue();
  const order: string[] = [];
  let running = 0;
  const task =
    (name: string, fail = false) =>
    async () => {
      running++;
      assert.equal(running, 1);
      order.push(`start ${name}`);
      await new Promise((r) => setImmediate(r));
      order.push(`end ${name}`);
      running--;
      if (fail) {
        throw new Error(name);
      }
      return name;
    };
  const r = await Promise.allSettled([q.run(task('a')), q.run(task('b', true)), q.run(task('c'))]);
  assert.deepEqual(
    r.map((x) => x.status),
    ['fulfilled', 'rejected', 'fulfilled']
  );
  assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(q.size, 0);
});
