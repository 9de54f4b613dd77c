import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCam, clientFor, tapoError } from './helpers.ts';

test('offline camera: network error, then recovers when it comes back', async () => {
  const cam = await startCam({ name: 'f-offline' });
  const client = clientFor(cam);
  await client.poll();
  cam.setFault({ offline: true });
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'network');
  cam.setFault({ offline: false });
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
});

test('slow camera beyond the timeout: timeout error; within it: fine', async () => {
  const cam = await startCam({ name: 'f-slow' });
  const client = clientFor(cam, { timeoutMs: 400 });
  await client.login();
  cam.setFault({ slowMs: 2000 });
  const e = await tapoError(client.getDeviceInfo());
  assert.equal(e.kind, 'timeout');
  assert.match(e.message, /400 ms/);
  cam.setFault({ slowMs: 5 });
  // The late answer to the timed-out call must not confuse the next one.
  const info = await client.getDeviceInfo();
  assert.equal(info.model, 'C210');
});

test('dropped connections: network error, no crash, recovers', async () => {
  const cam = await startCam({ name: 'f-drop' });
  const client = clientFor(cam);
  await client.login();
  cam.setFault({ dropConnections: true });
  assert.equal((await tapoError(client.poll())).kind, 'network');
  assert.equal((await tapoError(client.login())).kind, 'network');
  cam.setFault({ dropConnections: false });
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
});

test('garbage JSON: protocol error, during login and during a session', async () => {
  for (const flow of ['secure', 'legacy'] as const) {
    const cam = await startCam({ name: `f-garbage-${flow}`, loginFlow: flow });
    const fresh = clientFor(cam);
    cam.setFault({ garbageJson: true });
    const e1 = await tapoError(fresh.login());
    assert.equal(e1.kind, 'protocol');
    assert.match(e1.message, /invalid JSON/);
    cam.setFault({ garbageJson: false });
    const client = clientFor(cam);
    await client.login();
    cam.setFault({ garbageJson: true });
    assert.equal((await tapoError(client.poll())).kind, 'protocol');
    cam.setFault({ garbageJson: false });
    assert.equal((await client.poll()).deviceInfo.model, 'C210');
    // A protocol error is not a credential failure.
    assert.equal(fresh.isAuthFailed, false);
  }
});

for (const answer of ['code', 'http500'] as const) {
  test(`expired token (${answer}): one new login and one retry, transparently`, async () => {
    const cam = await startCam({ name: `f-expire-${answer}` });
    const client = clientFor(cam);
    await client.poll();
    assert.equal(client.loginCount, 1);
    cam.setFault({ expireTokens: true, sessionExpiryAnswer: answer });
    const poll = await client.poll();
    assert.equal(poll.deviceInfo.model, 'C210');
    assert.equal(client.loginCount, 2);
    assert.equal(cam.stats.expiredSessionAnswers, 1);
    // The session is reused afterwards: no more logins.
    await client.poll();
    assert.equal(client.loginCount, 2);
  });
}

test('legacy session expiry also re-logs in once', async () => {
  const cam = await startCam({ name: 'f-expire-legacy', loginFlow: 'legacy' });
  const client = clientFor(cam);
  await client.poll();
  cam.setFault({ expireTokens: true });
  await client.poll();
  assert.equal(client.loginCount, 2);
});

test('tokens that expire on every request: retried once, then a clear error (no loop)', async () => {
  const cam = await startCam({ name: 'f-ttl', tokenTtlMs: 0 });
  const client = clientFor(cam);
  // TTL 0: every session is already expired when used.
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'protocol');
  assert.match(e.message, /fresh session/);
  assert.equal(client.loginCount, 2, 'exactly one re-login');
  assert.equal(cam.stats.successfulLogins, 2);
  assert.equal(cam.stats.apiRequests, 2);
});

test('wrong certificate after pinning: tls_mismatch, and nothing is sent to the impostor', async () => {
  const cam = await startCam({ name: 'f-cert' });
  const client = clientFor(cam);
  await client.poll();
  const pinned = client.fingerprint;
  assert.equal(pinned, cam.fingerprint);
  cam.setFault({ wrongCertificate: true, expireTokens: true });
  assert.notEqual(cam.fingerprint, pinned);
  cam.resetStats();
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'tls_mismatch');
  assert.match(e.message, /different TLS certificate/);
  assert.equal(cam.stats.apiRequests + cam.stats.loginRequests, 0, 'no request body reached the impostor');
  cam.setFault({ wrongCertificate: false });
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
});
