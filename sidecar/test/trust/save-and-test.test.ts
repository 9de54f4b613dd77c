/**
 * Honest Save & test and truthful controls, driven the way Grafana drives a datasource: five
 * cameras in jsonData/secureJsonData, one with a wrong password and one unplugged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedFleet } from '../../src/simulator/fleet.ts';
import { dsContext, resource, startApp, tempDir, yamlFor } from './helpers.ts';

test('Save & test is an ERROR naming the wrong-password and the unreachable camera; controls say why', async (t) => {
  const sim = await startSimulatedFleet({ count: 4, host: '127.0.0.1', profiles: ['C210'], namePrefix: 'Sim' });
  t.after(() => sim.close());
  const d = sim.describe();
  const names = ['Front door', 'Garden', 'Garage', 'Porch'];
  const cameras = d.map((c, i) => ({
    id: `cam${i}`,
    name: names[i],
    host: `127.0.0.1:${c.port}`,
    pollIntervalSeconds: 3600,
  }));
  cameras.push({ id: 'cam4', name: 'Shed', host: '127.0.0.1:9', pollIntervalSeconds: 3600 });
  const secure: Record<string, string> = Object.fromEntries(
    cameras.map((c, i) => [`password.${c.id}`, d[i]?.cloudPassword ?? 'x'])
  );
  secure['password.cam3'] = 'not-the-password';
  const dir = tempDir(t);
  const app = await startApp(dir);
  t.after(() => app.stop());
  const ctx = dsContext({ uid: 'ds-health', cameras, secure, updated: 1 });

  const h = await app.handlers.checkHealth(ctx);
  assert.equal(h.status, 'ERROR');
  const [first, ...rest] = h.message.split('\n');
  assert.match(first, /^2 of 5 cameras not answering: /);
  assert.match(first, /Porch — wrong password, or Third-Party Compatibility off\?/);
  assert.match(first, /Shed — unreachable/);
  assert.doesNotMatch(first, /Front door|Garden|Garage/);
  assert.equal(rest.filter((l) => l.startsWith('✓')).length, 3);
  const details = h.details as { cameras: Array<{ cameraId: string; ok: boolean; reason?: string }> };
  assert.deepEqual(
    details.cameras.map((c) => [c.cameraId, c.ok, c.reason ?? null]),
    [
      ['cam0', true, null],
      ['cam1', true, null],
      ['cam2', true, null],
      ['cam3', false, 'wrong_password'],
      ['cam4', false, 'unreachable'],
    ]
  );

  // A second check does not log in again with the password that just failed.
  const porch = sim.cameras[3]!;
  const before = porch.stats.loginRequests;
  assert.equal((await app.handlers.checkHealth(ctx)).status, 'ERROR');
  assert.equal(porch.stats.loginRequests, before, 'no login request for refused credentials');

  // PTZ on the never-logged-in wrong-password camera (a pan/tilt model) tells the real state.
  const ptz = await app.handlers.callResource(resource(ctx, 'cameras/cam3/ptz', 'POST', { direction: 90 }));
  assert.equal(ptz.code, 409);
  assert.match(JSON.parse(ptz.body.toString()).error, /^Porch is not logged in: wrong password/);
  const presets = await app.handlers.callResource(resource(ctx, 'cameras/cam3/presets'));
  assert.equal(presets.code, 409);
  const privacy = await app.handlers.callResource(resource(ctx, 'cameras/cam4/privacy', 'POST', { enabled: true }));
  assert.equal(privacy.code, 502);
  assert.match(JSON.parse(privacy.body.toString()).error, /^Shed is offline: unreachable/);
  assert.equal(porch.stats.loginRequests, before, 'controls did not log in either');
  // A viewer is still refused for the role first.
  const viewer = dsContext({ uid: 'ds-health', cameras, secure, updated: 1, role: 'Viewer' });
  assert.equal((await app.handlers.callResource(resource(viewer, 'cameras/cam3/reboot', 'POST'))).code, 403);
  // A camera that answers takes the control.
  const ok = await app.handlers.callResource(resource(ctx, 'cameras/cam0/ptz', 'POST', { direction: 90 }));
  assert.equal(ok.code, 200);
});

test('when every enabled camera answers, Save & test is OK (disabled cameras are not checked)', async (t) => {
  const sim = await startSimulatedFleet({ count: 2, host: '127.0.0.1', profiles: ['C110'] });
  t.after(() => sim.close());
  const d = sim.describe();
  const cameras: object[] = d.map((c, i) => ({ id: `c${i}`, name: `C${i}`, host: `127.0.0.1:${c.port}` }));
  cameras.push({ id: 'off', name: 'Off', host: '127.0.0.1:9', disabled: true });
  const secure = Object.fromEntries(d.map((c, i) => [`password.c${i}`, c.cloudPassword]));
  const app = await startApp(tempDir(t));
  t.after(() => app.stop());
  const h = await app.handlers.checkHealth(dsContext({ uid: 'ds-ok', cameras, secure, updated: 1 }));
  assert.equal(h.status, 'OK');
  assert.match(h.message, /^All 2 cameras answer\./);
  assert.match(h.message, /1 disabled camera not checked/);
});

test('a datasource whose jsonData is not valid gets a settings error in Save & test, not the shared cameras’ health', async (t) => {
  const sim = await startSimulatedFleet({ count: 1, host: '127.0.0.1', profiles: ['C110'], namePrefix: 'Shared' });
  t.after(() => sim.close());
  const dir = tempDir(t);
  const [cam] = sim.cameras;
  // The YAML file's cameras are shared: a datasource without cameras of its own sees them.
  const app = await startApp(dir, [
    '--config',
    yamlFor(dir, [{ id: 'shared', cam: cam!, password: cam!.cloudPassword }]),
  ]);
  t.after(() => app.stop());
  const fresh = await app.handlers.checkHealth(dsContext({ uid: 'ds-empty', cameras: [], secure: {}, updated: 1 }));
  assert.match(
    fresh.message,
    /All 1 cameras answer/,
    'a datasource with valid, empty settings sees the shared cameras'
  );

  const cases: Array<[string, RegExp]> = [
    ['{"cameras": [', /jsonData: is not valid JSON/],
    ['[1, 2]', /jsonData: must be an object/],
    ['{"cameras": "front door"}', /jsonData\.cameras: must be a list of cameras/],
  ];
  for (const [i, [raw, words]] of cases.entries()) {
    const ctx = dsContext({ uid: `ds-bad-${i}`, cameras: [], secure: {}, updated: 1 }) as {
      dataSourceInstanceSettings: { jsonData: Buffer };
    };
    ctx.dataSourceInstanceSettings.jsonData = Buffer.from(raw);
    const h = await app.handlers.checkHealth(ctx as never);
    assert.equal(h.status, 'ERROR', raw);
    assert.match(h.message.split('\n')[0]!, /^The settings were refused/, raw);
    assert.match(h.message, words, raw);
    assert.doesNotMatch(h.message, /Shared|cameras answer|no camera is configured/, raw);
    assert.deepEqual((h.details as { cameras: unknown[] }).cameras, [], 'no camera of another source');
  }
});
