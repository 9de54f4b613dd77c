import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCam, clientFor, tapoError, waitFor, untilTime } from './helpers.ts';
import { postToCamera } from '../helpers/camera-post.ts';
import { FileStateStore, MemoryStateStore } from '../../src/tapo/state.ts';
import { MAX_REFUSED_TAGS } from '../../src/tapo/credential-memory.ts';
import type { SimulatedCamera } from '../../src/simulator/camera.ts';

test('secure firmware, wrong password: one probe, no digest ever sent, fail fast afterwards', async () => {
  const cam = await startCam({ name: 'l-secure', maxFailedLogins: 1 });
  const client = clientFor(cam, { password: 'not-the-password' });
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'auth_failed');
  assert.match(e.message, /no login attempt was sent/);
  assert.equal(cam.stats.loginRequests, 1);
  assert.equal(cam.stats.credentialAttempts, 0);
  for (let i = 0; i < 5; i++) {
    assert.equal((await tapoError(client.getDeviceInfo())).kind, 'auth_failed');
  }
  assert.equal(cam.stats.loginRequests, 1, 'no further requests at all');
  assert.equal(cam.isLocked, false, 'the camera never counted a failure');
  client.resetAuth(cam.cloudPassword);
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
});

test('legacy firmware, wrong password: exactly one credential attempt until the password changes', async () => {
  const cam = await startCam({ name: 'l-legacy', loginFlow: 'legacy' });
  const client = clientFor(cam, { password: 'not-the-password' });
  assert.equal((await tapoError(client.poll())).kind, 'auth_failed');
  for (let i = 0; i < 5; i++) {
    assert.equal((await tapoError(client.poll())).kind, 'auth_failed');
  }
  assert.equal(cam.stats.credentialAttempts, 1);
  assert.equal(cam.stats.failedCredentialAttempts, 1);
  client.resetAuth(cam.cloudPassword);
  await client.poll();
  assert.equal(cam.stats.credentialAttempts, 2);
});

test('a wrong password that triggers the suspension: one attempt, locked_out, none until it ends, then still none', async () => {
  const cam = await startCam({ name: 'l-suspend', loginFlow: 'legacy', maxFailedLogins: 1, lockoutSeconds: 1 });
  const unlocked = waitFor(cam.events, 'unlocked');
  const client = clientFor(cam, { password: 'not-the-password' });
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'locked_out');
  assert.equal(e.secondsLeft, 1);
  assert.equal(e.code, -40404);
  assert.ok(client.isLockedOut);
  for (let i = 0; i < 3; i++) {
    const again = await tapoError(client.poll());
    assert.equal(again.kind, 'locked_out');
    assert.ok((again.secondsLeft ?? 0) >= 1);
  }
  assert.equal(cam.stats.loginRequests, 2, 'probe + one credential attempt');
  assert.equal(cam.stats.credentialAttempts, 1);
  await unlocked;
  await untilTime(client.lockedUntil ?? 0);
  assert.equal(client.isLockedOut, false);
  // The suspension is over, but these credentials were refused: still no attempt.
  assert.equal((await tapoError(client.poll())).kind, 'auth_failed');
  assert.equal(cam.stats.loginRequests, 2);
});

const post = postToCamera;

/** Lock the camera the way another, careless client would: wrong credentials until suspended. */
async function lockFromOutside(cam: SimulatedCamera): Promise<void> {
  for (let i = 0; i < 20 && !cam.isLocked; i++) {
    if (cam.loginFlow === 'legacy') {
      await post(cam, { method: 'login', params: { hashed: true, password: 'BAD', username: 'admin' } });
    } else {
      const cnonce = '0011223344556677';
      await post(cam, { method: 'login', params: { cnonce, encrypt_type: '3', username: 'admin' } });
      await post(cam, {
        method: 'login',
        params: { cnonce, encrypt_type: '3', username: 'admin', digest_passwd: 'BAD' },
      });
    }
  }
  assert.ok(cam.isLocked, 'camera locked');
}

test('camera locked by someone else: locked_out with seconds left, no calls until it passes, then success', async () => {
  const cam = await startCam({ name: 'l-outside', loginFlow: 'legacy', maxFailedLogins: 2, lockoutSeconds: 1 });
  const unlocked = waitFor(cam.events, 'unlocked');
  await lockFromOutside(cam);
  cam.resetStats();
  const client = clientFor(cam);
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'locked_out');
  assert.equal(cam.stats.loginRequests, 1, 'only the probe, which carries no secret');
  assert.equal(cam.stats.credentialAttempts, 0);
  assert.equal((await tapoError(client.getLed())).kind, 'locked_out');
  assert.equal(cam.stats.loginRequests, 1);
  await unlocked;
  await untilTime(client.lockedUntil ?? 0);
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
  assert.equal(cam.stats.credentialAttempts, 1);
});

test('a lockout is remembered across restarts (FileStateStore)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-state-'));
  try {
    const path = join(dir, 'state.json');
    const cam = await startCam({ name: 'l-persist', maxFailedLogins: 2, lockoutSeconds: 600 });
    await lockFromOutside(cam);
    const first = clientFor(cam, { stateStore: new FileStateStore(path) });
    assert.equal((await tapoError(first.poll())).kind, 'locked_out');
    await first.close();
    cam.resetStats();
    // "Restart": a new client, a new store instance reading the same file.
    const second = clientFor(cam, { stateStore: new FileStateStore(path) });
    assert.ok(second.isLockedOut);
    const e = await tapoError(second.poll());
    assert.equal(e.kind, 'locked_out');
    assert.ok((e.secondsLeft ?? 0) > 500);
    assert.equal(cam.stats.loginRequests, 0, 'the restarted client did not touch the camera');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secure firmware locked by someone else: locked_out from the probe, no digest sent', async () => {
  const cam = await startCam({ name: 'l-secure-locked', maxFailedLogins: 2, lockoutSeconds: 900 });
  await lockFromOutside(cam);
  cam.resetStats();
  const client = clientFor(cam);
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'locked_out');
  assert.ok((e.secondsLeft ?? 0) > 800 && (e.secondsLeft ?? 0) <= 900);
  assert.equal(cam.stats.loginRequests, 1);
  assert.equal(cam.stats.credentialAttempts, 0);
  // Not a credential failure: once the suspension is lifted, the client may log in.
  assert.equal(client.isAuthFailed, false);
});

test('firmware with a login we do not speak (not even TPAP): unsupported_login with the code, probed once, not again', async () => {
  const cam = await startCam({ name: 'l-tpap', tpapOnly: true });
  const client = clientFor(cam);
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'unsupported_login');
  assert.equal(e.code, -40211);
  assert.match(e.message, /TPAP/);
  for (let i = 0; i < 3; i++) {
    assert.equal((await tapoError(client.poll())).kind, 'unsupported_login');
  }
  // The older probe (-40211), then TPAP's pake_register (-40211 again): no credential sent.
  assert.equal(cam.stats.loginRequests, 2);
  assert.equal(cam.stats.credentialAttempts, 0);
  assert.ok(client.isLoginUnsupported);
  client.resetAuth();
  assert.equal((await tapoError(client.poll())).kind, 'unsupported_login');
  assert.equal(cam.stats.loginRequests, 4);
});

test('state stores: memory and file merge and remove fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-state-'));
  try {
    for (const store of [new MemoryStateStore(), new FileStateStore(join(dir, 'sub', 's.json'))]) {
      store.update('a:443', { fingerprint: 'AB', loginFlow: 'secure' });
      store.update('a:443', { lockedUntil: 5 });
      assert.deepEqual(store.get('a:443'), { fingerprint: 'AB', loginFlow: 'secure', lockedUntil: 5 });
      store.update('a:443', { lockedUntil: undefined });
      assert.deepEqual(store.get('a:443'), { fingerprint: 'AB', loginFlow: 'secure' });
      assert.equal(store.get('b:443'), undefined);
    }
    const reread = new FileStateStore(join(dir, 'sub', 's.json'));
    assert.deepEqual(reread.get('a:443'), { fingerprint: 'AB', loginFlow: 'secure' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refused passwords: every one is kept as a tag, bounded per camera; older files and junk are read safely', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-state-'));
  try {
    const path = join(dir, 'state.json');
    const store = new FileStateStore(path);
    const cam = await startCam({ name: 'l-many', loginFlow: 'secure' });
    // Secure firmware: a wrong password costs no failed login, so many can be tried here.
    const wrong = Array.from({ length: MAX_REFUSED_TAGS + 3 }, (_, i) => `wrong-${i}`);
    for (const password of wrong) {
      assert.equal((await tapoError(clientFor(cam, { password, stateStore: store }).poll())).kind, 'auth_failed');
    }
    const key = `${cam.host}:${cam.port}`;
    const saved = JSON.parse(readFileSync(path, 'utf8'))[key];
    assert.equal(saved.refusedCredentials.length, MAX_REFUSED_TAGS, 'bounded');
    assert.ok(!JSON.stringify(saved).includes('wrong-'));
    // The newest are remembered across a restart; the oldest three gave way.
    const reread = new FileStateStore(path);
    cam.resetStats();
    for (const password of wrong.slice(3)) {
      assert.equal((await tapoError(clientFor(cam, { password, stateStore: reread }).poll())).kind, 'auth_failed');
    }
    assert.equal(cam.stats.loginRequests, 0, 'none of them was even probed');
    await tapoError(clientFor(cam, { password: wrong[0]!, stateStore: reread }).poll());
    assert.equal(cam.stats.loginRequests, 1, 'the oldest was forgotten: one probe (and no credential)');
    assert.equal(cam.stats.credentialAttempts, 0);

    // A file from before the list (one failedCredential) and junk entries.
    const tag = reread.credentialTag(key, 'admin', 'old-wrong');
    writeFileSync(path, JSON.stringify({ [key]: { failedCredential: tag, refusedCredentials: ['short', 7, null] } }));
    const old = new FileStateStore(path);
    assert.deepEqual(old.get(key), { refusedCredentials: [tag] });
    cam.resetStats();
    assert.equal(
      (await tapoError(clientFor(cam, { password: 'old-wrong', stateStore: old }).poll())).kind,
      'auth_failed'
    );
    assert.equal(cam.stats.loginRequests, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
