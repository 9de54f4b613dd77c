/**
 * GET resources/hubs/<id>/children, as the config editor asks it: a saved hub's battery cameras
 * (names, models, sleep, battery) listed through the fleet's own hub client; Viewers, unknown ids
 * and cameras that are not hubs get words; a hub with a wrong password answers why and is not
 * asked again with the refused password, however often the editor asks; no answer carries it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { getRequest } from '../helpers/resource-request.ts';
import { hubEntry, startStandaloneApp } from '../helpers/standalone-app.ts';
import { resources, type HubChildrenResponse } from '../../../src/shared/query.ts';

test("a saved hub's children for the config editor; refusals in words; a wrong password is not resent", async (t) => {
  const good = await SimulatedHub.start({ host: '127.0.0.1', name: 'Good hub', stream: false });
  const bad = await SimulatedHub.start({ host: '127.0.0.1', name: 'Bad hub', stream: false, maxFailedLogins: 3 });
  // Children start asleep (power save); one is awake now.
  good.child('C420').wake();
  // Polled rarely: the resource's own poll is what lists it here.
  const { app, stop } = await startStandaloneApp([
    hubEntry('hub', good, { pollSeconds: 86400 }),
    hubEntry('badhub', bad, { pollSeconds: 86400, password: 'not-the-password' }),
  ]);
  t.after(async () => {
    await stop();
    await good.close();
    await bad.close();
  });
  const call = async (path: string, role: string | null = 'Editor') => {
    const r = await app.handlers.callResource(getRequest(path, role));
    const text = r.body.toString();
    assert.ok(!text.includes(good.cloudPassword) && !text.includes('not-the-password'), text);
    return { code: r.code, body: JSON.parse(text) };
  };

  assert.equal((await call(resources.hubChildren('hub'), 'Viewer')).code, 403);
  assert.equal((await call(resources.hubChildren('hub'), null)).code, 403);
  const unknown = await call(resources.hubChildren('nope'));
  assert.equal(unknown.code, 404);
  assert.match(unknown.body.error, /unknown hub "nope"/);

  const listed = await call(resources.hubChildren('hub'));
  assert.equal(listed.code, 200, JSON.stringify(listed.body));
  const answer = listed.body as HubChildrenResponse;
  assert.equal(answer.hubId, 'hub');
  assert.deepEqual(
    answer.children.map((c) => [c.name, c.model, c.sleeping, c.cameraId]),
    good.children.map((c) => [c.alias, c.model, c.model !== 'C420', childCameraId('hub', c.deviceId)])
  );
  assert.ok(answer.children.every((c) => c.online && typeof c.batteryPercent === 'number'));
  assert.deepEqual(
    good.children.map((c) => c.wakeups),
    [0, 0, 0],
    'listing never wakes a sleeping child'
  );

  // A new child paired on the hub shows on a refresh.
  good.addChild({ alias: 'Shed', model: 'C425' });
  const again = await call(`${resources.hubChildren('hub')}?refresh=1`);
  assert.deepEqual(
    (again.body as HubChildrenResponse).children.map((c) => c.name),
    good.children.map((c) => c.alias)
  );

  // A child is a camera, not a hub.
  const child = await call(resources.hubChildren(childCameraId('hub', good.child('C420').deviceId)));
  assert.equal(child.code, 400);
  assert.match(child.body.error, /is not a hub/);

  const refused = await call(resources.hubChildren('badhub'));
  assert.equal(refused.code, 502);
  assert.equal(refused.body.reason, 'wrong_password');
  const attempts = bad.transport.stats.loginRequests;
  for (let i = 0; i < 4; i++) {
    const r = await call(`${resources.hubChildren('badhub')}?refresh=1`);
    assert.equal(r.code, 502);
    assert.equal(r.body.reason, 'wrong_password');
  }
  assert.equal(bad.transport.stats.loginRequests, attempts, 'the refused password is not sent again');
  assert.equal(bad.transport.isLocked, false, 'the editor never locks the owner out');
});
