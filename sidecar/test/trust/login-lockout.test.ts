/**
 * Issue 24, "logins that never lock an owner out": wrong passwords W1, W2, W1 typed in turn, then
 * ten sidecar restarts alternating them, against each login flow. The simulated camera counts
 * failed logins and suspends logins after five, as a real one does. No wrong password is ever
 * sent twice; once a login v4 camera's passcode form is known, a wrong password costs one failed
 * login, and before that no more than the forms it may take (the camera's register answer does
 * not reveal the form: see tpap-login.ts), and never more than the failed-login budget
 * (login-budget.ts): then logins pause, and Save & test says so. The secure flow costs none: the
 * camera's device_confirm shows the password is wrong before anything counted is sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedCamera, type SimulatedCameraOptions } from '../../src/simulator/camera.ts';
import { PASSCODE_FORMS } from '../../src/tapo/tpap/passcodes.ts';
import { LOGIN_BUDGET } from '../../src/tapo/login-budget.ts';
import { startApp, tempDir, yamlFor } from './helpers.ts';

/** One sidecar run on `dir` with `password` for the camera: Save & test's message, then stop. */
async function runOnce(dir: string, cam: SimulatedCamera, password: string): Promise<string> {
  const app = await startApp(dir, ['--config', yamlFor(dir, [{ id: 'cam', cam, password }])]);
  try {
    return (await app.handlers.checkHealth(null)).message;
  } finally {
    await app.stop();
  }
}

/** The sidecar stays stopped for `ms`: its saved failed-login times move that far into the past. */
function stoppedFor(dir: string, ms: number): void {
  const file = join(dir, 'camera-state.json');
  const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { loginFailures?: number[] }>;
  for (const camera of Object.values(state)) {
    camera.loginFailures = camera.loginFailures?.map((t) => t - ms);
  }
  writeFileSync(file, JSON.stringify(state));
}

const W1 = 'wrong-password-1';
const W2 = 'wrong-password-2';
/** W1, W2, W1 as typed, then ten restarts alternating them. */
const TYPED = [W1, W2, W1, ...Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? W2 : W1))];

interface Case {
  name: string;
  /** The camera's name (YAML-safe). */
  label: string;
  camera: SimulatedCameraOptions;
  /** Log in with the right password first, so the camera's login (and passcode form) is known. */
  loggedInBefore: boolean;
  /** Failed logins the camera may count per distinct wrong password. */
  perWrongPassword: number;
}

const CASES: Case[] = [
  {
    name: 'login v4 (C510W, MD5 form), never logged in: the form is unknown',
    label: 'v4 md5 new',
    camera: { firmware: 'C510W-1.3.4' },
    loggedInBefore: false,
    perWrongPassword: PASSCODE_FORMS.length,
  },
  {
    name: 'login v4 (C200 1.4.6, SHA-256 form), logged in before: its form is known',
    label: 'v4 sha256 known',
    camera: { firmware: 'C200-1.4.6' },
    loggedInBefore: true,
    perWrongPassword: 1,
  },
  {
    name: 'login v4 (C510W, MD5 form), logged in before: its form is known',
    label: 'v4 md5 known',
    camera: { firmware: 'C510W-1.3.4' },
    loggedInBefore: true,
    perWrongPassword: 1,
  },
  {
    name: 'secure login, never logged in',
    label: 'secure new',
    camera: { loginFlow: 'secure' },
    loggedInBefore: false,
    perWrongPassword: 0,
  },
  {
    name: 'legacy login, never logged in',
    label: 'legacy new',
    camera: { loginFlow: 'legacy' },
    loggedInBefore: false,
    perWrongPassword: 1,
  },
];

for (const c of CASES) {
  test(`${c.name}: W1, W2, W1 and ten restarts cost ${c.perWrongPassword} failed login(s) per distinct password (${LOGIN_BUDGET.failures} at most), none on a repeat`, async (t) => {
    const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: c.label, ...c.camera });
    t.after(() => cam.close());
    const dir = tempDir(t);
    if (c.loggedInBefore) {
      assert.doesNotMatch(await runOnce(dir, cam, cam.cloudPassword), /wrong password/);
      assert.equal(cam.stats.successfulLogins, 1);
      cam.resetStats();
    }
    const failedAfter: number[] = [];
    const messages: string[] = [];
    for (const [i, password] of TYPED.entries()) {
      const message = await runOnce(dir, cam, password);
      assert.match(message, /wrong password/, `run ${i + 1}`);
      messages.push(message);
      failedAfter.push(cam.stats.failedCredentialAttempts);
    }
    const per = c.perWrongPassword;
    const cap = (n: number) => Math.min(n, LOGIN_BUDGET.failures);
    assert.deepEqual(
      failedAfter.slice(0, 3),
      [cap(per), cap(2 * per), cap(2 * per)],
      'W1, then W2 (within the budget), then W1 again (sent never)'
    );
    assert.equal(cam.stats.failedCredentialAttempts, cap(2 * per), 'ten restarts sent neither password again');
    assert.equal(cam.stats.credentialAttempts, cap(2 * per));
    assert.equal(cam.stats.lockedAnswers, 0);
    assert.equal(cam.isLocked, false, "the owner's app can still log in");
    const spent = 2 * per > LOGIN_BUDGET.failures;
    assert.equal(
      /logins paused for \d+ min so your camera does not lock you out/.test(messages[1]!),
      spent,
      'Save & test names the pause when W2 met the spent budget'
    );

    cam.resetStats();
    if (spent) {
      // The right password waits for the window too (nothing sent), then logs in.
      assert.match(await runOnce(dir, cam, cam.cloudPassword), /logins paused/);
      assert.equal(cam.stats.loginRequests, 0);
      stoppedFor(dir, LOGIN_BUDGET.windowMs);
    }
    // The right password logs in, first time.
    assert.doesNotMatch(await runOnce(dir, cam, cam.cloudPassword), /wrong password/);
    assert.equal(cam.stats.successfulLogins, 1);
    if (c.loggedInBefore) {
      assert.equal(cam.stats.failedCredentialAttempts, 0, 'the known form went straight through');
    }
  });
}
