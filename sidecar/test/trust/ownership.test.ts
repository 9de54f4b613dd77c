/**
 * Cameras belong to their datasource: a datasource Grafana stopped calling for is forgotten after
 * the retention, settings without a camera stop it at once, newer settings always win over older
 * ones (and their passwords), each datasource without cameras gets the demo, and a camera resumed
 * without its password says that it waits for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { DatasourceLiveness } from '../../src/datasource/liveness.ts';
import { parseDuration, parseOptions, type SidecarOptions } from '../../src/options.ts';
import type { App } from '../../src/app.ts';
import { dsContext, resource, startApp, tempDir } from './helpers.ts';

const KEY = { TAPO_SECRET_KEY: 'ownership-test-key' };

async function listOf(app: App, ctx: unknown = null): Promise<Array<{ id: string; status: string; host: string }>> {
  const r = await app.handlers.callResource(resource(ctx, 'cameras'));
  return JSON.parse(r.body.toString());
}

function withSecretKey<T>(fn: () => Promise<T>): Promise<T> {
  process.env.TAPO_SECRET_KEY = KEY.TAPO_SECRET_KEY;
  return fn().finally(() => delete process.env.TAPO_SECRET_KEY);
}

test('a datasource not seen within the retention is not resumed after a restart; one seen is', async (t) => {
  await withSecretKey(async () => {
    const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Old' });
    t.after(() => cam.close());
    const dir = tempDir(t);
    const camera = { id: 'old', name: 'Old', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
    const ctx = dsContext({
      uid: 'gone',
      cameras: [camera],
      secure: { 'password.old': cam.cloudPassword },
      updated: 5,
    });
    let app = await startApp(dir);
    assert.equal((await app.handlers.checkHealth(ctx)).status, 'OK');
    await app.stop();

    // Within the retention: resumed and polled before Grafana calls (TAPO_SECRET_KEY is set).
    app = await startApp(dir);
    assert.deepEqual(
      (await listOf(app)).map((c) => c.id),
      ['old']
    );
    await app.stop();

    // Grafana last called four days ago (the datasource was deleted or its uid changed).
    const file = join(dir, 'cameras.json');
    const shape = JSON.parse(readFileSync(file, 'utf8'));
    shape.sources['datasource:gone'].seenAt = Date.now() - 4 * 86_400_000;
    writeFileSync(file, JSON.stringify(shape));
    cam.resetStats();
    app = await startApp(dir);
    t.after(() => app.stop());
    assert.deepEqual(await listOf(app), [], 'no ghost camera');
    assert.equal(cam.stats.loginRequests, 0, 'the camera is not polled');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).sources['datasource:gone'], undefined, 'forgotten on disk');
  });
});

test('settings without the cameras stop them at once; older settings never replace newer ones', async (t) => {
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Front', loginFlow: 'legacy' });
  t.after(() => cam.close());
  const app = await startApp(tempDir(t));
  t.after(() => app.stop());
  const camera = { id: 'front', name: 'Front', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
  const v2 = dsContext({ uid: 'a', cameras: [camera], secure: { 'password.front': cam.cloudPassword }, updated: 2 });
  assert.equal((await app.handlers.checkHealth(v2)).status, 'OK');
  // A call carrying older settings (an old password) is not applied.
  const v1 = dsContext({ uid: 'a', cameras: [camera], secure: { 'password.front': 'the-old-password' }, updated: 1 });
  assert.equal((await app.handlers.checkHealth(v1)).status, 'OK');
  assert.equal(cam.stats.failedCredentialAttempts, 0, 'the old password was never sent');
  // The user removes the camera: it stops at once.
  const v3 = dsContext({ uid: 'a', cameras: [], secure: {}, updated: 3 });
  await app.handlers.queryData({ pluginContext: v3, queries: [], headers: {} });
  assert.deepEqual(await listOf(app), []);
});

test('a newer datasource for the same camera wins its id and address; the old copy stops', async (t) => {
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Front', loginFlow: 'legacy' });
  t.after(() => cam.close());
  const app = await startApp(tempDir(t));
  t.after(() => app.stop());
  const camera = { id: 'front', name: 'Front', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
  // The old datasource (still known to the sidecar) has the old password.
  const old = dsContext({ uid: 'old', cameras: [camera], secure: { 'password.front': 'old-password' }, updated: 10 });
  await app.handlers.queryData({ pluginContext: old, queries: [], headers: {} });
  // The user makes a new datasource for the same camera, same id, with the right password.
  const fresh = dsContext({
    uid: 'new',
    cameras: [camera],
    secure: { 'password.front': cam.cloudPassword },
    updated: 20,
  });
  const h = await app.handlers.checkHealth(fresh);
  assert.equal(h.status, 'OK', h.message);
  // Under another id, the address is still the newer datasource's.
  const renamed = dsContext({
    uid: 'new',
    cameras: [{ ...camera, id: 'front-door' }],
    secure: { 'password.front-door': cam.cloudPassword },
    updated: 21,
  });
  assert.equal((await app.handlers.checkHealth(renamed)).status, 'OK');
  assert.deepEqual(
    (await listOf(app)).map((c) => c.id),
    ['front-door'],
    'one camera, one client'
  );
  cam.resetStats();
  await app.handlers.checkHealth(old);
  assert.equal(cam.stats.credentialAttempts, 0, 'the old password is never tried');
});

test('each datasource without cameras gets the demo fleet, whatever other datasources have', async (t) => {
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Real' });
  t.after(() => cam.close());
  const app = await startApp(tempDir(t), ['--demo', '--ffmpeg', '/nonexistent/ffmpeg']);
  t.after(() => app.stop());
  const camera = { id: 'real', name: 'Real', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
  const withCams = dsContext({
    uid: 'mine',
    cameras: [camera],
    secure: { 'password.real': cam.cloudPassword },
    updated: 1,
  });
  assert.deepEqual(
    (await listOf(app, withCams)).map((c) => c.id),
    ['real']
  );
  const empty = dsContext({ uid: 'fresh', cameras: [], secure: {}, updated: 1 });
  const demo = await listOf(app, empty);
  // Six demo cameras and the demo hub (its children join once the hub has been listed).
  assert.ok(demo.length >= 7, `the fresh datasource shows the demo (${demo.length} cameras)`);
  assert.ok(demo.some((c) => c.id === 'demo-hub'));
  assert.ok(demo.every((c) => c.id.startsWith('demo-')));
  assert.deepEqual(
    (await listOf(app, withCams)).map((c) => c.id),
    ['real'],
    'never mixed into a configured one'
  );
});

test('restarted without TAPO_SECRET_KEY, a camera says it waits for its password (not online)', async (t) => {
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Porch' });
  t.after(() => cam.close());
  const dir = tempDir(t);
  const camera = { id: 'porch', name: 'Porch', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
  const ctx = dsContext({ uid: 'p', cameras: [camera], secure: { 'password.porch': cam.cloudPassword }, updated: 1 });
  let app = await startApp(dir);
  assert.equal((await app.handlers.checkHealth(ctx)).status, 'OK');
  await app.stop();
  app = await startApp(dir);
  t.after(() => app.stop());
  assert.deepEqual(
    (await listOf(app)).map((c) => [c.id, c.status]),
    [['porch', 'unknown']]
  );
  const h = await app.handlers.checkHealth(null);
  assert.equal(h.status, 'ERROR');
  assert.match(h.message.split('\n')[0], /Porch — waiting for its password/);
  const details = h.details as { cameras: Array<{ reason?: string }> };
  assert.equal(details.cameras[0]?.reason, 'waiting_password');
  // Grafana calls: the password arrives and the camera answers.
  assert.equal((await app.handlers.checkHealth(ctx)).status, 'OK');
});

test('liveness: seen within the retention stays, the disk is refreshed sparingly, unseen expires', () => {
  const l = new DatasourceLiveness(80_000);
  l.applied('datasource:a', 5, true, 1_000);
  l.persisted('datasource:a', 1_000);
  assert.equal(l.seen('datasource:a', 5_000), false, 'not worth a write yet');
  assert.equal(l.seen('datasource:a', 11_000), true, 'an eighth of the retention later');
  assert.equal(l.isOutdated('datasource:a', 4), true);
  assert.equal(l.isOutdated('datasource:a', 5), false);
  assert.deepEqual(l.expire(11_000 + 80_000), []);
  assert.deepEqual(l.expire(11_000 + 80_001), ['datasource:a']);
  assert.equal(l.get('datasource:a'), undefined);
});

test('--datasource-retention takes a duration; the default is three days', () => {
  assert.equal(parseDuration('72h', 'x'), 72 * 3_600_000);
  assert.equal(parseDuration('3d', 'x'), 3 * 86_400_000);
  assert.equal(parseDuration('90m', 'x'), 90 * 60_000);
  assert.equal(parseDuration('12', 'x'), 12 * 3_600_000);
  assert.throws(() => parseDuration('soon', 'datasource retention'), /datasource retention must be a duration/);
  const opts = parseOptions([], {}) as SidecarOptions;
  assert.equal(opts.datasourceRetentionMs, 3 * 86_400_000);
  const env = parseOptions([], { TAPO_DATASOURCE_RETENTION: '2h' }) as SidecarOptions;
  assert.equal(env.datasourceRetentionMs, 2 * 3_600_000);
});
