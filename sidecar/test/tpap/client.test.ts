// The camera client against simulated 2026-firmware cameras (login v4, TPAP): every method over
// the AES-CCM channel, passcode forms and extra_crypt, lockout rules, session loss, replays, a
// firmware update from the older login, and an impostor whose confirmation proves nothing.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCam, clientFor, tapoError, untilTime, waitFor } from '../tapo/helpers.ts';
import { FileStateStore, MemoryStateStore } from '../../src/tapo/state.ts';
import { Transport } from '../../src/tapo/transport.ts';
import { tpapLogin, PasscodeMemory } from '../../src/tapo/tpap/tpap-login.ts';
import { TpapSession } from '../../src/tapo/tpap/tpap-session.ts';
import { SessionExpired } from '../../src/tapo/session.ts';
import { PASSCODE_FORMS } from '../../src/tapo/tpap/passcodes.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import type { SimulatedCamera } from '../../src/simulator/camera.ts';

describe('client against a C510W on 1.3.4 (TPAP, MD5 passcode)', () => {
  test('every typed method and a poll over the AES-CCM channel, in one session', async () => {
    const cam = await startCam({ name: 'tp-every', firmware: 'C510W-1.3.4' });
    const store = new MemoryStateStore();
    const client = clientFor(cam, { stateStore: store });

    const info = await client.getDeviceInfo();
    assert.equal(info.model, 'C510W');
    assert.equal(info.firmware, '1.3.4 Build 260523 Rel.33481n');
    assert.equal(info.mac, cam.device.mac);
    assert.equal(client.loginFlow, 'tpap');
    assert.equal(store.get(client.key)?.tpapForm, 'md5');
    assert.equal(store.get(client.key)?.fingerprint, cam.fingerprint);

    const conn = await client.getConnectionInfo();
    assert.equal(conn.linkType, 'wifi');
    for (const [get, set, field] of [
      ['getMotionDetection', 'setMotionDetection', 'motionDetection'],
      ['getPersonDetection', 'setPersonDetection', 'personDetection'],
      ['getLed', 'setLed', 'led'],
      ['getPrivacyMode', 'setPrivacyMode', 'privacyMode'],
    ] as const) {
      const before = await client[get]();
      await client[set](!before);
      assert.equal(cam.device[field], !before, `${set} reached the camera`);
      assert.equal(await client[get](), !before);
      await client[set](before);
    }
    const sd = await client.getSdCard();
    assert.ok(sd && sd.totalBytes > 0 && sd.usedBytes + sd.freeBytes === sd.totalBytes);
    assert.equal(await client.getLastAlarm(), null);
    const ev = cam.triggerMotion('person');
    assert.deepEqual(await client.getLastAlarm(), { time: Math.floor(ev.start / 1000) * 1000, type: 'person' });
    const clock = await client.getClock();
    assert.ok(Math.abs(clock.time - Date.now()) < 5000);
    assert.equal((await client.getTimezone()).zoneId, 'Europe/Berlin');

    await client.ptzMoveStep(0);
    assert.deepEqual(cam.device.position, { x: 10, y: 0 });
    await client.ptzMove(20, -5);
    assert.deepEqual(cam.device.position, { x: 20, y: -5 });
    const presets = await client.getPresets();
    assert.deepEqual(
      presets.map((p) => p.name),
      ['Door', 'Window']
    );
    await client.gotoPreset(presets[1]!.id);
    assert.deepEqual(cam.device.position, { x: -60, y: 10 });

    const poll = await client.poll();
    assert.equal(poll.login, 'tpap');
    assert.equal(poll.deviceInfo.model, 'C510W');
    assert.ok(Object.values(poll.parts).every((p) => p === 'ok'));
    // All of that over one login: one credential, one session.
    assert.equal(cam.stats.successfulLogins, 1);
    assert.equal(cam.stats.credentialAttempts, 1);
    assert.equal(cam.stats.seqRejected + cam.stats.tagFailures, 0);

    const booted = cam.device.bootTime;
    await client.reboot();
    assert.ok(cam.device.bootTime >= booted);
    // The reboot ended the session: the next call logs in again.
    await client.getDeviceInfo();
    assert.equal(cam.stats.successfulLogins, 2);
  });

  test('the camera forgets the session: one new login, the call succeeds', async () => {
    const cam = await startCam({ name: 'tp-expire', firmware: 'C510W-1.3.4' });
    const client = clientFor(cam);
    await client.poll();
    cam.setFault({ expireTokens: true });
    await client.poll();
    assert.equal(cam.stats.expiredSessionAnswers, 1);
    assert.equal(cam.stats.successfulLogins, 2);
    assert.equal(cam.stats.failedCredentialAttempts, 0);
  });

  test('session lifetime: the client logs in again before the camera ends the session', async () => {
    const cam = await startCam({ name: 'tp-ttl', firmware: 'C510W-1.3.4', tokenTtlMs: 1000 });
    const client = clientFor(cam);
    await client.poll();
    await untilTime(Date.now() + 1000); // the camera's session lifetime ("expired": 1 s) has passed
    await client.poll();
    assert.equal(cam.stats.successfulLogins, 2);
    assert.equal(cam.stats.expiredSessionAnswers, 0, 'renewed before the camera had to refuse');
  });

  test('a garbled reply drops the session; the client logs in once more and reports the camera', async () => {
    const cam = await startCam({ name: 'tp-garbage', firmware: 'C510W-1.3.4' });
    const client = clientFor(cam);
    await client.poll();
    cam.setFault({ garbageJson: true });
    const e = await tapoError(client.poll());
    assert.equal(e.kind, 'protocol');
    cam.clearFaults();
    await client.poll();
    assert.equal(client.isAuthFailed, false, 'garbage is not a refused credential');
  });

  test('wrong password: one pake_share per passcode form, then none until the password changes', async () => {
    const cam = await startCam({ name: 'tp-wrong', firmware: 'C510W-1.3.4' });
    const client = clientFor(cam, { password: 'not-the-password' });
    const e = await tapoError(client.poll());
    assert.equal(e.kind, 'auth_failed');
    assert.equal(cam.stats.credentialAttempts, PASSCODE_FORMS.length);
    assert.equal(cam.stats.failedCredentialAttempts, PASSCODE_FORMS.length);
    const requests = cam.stats.loginRequests;
    for (let i = 0; i < 3; i++) {
      assert.equal((await tapoError(client.poll())).kind, 'auth_failed');
    }
    assert.equal(cam.stats.loginRequests, requests, 'no request at all after every form was refused');
    assert.ok(!e.message.includes('not-the-password'));
    client.resetAuth(cam.cloudPassword);
    await client.poll();
    assert.equal(cam.stats.failedCredentialAttempts, PASSCODE_FORMS.length);
    assert.equal(cam.isLocked, false);
  });

  test('an impostor whose dev_confirm proves nothing never gets a request', async () => {
    const cam = await startCam({ name: 'tp-impostor', firmware: 'C510W-1.3.4' });
    cam.setFault({ tpapImpostor: true });
    const client = clientFor(cam);
    const e = await tapoError(client.getDeviceInfo());
    assert.equal(e.kind, 'auth_failed');
    assert.equal(cam.stats.apiRequests, 0, 'no /ds request over an unverified session');
    assert.equal(cam.stats.credentialAttempts, PASSCODE_FORMS.length);
  });

  test('suspension: locked_out with seconds left, remembered across a restart, no attempt meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpap-lock-'));
    try {
      const cam = await startCam({
        name: 'tp-lock',
        firmware: 'C510W-1.3.4',
        maxFailedLogins: 1,
        lockoutSeconds: 600,
      });
      const path = join(dir, 'state.json');
      const client = clientFor(cam, { password: 'wrong', stateStore: new FileStateStore(path) });
      const e = await tapoError(client.poll());
      assert.equal(e.kind, 'locked_out');
      assert.ok((e.secondsLeft ?? 0) > 500 && (e.secondsLeft ?? 0) <= 600, String(e.secondsLeft));
      assert.equal(cam.stats.credentialAttempts, 1, 'the lock stops the second form');
      const requests = cam.stats.loginRequests;
      // A restart: a new client on the same state file, with the right password, waits too.
      const again = clientFor(cam, { stateStore: new FileStateStore(path) });
      const e2 = await tapoError(again.poll());
      assert.equal(e2.kind, 'locked_out');
      assert.equal(cam.stats.loginRequests, requests);
      assert.ok(JSON.parse(readFileSync(path, 'utf8'))[again.key].lockedUntil > Date.now());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('client against a C200 hw5 on 1.4.6 (TPAP, SHA-256 passcode through SHA-256-crypt)', () => {
  test('a suspension caused by the MD5 form: after it ends, only the SHA-256 form is sent', async () => {
    const cam = await startCam({ name: 'tp-c200-lock', firmware: 'C200-1.4.6', maxFailedLogins: 1, lockoutSeconds: 1 });
    const store = new MemoryStateStore();
    const client = clientFor(cam, { stateStore: store });
    const unlocked = waitFor(cam.events, 'unlocked');
    const e = await tapoError(client.poll());
    assert.equal(e.kind, 'locked_out');
    assert.equal(e.secondsLeft, 60, 'TPAP firmware counts the suspension in whole minutes');
    assert.equal(client.isAuthFailed, false, 'the SHA-256 form is still untried');
    await unlocked;
    // The camera lifted the suspension after 1 s; move the client's remembered minute on with it.
    store.update(client.key, { lockedUntil: undefined });
    await client.poll();
    assert.equal(cam.stats.failedCredentialAttempts, 1, 'the MD5 form was not sent a second time');
    assert.equal(cam.stats.credentialAttempts, 2);
  });

  test('MD5 is refused once, the SHA-256 form works and is remembered across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpap-form-'));
    try {
      const cam = await startCam({ name: 'tp-c200', firmware: 'C200-1.4.6' });
      const path = join(dir, 'state.json');
      const client = clientFor(cam, { stateStore: new FileStateStore(path) });
      const poll = await client.poll();
      assert.equal(poll.deviceInfo.hardwareVersion, '5.0');
      assert.equal(cam.stats.credentialAttempts, 2);
      assert.equal(cam.stats.failedCredentialAttempts, 1);
      assert.equal(client.passwordHashAlgo, 'sha256');
      const saved = JSON.parse(readFileSync(path, 'utf8'))[client.key];
      assert.equal(saved.loginFlow, 'tpap');
      assert.equal(saved.tpapForm, 'sha256+password_shadow/5');
      // A restart: the remembered form goes first, nothing is refused.
      const again = clientFor(cam, { stateStore: new FileStateStore(path) });
      await again.poll();
      assert.equal(cam.stats.credentialAttempts, 3);
      assert.equal(cam.stats.failedCredentialAttempts, 1);
      // Within one client, a form refused with this password is never sent again.
      cam.setFault({ expireTokens: true });
      await client.poll();
      assert.equal(cam.stats.failedCredentialAttempts, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("the camera's verifier changes (password re-synced, firmware): its form is learnt again; refusals stay", async () => {
  const cam = await startCam({ name: 'tp-verifier', firmware: 'C510W-1.3.4' });
  const store = new MemoryStateStore();
  const as = (password: string) => clientFor(cam, { password, stateStore: store });
  await as(cam.cloudPassword).poll();
  const first = store.get(`${cam.host}:${cam.port}`)!;
  assert.equal(first.tpapForm, 'md5');
  assert.ok(first.tpapVerifier);
  assert.equal((await tapoError(as('wrong-1').poll())).kind, 'auth_failed');
  assert.equal(cam.stats.failedCredentialAttempts, 1, 'the known form only');

  // New firmware made the verifier afresh from the SHA-256 form (a new salt says so).
  cam.updateFirmware('tpap', { passcode: 'sha256' });
  await as(cam.cloudPassword).poll();
  assert.equal(cam.stats.failedCredentialAttempts, 2, 'the remembered MD5 form first, once');
  const second = store.get(`${cam.host}:${cam.port}`)!;
  assert.equal(second.tpapForm, 'sha256');
  assert.notEqual(second.tpapVerifier, first.tpapVerifier);

  const requests = cam.stats.loginRequests;
  assert.equal((await tapoError(as('wrong-1').poll())).kind, 'auth_failed');
  assert.equal(cam.stats.loginRequests, requests, 'a refused password is not sent again, nor probed');
  const e = await tapoError(as('wrong-2').poll());
  assert.match(e.message, /the passcode form that works on it/);
  assert.equal(cam.stats.failedCredentialAttempts, 3, 'the new known form only');
  assert.equal(cam.stats.loginRequests, requests + 2, 'one pake_register, one pake_share');
  assert.equal(cam.isLocked, false);
});

test('firmware update from the secure login to TPAP: the client notices -40211 and switches, no lockout', async () => {
  const cam = await startCam({ name: 'tp-upgrade', model: 'C210', loginFlow: 'secure', maxFailedLogins: 2 });
  const store = new MemoryStateStore();
  const client = clientFor(cam, { stateStore: store });
  assert.equal((await client.poll()).login, 'secure');
  cam.updateFirmware('tpap', { passcode: 'md5' });
  const poll = await client.poll();
  assert.equal(poll.login, 'tpap');
  assert.equal(store.get(client.key)?.loginFlow, 'tpap');
  assert.equal(cam.stats.failedCredentialAttempts, 0);
  assert.equal(cam.stats.lockedAnswers, 0);
  assert.equal(client.isAuthFailed, false);
  // Remembered: the next login goes straight to TPAP (no older probe).
  cam.setFault({ expireTokens: true });
  const before = cam.stats.loginRequests;
  await client.poll();
  assert.equal(cam.stats.loginRequests - before, 2, 'pake_register + pake_share only');
});

describe('the device side of the channel (sequence window, replays, bare requests)', () => {
  class Recording extends Transport {
    last: { path: string; body: Buffer } | null = null;
    override post(path: string, body: string | Buffer, headers?: Record<string, string>, sameAs?: string) {
      if (path.endsWith('/ds') && Buffer.isBuffer(body)) {
        this.last = { path, body };
      }
      return super.post(path, body, headers, sameAs);
    }
  }
  async function session(cam: SimulatedCamera): Promise<{ t: Recording; s: TpapSession }> {
    const t = new Recording({
      host: cam.host,
      port: cam.port,
      timeoutMs: 3000,
      maxSockets: 1,
      expectedFingerprint: () => null,
    });
    const r = await tpapLogin(t, 'admin', cam.cloudPassword, { memory: new PasscodeMemory(), origin: 'https://x' });
    return { t, s: r.session };
  }
  const info = { method: 'getDeviceInfo', params: { device_info: { name: ['basic_info'] } } };

  test('a replayed frame is refused with -40401 and ends the session', async (t) => {
    const cam = await startCam({ name: 'tp-replay', firmware: 'C510W-1.3.4' });
    const { t: tr, s } = await session(cam);
    t.after(() => tr.close());
    await s.call(info);
    const replay = await tr.post(tr.last!.path, tr.last!.body, { 'Content-Type': 'application/octet-stream' });
    assert.deepEqual(JSON.parse(replay.body.toString('utf8')), { error_code: -40401 });
    assert.equal(cam.stats.seqRejected, 1);
    await assert.rejects(s.call(info), (e: unknown) => e instanceof SessionExpired && e.code === -40401);
  });

  test('a garbled frame is refused with -40401; a bare method is refused with -40209 and the session lives', async (t) => {
    const cam = await startCam({ name: 'tp-garbled', firmware: 'C510W-1.3.4' });
    const { t: tr, s } = await session(cam);
    t.after(() => tr.close());
    await assert.rejects(s.send(info, 'getDeviceInfo'), (e: unknown) => e instanceof TapoError && e.code === -40209);
    const ok = await s.call(info);
    assert.equal((ok as { error_code: number }).error_code, 0);
    const bad = Buffer.from(tr.last!.body);
    bad.writeUInt32BE(s.nextSeq, 0);
    bad[bad.length - 1]! ^= 0xff;
    const reply = await tr.post(tr.last!.path, bad, { 'Content-Type': 'application/octet-stream' });
    assert.deepEqual(JSON.parse(reply.body.toString('utf8')), { error_code: -40401 });
    assert.equal(cam.stats.tagFailures, 1);
  });

  test('the camera refuses a session past its lifetime with -40401', async (t) => {
    const cam = await startCam({ name: 'tp-ttl-dev', firmware: 'C510W-1.3.4', tokenTtlMs: 300 });
    const { t: tr, s } = await session(cam);
    t.after(() => tr.close());
    await untilTime(Date.now() + 300);
    const multi = { method: 'multipleRequest', params: { requests: [info] } };
    await assert.rejects(s.send(multi), (e: unknown) => e instanceof SessionExpired && e.code === -40401);
    assert.equal(cam.stats.expiredSessionAnswers, 1);
  });

  test('a session past its lifetime is renewed before anything is sent', async () => {
    let now = 1_000_000;
    const dead = new Transport({
      host: '127.0.0.1',
      port: 1,
      timeoutMs: 100,
      maxSockets: 1,
      expectedFingerprint: () => null,
    });
    const s = new TpapSession(dead, {
      stok: 'x',
      keys: { key: Buffer.alloc(16), baseNonce: Buffer.alloc(12) },
      startSeq: 5,
      expiresAt: now + 3600_000,
      headers: {},
      now: () => now,
    });
    now += 3600_000 - 30_000; // within the last minute
    await assert.rejects(s.call(info), (e: unknown) => e instanceof SessionExpired && /lifetime/.test(e.message));
    assert.equal(s.nextSeq, 5, 'no seq spent');
    dead.close();
  });
});

test('firmware on a login nobody speaks yet: unsupported_login, no credential sent', async () => {
  const cam = await startCam({ name: 'tp-unknown', tpapOnly: true });
  const client = clientFor(cam);
  const e = await tapoError(client.poll());
  assert.equal(e.kind, 'unsupported_login');
  assert.equal(cam.stats.credentialAttempts, 0);
});
