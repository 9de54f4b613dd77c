// The failed-login budget's arithmetic (sliding window, the camera's own count, clock steps), the
// camera answers it reads attempts from, and how the state file keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CAMERA_ATTEMPTS_KEPT,
  LOGIN_BUDGET,
  loginPause,
  pausedError,
  recentFailures,
  withFailure,
} from '../../src/tapo/login-budget.ts';
import { attemptsLeftOf } from '../../src/tapo/decode.ts';
import { FileStateStore } from '../../src/tapo/state.ts';
import { makeNonce } from '../../src/tapo/crypto.ts';
import { postToCamera } from '../helpers/camera-post.ts';
import { startCam } from './helpers.ts';

const W = LOGIN_BUDGET.windowMs;
const T0 = Date.parse('2026-12-07T10:00:00Z');

test('sliding window: paused at the budget, until the oldest failure that must leave has left', () => {
  let at: number[] = [];
  for (let i = 0; i < LOGIN_BUDGET.failures - 1; i++) {
    at = withFailure(at, T0 + i * 60_000);
  }
  assert.equal(loginPause({ at }, T0 + 5 * 60_000), null, 'one failure may still be risked');
  at = withFailure(at, T0 + 10 * 60_000);
  const p = loginPause({ at }, T0 + 10 * 60_000);
  assert.deepEqual(p, { until: T0 + W, failures: LOGIN_BUDGET.failures });
  assert.notEqual(loginPause({ at }, T0 + W - 1), null);
  assert.equal(loginPause({ at }, T0 + W), null, 'the first failure left the window');
  // Old failures fall out of the list as new ones are added; it stays bounded.
  let many: number[] = [];
  for (let i = 0; i < 100; i++) {
    many = withFailure(many, T0 + i);
  }
  assert.ok(many.length <= 16);
  assert.deepEqual(withFailure([T0 - W - 1, T0 - 5], T0), [T0 - 5, T0]);
});

test("the camera's own count: its last attempt is kept for one window; more left does not pause", () => {
  const said = (attempts: number) => ({ at: [], cameraLeft: { attempts, at: T0 } });
  assert.equal(loginPause(said(CAMERA_ATTEMPTS_KEPT + 1), T0), null);
  assert.deepEqual(loginPause(said(CAMERA_ATTEMPTS_KEPT), T0 + 1000), {
    until: T0 + W,
    failures: 0,
    cameraLeft: CAMERA_ATTEMPTS_KEPT,
  });
  assert.equal(loginPause(said(0), T0 + W), null);
  assert.match(pausedError(loginPause(said(1), T0)!, T0).message, /\(the camera says 1 login attempt left\)/);
});

test('clock steps: a failure a little ahead counts as now, one a window or more ahead is dropped', () => {
  assert.deepEqual(recentFailures([T0 + 60_000, T0 + W, Number.NaN, T0 - W], T0), [T0]);
  const at = [T0 + 1000, T0 + 2000, T0 + 3000];
  assert.equal(loginPause({ at }, T0)?.until, T0 + W, 'the clock went back a little: paused one window from now');
  assert.equal(loginPause({ at: at.map((t) => t + 2 * W) }, T0), null);
});

test('the paused error: minutes rounded up, a next step, no secret, typed', () => {
  const e = pausedError({ until: T0 + 22 * 60_000 + 1, failures: 3 }, T0);
  assert.equal(e.kind, 'login_paused');
  assert.equal(e.secondsLeft, 22 * 60 + 1);
  assert.match(e.message, /^logins paused for 23 min so your camera does not lock you out \(3 failed logins/);
  assert.match(e.message, /meanwhile check the password/);
});

test('attempts left, as cameras say it: error_info.remainAttempts (TPAP), time beside max_time (V3); junk is no answer', () => {
  assert.equal(attemptsLeftOf({ error_code: -40401, error_info: { failedAttempts: 2, remainAttempts: 3 } }), 3);
  assert.equal(attemptsLeftOf({ error_code: -40401, error_info: { remainAttempts: '1' } }), 1);
  assert.equal(attemptsLeftOf({ result: { data: { code: -40413, time: 9, max_time: 10 } } }), 9);
  assert.equal(attemptsLeftOf({ data: { time: 2, max_time: 10 } }), 2);
  assert.equal(attemptsLeftOf({ result: { data: { time: 9 } } }), null, 'time alone is not a counter');
  for (const junk of [null, 'x', { error_info: { remainAttempts: -1 } }, { error_info: { remainAttempts: 1.5 } }]) {
    assert.equal(attemptsLeftOf(junk), null);
  }
  assert.equal(attemptsLeftOf({ error_info: { remainAttempts: 1e9 } }), 1000);
});

test("the simulated secure camera's nonce replies and refusals carry V3's counters, which attemptsLeftOf reads", async () => {
  const cam = await startCam({ name: 'budget-v3', loginFlow: 'secure', maxFailedLogins: 5 });
  const probe = (cnonce: string) =>
    postToCamera(cam, { method: 'login', params: { cnonce, encrypt_type: '3', username: 'admin' } });
  const cnonce = makeNonce();
  assert.equal(attemptsLeftOf((await probe(cnonce)).json), 5);
  const refused = await postToCamera(cam, {
    method: 'login',
    params: { cnonce, encrypt_type: '3', username: 'admin', digest_passwd: '0'.repeat(80) },
  });
  assert.equal(attemptsLeftOf(refused.json), 4);
  assert.equal(attemptsLeftOf((await probe(makeNonce())).json), 4);
});

test('the state file keeps failure times and the camera count; malformed entries are dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-budget-state-'));
  try {
    const path = join(dir, 'state.json');
    const times = Array.from({ length: 20 }, (_, i) => T0 + i);
    writeFileSync(
      path,
      JSON.stringify({
        'a:443': { loginFailures: [...times, 'x', null, 1e400], cameraAttemptsLeft: { attempts: 2, at: T0 } },
        'b:443': { loginFailures: 'soon', cameraAttemptsLeft: { attempts: -1, at: T0 } },
        'c:443': { cameraAttemptsLeft: { attempts: 1, at: 'now' } },
      })
    );
    const store = new FileStateStore(path);
    assert.deepEqual(store.get('a:443')?.loginFailures, times.slice(-16));
    assert.deepEqual(store.get('a:443')?.cameraAttemptsLeft, { attempts: 2, at: T0 });
    assert.deepEqual(store.get('b:443'), {});
    assert.deepEqual(store.get('c:443'), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
