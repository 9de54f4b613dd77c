/**
 * The hub client against the simulated H200: listing with paging, both controlChild wrappings,
 * out-of-order answers, sleep and wake, a removed child, the lockout rules on the hub's own login
 * (secure and TPAP login v4), and every battery reading.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedHub, type SimulatedHubOptions } from '../../src/simulator/hub/hub.ts';
import { HubClient, ChildUnavailable, type ChildWrapping, type HubClientOptions } from '../../src/tapo/hub/index.ts';
import * as m from '../../src/tapo/methods.ts';
import { tapoError } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.allSettled(cleanups.reverse().map((f) => f()));
});

async function startHub(opts: SimulatedHubOptions = {}): Promise<SimulatedHub> {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', ...opts });
  cleanups.push(() => hub.close());
  return hub;
}

function clientFor(hub: SimulatedHub, extra: Partial<HubClientOptions> = {}): HubClient {
  const c = new HubClient({ host: hub.host, port: hub.port, password: hub.cloudPassword, timeoutMs: 3000, ...extra });
  cleanups.push(() => c.close());
  return c;
}

test('hub identity and child list, paged two at a time', async () => {
  const hub = await startHub({ name: 'h-paging', pageSize: 2 });
  hub.addChild({ alias: 'Shed', model: 'C420' });
  const client = clientFor(hub);
  const info = await client.getHubInfo();
  assert.equal(info.deviceType, 'SMART.TAPOHUB');
  assert.equal(info.model, 'H200');
  const children = await client.listChildren();
  assert.deepEqual(
    children.map((c) => [c.alias, c.model]),
    [
      ['Garden', 'C420'],
      ['Driveway', 'C425'],
      ['Front door', 'D230'],
      ['Shed', 'C420'],
    ]
  );
  assert.equal(hub.listCalls, 2, 'two pages of two');
  assert.deepEqual(
    children.map((c) => c.deviceId),
    hub.children.map((c) => c.deviceId)
  );
  assert.equal(
    hub.children.reduce((n, c) => n + c.wakeups, 0),
    0,
    'listing never wakes a child'
  );
});

for (const wrapping of ['multi', 'perMethod'] as ChildWrapping[]) {
  for (const shuffle of [false, true]) {
    test(`controlChild, ${wrapping} wrapping, answers ${shuffle ? 'out of order' : 'in order'}`, async () => {
      const hub = await startHub({ name: `h-${wrapping}-${shuffle}`, shuffle });
      const client = clientFor(hub, { wrapping });
      const door = hub.child('D230');
      door.trigger('ring');
      const poll = await client.pollChild(door.deviceId);
      assert.equal(poll.info.model, 'D230');
      assert.equal(poll.info.alias, 'Front door');
      assert.equal(poll.info.deviceType, 'SMART.TAPODOORBELL');
      assert.equal(poll.info.deviceId, door.deviceId);
      assert.equal(poll.lastAlarm?.type, 'ring');
      // Three requests, two sharing a section (`system`): each answer still lands on its request.
      const subs = await client.callChild(door.deviceId, [m.req.lastAlarm(), m.req.deviceInfo(), m.req.clock()]);
      assert.deepEqual(
        subs.map((s) => [s.method, s.errorCode]),
        [
          ['getLastAlarmInfo', 0],
          ['getDeviceInfo', 0],
          ['getClockStatus', 0],
        ]
      );
      assert.equal(m.decodeLastAlarm(subs[0]!.result)?.type, 'ring');
      assert.equal(
        (subs[1]!.result as { device_info: { basic_info: { device_model: string } } }).device_info.basic_info
          .device_model,
        'D230'
      );
      assert.ok(m.decodeClock(subs[2]!.result).time > 0);
      // A method the child lacks keeps its own error, not its neighbour's.
      const mixed = await client.callChild(door.deviceId, [m.req.presets(), m.req.deviceInfo()]);
      assert.deepEqual(
        mixed.map((s) => [s.method, s.errorCode]),
        [
          ['getPresetConfig', -40210],
          ['getDeviceInfo', 0],
        ]
      );
    });
  }
}

test('sleep and wake: the list says sleeping without waking; a poll wakes; a child that will not wake is unavailable', async () => {
  const hub = await startHub({ name: 'h-sleep' });
  const client = clientFor(hub);
  const cam = hub.child('C420');
  cam.sleep();
  let listed = (await client.listChildren()).find((c) => c.deviceId === cam.deviceId)!;
  assert.equal(listed.sleeping, true);
  assert.equal(listed.online, true);
  assert.equal(listed.camUptimeSeconds, 0);
  assert.equal(cam.wakeups, 0);
  await client.pollChild(cam.deviceId);
  assert.equal(cam.wakeups, 1, 'the poll woke it');
  listed = (await client.listChildren()).find((c) => c.deviceId === cam.deviceId)!;
  assert.equal(listed.sleeping, false);
  cam.sleep();
  cam.faults.wontWake = true;
  for (const wrapping of ['multi', 'perMethod'] as ChildWrapping[]) {
    const e = await tapoError(clientFor(hub, { wrapping }).pollChild(cam.deviceId));
    assert.ok(e instanceof ChildUnavailable);
    assert.equal(e.problem, 'no_answer');
    assert.equal(e.code, -1);
  }
  assert.equal((await client.listChildren()).find((c) => c.deviceId === cam.deviceId)!.sleeping, true);
});

test('a child removed from the hub leaves the list and is refused as not paired', async () => {
  const hub = await startHub({ name: 'h-removed' });
  const client = clientFor(hub);
  const gone = hub.child('C425');
  await client.pollChild(gone.deviceId);
  hub.removeChild(gone.deviceId);
  const children = await client.listChildren();
  assert.equal(children.length, 2);
  assert.ok(!children.some((c) => c.deviceId === gone.deviceId));
  for (const wrapping of ['multi', 'perMethod'] as ChildWrapping[]) {
    const e = await tapoError(clientFor(hub, { wrapping }).pollChild(gone.deviceId));
    assert.ok(e instanceof ChildUnavailable);
    assert.equal(e.problem, 'not_paired');
  }
  // An unreachable child is listed offline and does not answer.
  const door = hub.child('D230');
  door.faults.unreachable = true;
  assert.equal((await client.listChildren()).find((c) => c.deviceId === door.deviceId)!.online, false);
  assert.equal(((await tapoError(client.pollChild(door.deviceId))) as ChildUnavailable).problem, 'no_answer');
});

test('wrong hub password: refused once, never retried until it changes (as for cameras)', async () => {
  const hub = await startHub({ name: 'h-wrong', maxFailedLogins: 3 });
  const client = clientFor(hub, { password: 'not-the-password' });
  assert.equal((await tapoError(client.listChildren())).kind, 'auth_failed');
  const attempts = hub.transport.stats.loginRequests;
  for (let i = 0; i < 5; i++) {
    assert.equal((await tapoError(client.listChildren())).kind, 'auth_failed');
    assert.equal((await tapoError(client.pollChild(hub.children[0]!.deviceId))).kind, 'auth_failed');
  }
  assert.equal(hub.transport.stats.loginRequests, attempts, 'no further login requests');
  assert.equal(hub.transport.isLocked, false);
  client.client.resetAuth(hub.cloudPassword);
  assert.equal((await client.listChildren()).length, 3);
});

test('a hub that suspended logins is not called until the suspension ends', async () => {
  const hub = await startHub({ name: 'h-locked', maxFailedLogins: 1, loginFlow: 'legacy' });
  const bad = clientFor(hub, { password: 'wrong' });
  await tapoError(bad.listChildren());
  assert.equal(hub.transport.isLocked, true);
  const client = clientFor(hub);
  const e = await tapoError(client.listChildren());
  assert.equal(e.kind, 'locked_out');
  const seen = hub.transport.stats.loginRequests;
  assert.equal((await tapoError(client.listChildren())).kind, 'locked_out');
  assert.equal(hub.transport.stats.loginRequests, seen, 'fails fast without a request');
});

test('a hub on TPAP login v4 lists and relays like any other', async () => {
  const hub = await startHub({ name: 'h-tpap', loginFlow: 'tpap' });
  const client = clientFor(hub);
  const children = await client.listChildren();
  assert.equal(children.length, 3);
  assert.equal(client.client.loginFlow, 'tpap');
  assert.equal((await client.pollChild(children[2]!.deviceId)).info.model, 'D230');
});

test('every battery reading from the list: percent, charging, power source, low battery, temperature, voltage, uptime', async () => {
  const hub = await startHub({ name: 'h-battery' });
  const client = clientFor(hub);
  const cam = hub.child('C420');
  cam.setBattery(12);
  cam.faults.overheat = true;
  const solar = hub.child('C425');
  solar.setCharging(true);
  const [c420, c425, d230] = await client.listChildren();
  assert.equal(c420!.batteryPercent, 12);
  assert.equal(c420!.lowBattery, true);
  assert.equal(c420!.charging, false);
  assert.equal(c420!.batteryTemperatureC, 62);
  assert.equal(c420!.powerSource, 'BATTERY');
  assert.ok(c420!.batteryVoltageMv! > 3000 && c420!.batteryVoltageMv! < 5000);
  assert.ok(c420!.uptimeSeconds! > 86_400, 'link uptime');
  assert.equal(c425!.charging, true);
  assert.equal(c425!.powerSource, 'SOLAR');
  assert.equal(c425!.lowBattery, false);
  assert.equal(d230!.batteryTemperatureC, 3);
  assert.equal(d230!.batteryPercent, 90);
  // The child's own view agrees, and says it is overheated.
  const own = await client.pollChild(cam.deviceId);
  assert.equal(own.info.batteryPercent, 12);
  assert.equal(own.info.overheated, true);
  assert.equal(own.info.lowBattery, true);
  assert.equal(own.info.powerSource, 'BATTERY');
  // Awake, it reports cam_uptime; a drain over time is the simulator's, the decode is ours.
  const again = (await client.listChildren())[0]!;
  assert.ok(again.camUptimeSeconds !== null && again.camUptimeSeconds >= 0);
  assert.equal(again.sleeping, false);
});
