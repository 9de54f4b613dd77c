/**
 * Issue 24, the failed-login budget: the sidecar costs one camera at most LOGIN_BUDGET.failures
 * failed logins in a sliding window, so the camera's own counter (the simulator suspends logins
 * after five, as the app's model says) never reaches its threshold. Time is an injected clock
 * that the tests move on; a "restart" is a new client on a new store reading the same state file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedCamera, type SimulatedCameraOptions } from '../../src/simulator/camera.ts';
import { TapoClient } from '../../src/tapo/client.ts';
import { FileStateStore } from '../../src/tapo/state.ts';
import { LOGIN_BUDGET, pausedError } from '../../src/tapo/login-budget.ts';
import { errorToResult } from '../../src/fleet/map.ts';
import { healthOf } from '../../src/datasource/health.ts';
import { tapoError } from '../tapo/helpers.ts';
import { tempDir } from './helpers.ts';

const W1 = 'wrong-password-1';
const W2 = 'wrong-password-2';
const MIN = 60_000;

/** A camera that records whether it ever suspended logins (the owner's app would be locked out too). */
async function camera(t: { after: (fn: () => unknown) => void }, opts: SimulatedCameraOptions) {
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', ...opts });
  const locked = { ever: false };
  cam.events.on('locked', () => (locked.ever = true));
  t.after(() => cam.close());
  return { cam, locked };
}

/**
 * The sidecar's client for `cam` on a state file, on a clock the test moves. `restart` makes a
 * new client and store for every password (a sidecar restart); otherwise the password is changed
 * on the running client, as a Save of the datasource does.
 */
function sidecar(t: { after: (fn: () => unknown) => void }, cam: SimulatedCamera, restart: boolean) {
  const path = join(tempDir(t, 'tapo-budget-'), 'camera-state.json');
  const clock = { now: Date.now() };
  let client: TapoClient | null = null;
  const clients: TapoClient[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  return {
    clock,
    path,
    saved: () => JSON.parse(readFileSync(path, 'utf8'))[`127.0.0.1:${cam.port}`] ?? {},
    with(password: string): TapoClient {
      if (client && !restart) {
        client.resetAuth(password);
        return client;
      }
      client = new TapoClient({
        host: cam.host,
        port: cam.port,
        password,
        timeoutMs: 3000,
        stateStore: new FileStateStore(path),
        now: () => clock.now,
      });
      clients.push(client);
      return client;
    },
  };
}

for (const restart of [false, true]) {
  const how = restart ? 'each password after a restart' : 'passwords changed on the running sidecar';
  test(`login v4, SHA-256 form second (C200 1.4.6), never logged in: W1, W2, then the right password (${how})`, async (t) => {
    const { cam, locked } = await camera(t, { name: `budget-c200-${restart}`, firmware: 'C200-1.4.6' });
    const s = sidecar(t, cam, restart);

    // W1 costs both forms (the camera's register answer does not tell which form it takes).
    assert.equal((await tapoError(s.with(W1).poll())).kind, 'auth_failed');
    assert.equal(cam.stats.failedCredentialAttempts, 2);

    // W2's first form spends the budget; its second is not sent.
    const paused = await tapoError(s.with(W2).poll());
    assert.equal(paused.kind, 'login_paused');
    assert.match(
      paused.message,
      /^logins paused for 30 min so your camera does not lock you out \(3 failed logins with wrong passwords in 30 min\); meanwhile check the password/
    );
    assert.equal(cam.stats.failedCredentialAttempts, LOGIN_BUDGET.failures);
    assert.equal(s.saved().loginFailures.length, LOGIN_BUDGET.failures, 'kept with the refused tags');

    // The right password waits too: a changed password does not reset the budget.
    const requests = cam.stats.loginRequests;
    s.clock.now += 29 * MIN;
    const waiting = await tapoError(s.with(cam.cloudPassword).poll());
    assert.equal(waiting.kind, 'login_paused');
    assert.match(waiting.message, /^logins paused for 1 min/);
    assert.equal(cam.stats.loginRequests, requests, 'nothing at all was sent while paused');

    // The window frees: the right password logs in (its MD5 form is refused first, the 4th failure).
    s.clock.now += 1 * MIN;
    const poll = await s.with(cam.cloudPassword).poll();
    assert.equal(poll.deviceInfo.model, cam.model);
    assert.equal(cam.stats.successfulLogins, 1);
    assert.equal(cam.stats.failedCredentialAttempts, 4, 'below the camera threshold of 5');
    assert.equal(cam.stats.lockedAnswers, 0);
    assert.equal(locked.ever, false, "the owner's app was never locked out");
    assert.equal(s.saved().loginFailures, undefined, 'a successful login resets the count');
  });
}

test('login v4: after a success the budget starts afresh, and it is per camera', async (t) => {
  const a = await camera(t, { name: 'budget-a', firmware: 'C510W-1.3.4' });
  const b = await camera(t, { name: 'budget-b', firmware: 'C510W-1.3.4' });
  const sa = sidecar(t, a.cam, false);
  const sb = sidecar(t, b.cam, false);
  await sa.with(a.cam.cloudPassword).poll();
  // The form is known now: one failed login per wrong password.
  for (const [i, w] of ['w-1', 'w-2', 'w-3'].entries()) {
    assert.equal((await tapoError(sa.with(w).poll())).kind, 'auth_failed', `wrong password ${i + 1}`);
  }
  assert.equal((await tapoError(sa.with('w-4').poll())).kind, 'login_paused');
  assert.equal(a.cam.stats.failedCredentialAttempts, 3);
  // Another camera on the same install is not paused by it.
  await sb.with(b.cam.cloudPassword).poll();
  assert.equal(b.cam.stats.successfulLogins, 1);
  assert.equal(a.locked.ever || b.locked.ever, false);
});

test("the camera's own count (error_info.remainAttempts): its last attempt is never spent", async (t) => {
  // A camera stricter than the budget: it suspends logins after 3 failures and says how many remain.
  const { cam, locked } = await camera(t, {
    name: 'budget-remain',
    firmware: 'C510W-1.3.4',
    maxFailedLogins: 3,
    attemptsInTpapFailures: true,
  });
  const s = sidecar(t, cam, true);
  assert.equal((await tapoError(s.with(W1).poll())).kind, 'auth_failed');
  assert.deepEqual(s.saved().cameraAttemptsLeft, { attempts: 1, at: s.clock.now });
  const requests = cam.stats.loginRequests;
  const paused = await tapoError(s.with(W2).poll());
  assert.equal(paused.kind, 'login_paused');
  assert.match(paused.message, /\(the camera says 1 login attempt left\)/);
  assert.equal(cam.stats.loginRequests, requests, 'W2 was not sent: its failure would have locked the camera');
  assert.equal(locked.ever, false);

  // The owner logs in with the app meanwhile (MD5 form: first time), so the camera's count is
  // reset; after the window the sidecar's right password logs in.
  const app = new TapoClient({ host: cam.host, port: cam.port, password: cam.cloudPassword, timeoutMs: 3000 });
  t.after(() => app.close());
  await app.login();
  assert.equal(app.passwordHashAlgo, 'md5');
  s.clock.now += LOGIN_BUDGET.windowMs;
  await s.with(cam.cloudPassword).poll();
  assert.equal(locked.ever, false);
  assert.equal(s.saved().cameraAttemptsLeft, undefined);
});

test('secure login under the budget: wrong passwords send nothing, so they spend none of it', async (t) => {
  const { cam, locked } = await camera(t, { name: 'budget-secure', loginFlow: 'secure' });
  const s = sidecar(t, cam, true);
  for (const w of ['w-1', 'w-2', 'w-3', 'w-4', 'w-5']) {
    assert.equal((await tapoError(s.with(w).poll())).kind, 'auth_failed');
  }
  assert.equal(cam.stats.credentialAttempts, 0);
  assert.equal(s.saved().loginFailures, undefined);
  // No wait: the right password logs in at once.
  await s.with(cam.cloudPassword).poll();
  assert.equal(cam.stats.successfulLogins, 1);
  assert.equal(locked.ever, false);
});

for (const restart of [false, true]) {
  const how = restart ? 'each password after a restart' : 'passwords changed on the running sidecar';
  test(`legacy login under the budget: three wrong passwords, then a pause until the window frees (${how})`, async (t) => {
    const { cam, locked } = await camera(t, { name: `budget-legacy-${restart}`, loginFlow: 'legacy' });
    const s = sidecar(t, cam, restart);
    for (const w of ['w-1', 'w-2', 'w-3']) {
      assert.equal((await tapoError(s.with(w).poll())).kind, 'auth_failed');
      s.clock.now += 5 * MIN;
    }
    const requests = cam.stats.loginRequests;
    const fourth = await tapoError(s.with('w-4').poll());
    assert.equal(fourth.kind, 'login_paused');
    // Sliding: the first failure leaves the window 30 min after it was sent, 15 min from now.
    assert.match(fourth.message, /^logins paused for 15 min/);
    assert.equal((await tapoError(s.with(cam.cloudPassword).poll())).kind, 'login_paused');
    assert.equal(cam.stats.loginRequests, requests, 'no probe, no password while paused');
    s.clock.now += 15 * MIN;
    await s.with(cam.cloudPassword).poll();
    assert.equal(cam.stats.failedCredentialAttempts, 3);
    assert.equal(cam.stats.successfulLogins, 1);
    assert.equal(locked.ever, false);
  });
}

test('where the user looks: status, error and Save & test line say the logins are paused, why and what to do', () => {
  const now = Date.parse('2026-12-07T11:00:00Z');
  const err = pausedError({ until: now + 23 * MIN, failures: 3 }, now);
  const result = errorToResult('cam', err, now);
  assert.equal(result.status, 'auth_failed');
  assert.equal(result.reason, 'logins_paused');
  assert.equal(result.until, now + 23 * MIN);
  assert.match(result.error ?? '', /^logins paused for 23 min so your camera does not lock you out \(3 failed logins/);
  // Save & test, 20 minutes later: the minutes are brought up to date, the sentence said once.
  const later = healthOf('cam', 'Garden', { ...result, until: Date.now() + 3 * MIN });
  assert.equal(later.ok, false);
  assert.equal(later.reason, 'logins_paused');
  assert.match(later.message, /^logins paused for 3 min so your camera does not lock you out/);
  assert.equal(later.message.match(/logins paused/g)?.length, 1);
  assert.match(later.message, /check the password .*tries it by itself then/);
});
