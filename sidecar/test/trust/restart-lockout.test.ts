/**
 * F1: a password the camera refused is remembered across restarts (per camera, as a keyed tag),
 * so ten restarts against a wrong-password camera make one attempt, not ten; a new password gets
 * exactly one new attempt. Both login flows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { startApp, tempDir, yamlFor } from './helpers.ts';

async function restartOnce(dir: string, cam: SimulatedCamera, password: string): Promise<string> {
  const app = await startApp(dir, ['--config', yamlFor(dir, [{ id: 'cam', cam, password }])]);
  try {
    // Save & test polls the camera now (or joins the poll in flight) and reports it.
    const h = await app.handlers.checkHealth(null);
    return h.message;
  } finally {
    await app.stop();
  }
}

for (const flow of ['legacy', 'secure'] as const) {
  test(`${flow} login, wrong password: ten restarts make one attempt; a new password exactly one more`, async (t) => {
    const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: `F1 ${flow}`, loginFlow: flow });
    t.after(() => cam.close());
    const dir = tempDir(t);
    const wrong = 'not-the-password-1';
    for (let i = 0; i < 10; i++) {
      const message = await restartOnce(dir, cam, wrong);
      assert.match(message, /wrong password/, `restart ${i + 1}`);
    }
    // Legacy sends the hashed password once; secure sends one probe and no digest (the camera's
    // confirmation showed the password is wrong), so the camera never counts a failure.
    assert.equal(cam.stats.loginRequests, flow === 'legacy' ? 2 : 1, 'login requests over ten restarts');
    assert.equal(cam.stats.credentialAttempts, flow === 'legacy' ? 1 : 0);
    assert.equal(cam.isLocked, false);

    cam.resetStats();
    for (let i = 0; i < 3; i++) {
      await restartOnce(dir, cam, 'not-the-password-2');
    }
    assert.equal(cam.stats.loginRequests, flow === 'legacy' ? 2 : 1, 'one new attempt for the changed password');

    cam.resetStats();
    assert.doesNotMatch(await restartOnce(dir, cam, cam.cloudPassword), /wrong password/);
    assert.equal(cam.stats.credentialAttempts, 1, 'the right password logs in');

    // The state on disk holds neither the passwords nor a plain hash of them.
    const files = readdirSync(dir).filter((f) => f !== 'cameras.yaml' && !f.includes('.sqlite'));
    const text = files.map((f) => (statSync(join(dir, f)).isFile() ? readFileSync(join(dir, f)) : '')).join('\n');
    for (const secret of [wrong, 'not-the-password-2', cam.cloudPassword]) {
      for (const form of [
        secret,
        createHash('sha256').update(secret).digest('hex'),
        createHash('sha256').update(secret).digest('base64url'),
        createHash('md5').update(secret).digest('hex').toUpperCase(),
      ]) {
        assert.ok(!text.includes(form), `no form of a password in ${files.join(', ')}`);
      }
    }
    assert.equal(statSync(join(dir, 'credential-key')).mode & 0o777, 0o600);
  });
}
