import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCam, clientFor, tapoError } from './helpers.ts';
import type { SimLoginFlow } from '../../src/simulator/camera.ts';

const VARIANTS: Array<{ flow: SimLoginFlow; hash: 'sha256' | 'md5' }> = [
  { flow: 'secure', hash: 'sha256' },
  { flow: 'secure', hash: 'md5' },
  { flow: 'legacy', hash: 'md5' },
];

for (const v of VARIANTS) {
  describe(`client against a PTZ camera, ${v.flow} login (${v.hash})`, () => {
    test('every method', async () => {
      const cam = await startCam({
        name: `client-${v.flow}-${v.hash}`,
        model: 'C210',
        loginFlow: v.flow,
        hashAlgo: v.hash,
      });
      const client = clientFor(cam);
      const fingerprints: string[] = [];
      const c2 = clientFor(cam, { onFingerprint: (fp) => fingerprints.push(fp) });
      await c2.login();
      assert.deepEqual(fingerprints, [cam.fingerprint]);
      assert.equal(c2.loginFlow, v.flow);
      assert.equal(c2.passwordHashAlgo, v.flow === 'secure' ? v.hash : 'md5');

      const info = await client.getDeviceInfo();
      assert.equal(info.model, 'C210');
      assert.equal(info.alias, cam.name);
      assert.equal(info.firmware, cam.profile.firmware);
      assert.equal(info.hardwareVersion, '2.0');
      assert.equal(info.mac, cam.device.mac);
      assert.equal(info.deviceId, cam.device.deviceId);
      assert.equal(info.deviceType, 'SMART.IPCAMERA');
      assert.equal(info.batteryPercent, null);
      assert.equal(info.uptimeSeconds, null, 'wired cameras report no uptime');
      assert.equal(info.temperatureC, null, 'wired cameras report no temperature');

      const conn = await client.getConnectionInfo();
      assert.equal(conn.linkType, 'wifi');
      assert.ok(conn.rssiDbm !== null && conn.rssiDbm <= -38 && conn.rssiDbm >= -85);
      assert.ok(conn.signalLevel !== null && conn.signalLevel >= 0 && conn.signalLevel <= 4);
      assert.equal(conn.ssid, 'camwatch-sim');

      for (const [get, set, field] of [
        ['getMotionDetection', 'setMotionDetection', 'motionDetection'],
        ['getPersonDetection', 'setPersonDetection', 'personDetection'],
        ['getLed', 'setLed', 'led'],
      ] as const) {
        assert.equal(await client[get](), true);
        await client[set](false);
        assert.equal(cam.device[field], false, `${set} reached the camera`);
        assert.equal(await client[get](), false);
        await client[set](true);
        assert.equal(await client[get](), true);
      }

      assert.equal(await client.getPrivacyMode(), false);
      await client.setPrivacyMode(true);
      assert.equal(cam.device.privacyMode, true);
      assert.equal(await client.getPrivacyMode(), true);
      // PTZ refuses to move while the lens is masked: the camera's code is kept.
      const busy = await tapoError(client.ptzMoveStep(90));
      assert.equal(busy.kind, 'protocol');
      assert.equal(busy.code, -64324);
      await client.setPrivacyMode(false);

      const sd = await client.getSdCard();
      assert.ok(sd);
      assert.equal(sd.status, 'normal');
      assert.ok(sd.totalBytes > 50 * 1024 ** 3);
      assert.equal(sd.usedBytes + sd.freeBytes, sd.totalBytes);

      assert.equal(await client.getLastAlarm(), null, 'no alarm yet');
      const ev = cam.triggerMotion('person');
      const alarm = await client.getLastAlarm();
      assert.deepEqual(alarm, { time: Math.floor(ev.start / 1000) * 1000, type: 'person' });

      const clock = await client.getClock();
      assert.ok(Math.abs(clock.time - Date.now()) < 5000);
      assert.match(clock.localTime ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.deepEqual(await client.getTimezone(), {
        timezone: 'UTC+01:00',
        zoneId: 'Europe/Berlin',
        timingMode: 'ntp',
      });

      await client.ptzMove(20, 5);
      assert.deepEqual(cam.device.position, { x: 20, y: 5 });
      await client.ptzMoveStep(0);
      assert.deepEqual(cam.device.position, { x: 30, y: 5 });
      const limit = await tapoError(client.ptzMove(500, 0));
      assert.equal(limit.code, -64304);
      assert.equal((await tapoError(client.ptzMoveStep(360))).kind, 'protocol');

      const presets = await client.getPresets();
      assert.deepEqual(presets, [
        { id: '1', name: 'Door' },
        { id: '2', name: 'Window' },
      ]);
      await client.gotoPreset('2');
      assert.deepEqual(cam.device.position, { x: -60, y: 10 });
      assert.equal((await tapoError(client.gotoPreset('9'))).code, -64302);

      const poll = await client.poll();
      assert.equal(poll.deviceInfo.model, 'C210');
      assert.equal(poll.motionDetectionEnabled, true);
      assert.equal(poll.privacyMode, false);
      assert.equal(poll.led, 'on');
      assert.equal(poll.lastAlarm?.type, 'person');
      assert.equal(poll.recordingMode, 'scheduled');
      assert.equal(poll.uptimeSeconds, null);
      assert.equal(poll.temperatureC, null);
      assert.ok(poll.latencyMs >= 0 && poll.latencyMs < 3000);
      assert.ok(Object.values(poll.parts).every((p) => p === 'ok'));

      // One poll is one request.
      const before = cam.stats.apiRequests;
      await client.poll();
      assert.equal(cam.stats.apiRequests - before, 1);

      // Reboot: the session dies with it; the next call logs in again by itself.
      const logins = client.loginCount;
      await client.reboot();
      assert.equal((await client.getDeviceInfo()).model, 'C210');
      assert.equal(client.loginCount, logins + 1);
    });
  });
}

describe('model differences', () => {
  test('battery model: unsupported methods are typed not_supported, poll still succeeds', async () => {
    const cam = await startCam({ name: 'battery', model: 'C420' });
    const client = clientFor(cam);
    const led = await tapoError(client.getLed());
    assert.equal(led.kind, 'not_supported');
    assert.equal(led.code, -40210);
    assert.equal(led.method, 'getLedStatus');
    assert.equal((await tapoError(client.ptzMoveStep(10))).kind, 'not_supported');
    assert.equal((await tapoError(client.getPresets())).kind, 'not_supported');

    const poll = await client.poll();
    assert.equal(poll.led, null);
    assert.deepEqual(poll.parts.led, { notSupported: true, code: -40210 });
    assert.deepEqual(poll.parts.recordPlan, { notSupported: true, code: -40210 });
    assert.equal(poll.recordingMode, null);
    assert.equal(poll.parts.motionDetection, 'ok');
    assert.ok(poll.deviceInfo.batteryPercent !== null && poll.deviceInfo.batteryPercent > 0);
    assert.ok(poll.uptimeSeconds !== null && poll.uptimeSeconds >= 0);
    assert.ok(poll.temperatureC !== null && poll.temperatureC > 10 && poll.temperatureC < 35);
    assert.equal(poll.sdCard?.status, 'offline');
  });

  test('wired camera: ethernet, no signal, no uptime or temperature', async () => {
    const cam = await startCam({ name: 'wired', model: 'C310' });
    const poll = await clientFor(cam).poll();
    assert.deepEqual(poll.connection, { linkType: 'ethernet', rssiDbm: null, signalLevel: null, ssid: null });
    assert.equal(poll.uptimeSeconds, null);
    assert.equal(poll.temperatureC, null);
    assert.equal(poll.deviceInfo.batteryPercent, null);
  });

  test('bad arguments are typed errors and never reach the camera', async () => {
    const cam = await startCam({ name: 'args' });
    const client = clientFor(cam);
    await client.login();
    const before = cam.stats.apiRequests;
    for (const p of [
      client.ptzMoveStep(-1),
      client.ptzMoveStep(1.5),
      client.ptzMove(Number.NaN, 0),
      client.gotoPreset('../x'),
      client.setLed('yes' as unknown as boolean),
    ]) {
      const e = await tapoError(p);
      assert.equal(e.kind, 'protocol');
      assert.match(e.message, /invalid argument/);
    }
    assert.equal(cam.stats.apiRequests, before);
  });
});
