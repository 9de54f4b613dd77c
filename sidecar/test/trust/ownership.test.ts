/**
 * Cameras belong to their datasource: a datasource Grafana stopped calling for is forgotten after
 * the retention, settings without a camera stop it at once, newer settings always win over older
 * ones (and their passwords), a camera two datasources list stays with the one that had it first
 * (issue 24), each datasource without cameras gets the demo, and a camera resumed without its
 * password says that it waits for it.
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

interface Ownership {
  cameraId: string;
  role: 'lost' | 'kept';
  other: string;
  message: string;
}

async function ownershipOf(app: App, ctx: unknown): Promise<Ownership[]> {
  const r = await app.handlers.callResource(resource(ctx, 'ownership'));
  assert.equal(r.code, 200);
  return (JSON.parse(r.body.toString()) as { cameras: Ownership[] }).cameras;
}

test('two datasources list one camera: the first keeps it until it drops it; both Save & tests say so; no save moves it; no refused password is sent again', async (t) => {
  await withSecretKey(async () => {
    // Legacy firmware: every password sent is one credential attempt the camera counts.
    const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Front', loginFlow: 'legacy' });
    t.after(() => cam.close());
    const dir = tempDir(t);
    let app = await startApp(dir);
    const camera = { id: 'front', name: 'Front', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
    // A (older, a mistyped password) and B (the same camera under another id, same address).
    const a = (updated: number, password: string | null) =>
      dsContext({
        uid: 'a',
        cameras: password === null ? [] : [camera],
        secure: password === null ? {} : { 'password.front': password },
        updated,
      });
    const b = (updated: number, password: string | null) =>
      dsContext({
        uid: 'b',
        cameras: password === null ? [] : [{ ...camera, id: 'front-door' }],
        secure: password === null ? {} : { 'password.front-door': password },
        updated,
      });

    const hA = await app.handlers.checkHealth(a(10, 'a-wrong'));
    assert.match(hA.message, /Front — wrong password/);
    assert.equal(cam.stats.credentialAttempts, 1);

    // B comes later: it does not get the camera, and its Save & test is an ERROR that says why.
    const hB = await app.handlers.checkHealth(b(20, 'b-wrong'));
    assert.equal(hB.status, 'ERROR');
    assert.match(
      hB.message.split('\n')[0]!,
      /^1 camera is polled by another source, not this datasource: front-door — datasource "Tapo a"\.$/
    );
    assert.match(hB.message, /✗ front-door: polled by datasource "Tapo a" \(which had it first/);
    assert.deepEqual(
      (await ownershipOf(app, b(20, 'b-wrong'))).map((o) => [o.cameraId, o.role, o.other]),
      [['front-door', 'lost', 'datasource "Tapo a"']]
    );
    // A's Save & test names B too, and the editor can mark A's row.
    const hA2 = await app.handlers.checkHealth(a(10, 'a-wrong'));
    assert.match(hA2.message, /⚠ front: also listed by datasource "Tapo b", which does not poll it/);
    assert.deepEqual(
      (await ownershipOf(app, a(10, 'a-wrong'))).map((o) => [o.cameraId, o.role]),
      [['front', 'kept']]
    );

    // Saving either, in turn, moves nothing, and sends nothing new.
    for (let i = 1; i <= 3; i++) {
      assert.match((await app.handlers.checkHealth(b(20 + i, 'b-wrong'))).message, /polled by another source/);
      assert.match((await app.handlers.checkHealth(a(10 + i, 'a-wrong'))).message, /Front — wrong password/);
    }
    assert.equal(cam.stats.credentialAttempts, 1, "B's password was never sent, A's once");

    // A drops the camera: B gets it (its own wrong password, sent once).
    await app.handlers.checkHealth(a(14, null));
    assert.match((await app.handlers.checkHealth(b(24, 'b-wrong'))).message, /wrong password/);
    assert.equal(cam.stats.credentialAttempts, 2);
    // A lists it again: B keeps it now. Then B drops it: back to A, whose password was refused.
    assert.match((await app.handlers.checkHealth(a(15, 'a-wrong'))).message, /polled by another source/);
    await app.handlers.checkHealth(b(25, null));
    assert.match((await app.handlers.checkHealth(a(15, 'a-wrong'))).message, /wrong password/);
    assert.equal(cam.stats.credentialAttempts, 2, 'the flip back did not send the refused password again');

    // B lists it with the right password: A holds it, also across a restart (whoever resumes first).
    assert.equal((await app.handlers.checkHealth(b(26, cam.cloudPassword))).status, 'ERROR');
    await app.stop();
    // B's list resumes first now; the saved holders still say A.
    const file = join(dir, 'cameras.json');
    const shape = JSON.parse(readFileSync(file, 'utf8'));
    const { 'datasource:a': listA, ...rest } = shape.sources;
    shape.sources = { ...rest, 'datasource:a': listA };
    assert.deepEqual(Object.keys(shape.sources), ['datasource:b', 'datasource:a']);
    writeFileSync(file, JSON.stringify(shape));
    app = await startApp(dir);
    t.after(() => app.stop());
    assert.match((await app.handlers.checkHealth(b(26, cam.cloudPassword))).message, /polled by another source/);
    assert.deepEqual(
      (await listOf(app, a(15, 'a-wrong'))).map((c) => c.id),
      ['front']
    );
    assert.equal(cam.stats.credentialAttempts, 2);
    assert.equal(cam.isLocked, false);

    // A drops it for good: B polls it with the right password.
    await app.handlers.checkHealth(a(16, null));
    const ok = await app.handlers.checkHealth(b(26, cam.cloudPassword));
    assert.equal(ok.status, 'OK', ok.message);
    assert.equal(cam.stats.successfulLogins, 1);
  });
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
