import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startSimulatedFleet } from '../../src/simulator/fleet.ts';
import type { MotionEventInfo } from '../../src/simulator/camera.ts';
import { TapoClient } from '../../src/tapo/client.ts';
import { startCam, clientFor, waitFor } from '../tapo/helpers.ts';
import { postToCamera } from '../helpers/camera-post.ts';
import { spawnSimulatorCli } from '../helpers/simulator-cli.ts';

const sidecar = fileURLToPath(new URL('../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

test('fleet: a mix of models and flows, described as JSON, extras hook called and closed', async () => {
  const closed: number[] = [];
  const fleet = await startSimulatedFleet({
    count: 6,
    extras: async (cam, ctx) => ({ onvifPort: 20000 + ctx.index, close: async () => void closed.push(ctx.index) }),
  });
  try {
    const d = fleet.describe();
    assert.equal(d.length, 6);
    assert.deepEqual(
      d.map((x) => x.model),
      ['C210', 'C110', 'C420', 'C200', 'C310', 'C400']
    );
    assert.deepEqual(
      new Set(d.map((x) => `${x.loginFlow}/${x.hashAlgo}`)),
      new Set(['secure/sha256', 'legacy/md5', 'secure/md5'])
    );
    assert.equal(d[0]!.onvifPort, 20000);
    assert.equal(d[0]!.rtspPort, null);
    assert.equal(new Set(d.map((x) => x.port)).size, 6);
    // Every described camera accepts the described credentials.
    for (const cam of d) {
      const c = new TapoClient({
        host: cam.host,
        port: cam.port,
        username: cam.user,
        password: cam.cloudPassword,
        pinnedFingerprint: cam.fingerprint,
      });
      const info = await c.getDeviceInfo();
      assert.equal(info.model, cam.model);
      assert.equal(info.alias, cam.name);
      assert.equal(c.loginFlow, cam.loginFlow);
      await c.close();
    }
  } finally {
    await fleet.close();
  }
  assert.deepEqual(closed.sort(), [0, 1, 2, 3, 4, 5]);
});

test('fleet honours basePort', async () => {
  // base and base + 1 must both be free; parallel tests take ephemeral ports meanwhile, so a port
  // taken between the probe and the listen means another base (a bounded number of tries).
  let fleet: Awaited<ReturnType<typeof startSimulatedFleet>> | null = null;
  let base = 0;
  for (let attempt = 0; attempt < 5 && !fleet; attempt++) {
    base = await freePort();
    try {
      fleet = await startSimulatedFleet({ count: 2, basePort: base, profiles: ['C110'] });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw err;
      }
    }
  }
  assert.ok(fleet, 'no two free ports in a row in five tries');
  try {
    assert.deepEqual(
      fleet.cameras.map((c) => c.port),
      [base, base + 1]
    );
  } finally {
    await fleet.close();
  }
});

test('CLI prints one JSON line per camera and serves them until SIGTERM', async () => {
  // The third is a 2026 firmware build on login v4 (TPAP).
  const { cams: lines, child } = await spawnSimulatorCli(
    ['--cameras', '3', '--models', 'C210,C110,C200-1.4.6', '--host', '127.0.0.1'],
    3,
    20_000
  );
  try {
    assert.deepEqual(
      lines.map((l) => [l.model, l.loginFlow]),
      [
        ['C210', 'secure'],
        ['C110', 'legacy'],
        ['C200', 'tpap'],
      ]
    );
    for (const l of lines) {
      assert.match(l.address, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(l.user, 'admin');
      assert.ok(l.cameraAccount.username && l.cameraAccount.password);
      const c = new TapoClient({ host: l.host, port: l.port, password: l.cloudPassword });
      assert.equal((await c.getDeviceInfo()).model, l.model);
      await c.close();
    }
  } finally {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('motion: triggerMotion emits start and end, and updates last alarm info', async () => {
  const cam = await startCam({ name: 's-motion', motionDurationMs: 30 });
  const events: MotionEventInfo[] = [];
  cam.events.on('motion', (e: MotionEventInfo) => events.push(e));
  const ended = waitFor<MotionEventInfo>(cam.events, 'motion', (e) => e.end !== null);
  const started = cam.triggerMotion('motion');
  const end = await ended;
  assert.equal(events[0], started);
  assert.equal(end.start, started.start);
  assert.ok(end.end! >= end.start);
  const alarm = await clientFor(cam).getLastAlarm();
  assert.equal(alarm?.type, 'motion');
});

test('a detection leaves its clip on the SD card once it is over (with its event code); no card, no clip', async () => {
  const cam = await startCam({ name: 's-clip', motionDurationMs: 30 });
  const made = [...cam.device.card.segments()];
  const before = made.length;
  const ended = waitFor<MotionEventInfo>(cam.events, 'motion', (e) => e.end !== null);
  const started = cam.triggerMotion('person');
  assert.equal(cam.device.card.segments().length, before, 'nothing while it is still recording');
  const end = await ended;
  const clip = cam.device.card.segments().find((s) => s.start === Math.floor(started.start / 1000));
  assert.deepEqual(clip, {
    start: Math.floor(started.start / 1000),
    end: Math.floor(end.end! / 1000),
    videoType: 2,
    events: [2, 6],
  });
  // The made-up history stays beside it.
  assert.ok(before > 0 && made.every((m) => cam.device.card.segments().includes(m)));

  const bare = await startCam({ name: 's-clip-none', motionDurationMs: 30 });
  bare.device.card.state = 'none';
  const over = waitFor<MotionEventInfo>(bare.events, 'motion', (e) => e.end !== null);
  bare.triggerMotion('motion');
  await over;
  bare.device.card.state = 'normal';
  assert.ok(!bare.device.card.segments().some((s) => s.end * 1000 >= Date.now() - 60_000), 'no clip without a card');
});

test('autoMotion produces random bursts', async () => {
  const cam = await startCam({ name: 's-auto', autoMotion: { meanIntervalMs: 30 }, motionDurationMs: 10 });
  const ev = await waitFor<MotionEventInfo>(cam.events, 'motion');
  assert.ok(['motion', 'person'].includes(ev.kind));
  assert.ok(cam.device.lastAlarm !== null);
});

test('values change between polls', async () => {
  const cam = await startCam({ name: 's-values' });
  const client = clientFor(cam);
  const rssi = new Set<number | null>();
  const free = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const p = await client.poll();
    rssi.add(p.connection?.rssiDbm ?? null);
    free.add(p.sdCard?.freeBytes ?? -1);
  }
  assert.ok(rssi.size > 1, 'signal varies');
  assert.ok(free.size > 1, 'storage fills');
});

test('login answers look like firmware: discover, probe without cnonce, bad user', async () => {
  const secure = await startCam({ name: 's-fw-secure' });
  const legacy = await startCam({ name: 's-fw-legacy', loginFlow: 'legacy' });
  const disc = await postToCamera(secure, { method: 'login', params: { sub_method: 'discover' } });
  assert.equal(disc.json.error_code, -40413);
  assert.deepEqual((disc.json.result as { data: { encrypt_type: string[] } }).data.encrypt_type, ['3']);
  assert.equal(
    (await postToCamera(legacy, { method: 'login', params: { sub_method: 'discover' } })).json.error_code,
    -40401
  );
  assert.equal(
    (await postToCamera(secure, { method: 'login', params: { encrypt_type: '3', username: 'admin' } })).json.error_code,
    -40211
  );
  assert.equal(
    (
      await postToCamera(legacy, {
        method: 'login',
        params: { cnonce: '0011223344556677', encrypt_type: '3', username: 'admin' },
      })
    ).json.error_code,
    -40401
  );
  const bad = await postToCamera(secure, {
    method: 'login',
    params: { cnonce: '0011223344556677', encrypt_type: '3', username: 'guest' },
  });
  assert.equal(bad.json.error_code, -40411);
  assert.equal(secure.stats.credentialAttempts + legacy.stats.credentialAttempts, 0);
});

test('suspension after N failed digests, with sec_left, lifted after the configured time', async () => {
  const cam = await startCam({ name: 's-lock', maxFailedLogins: 3, lockoutSeconds: 1 });
  const cnonce = '0011223344556677';
  for (let i = 0; i < 2; i++) {
    await postToCamera(cam, { method: 'login', params: { cnonce, encrypt_type: '3', username: 'admin' } });
    const r = await postToCamera(cam, {
      method: 'login',
      params: { cnonce, encrypt_type: '3', username: 'admin', digest_passwd: 'X' },
    });
    assert.equal(r.json.error_code, -40413);
    assert.equal((r.json.result as { data: { time: number } }).data.time, 3 - (i + 1), 'attempts left');
  }
  const unlocked = waitFor(cam.events, 'unlocked');
  await postToCamera(cam, { method: 'login', params: { cnonce, encrypt_type: '3', username: 'admin' } });
  const locked = await postToCamera(cam, {
    method: 'login',
    params: { cnonce, encrypt_type: '3', username: 'admin', digest_passwd: 'X' },
  });
  assert.equal(locked.json.error_code, -40404);
  assert.equal((locked.json.data as { sec_left: number }).sec_left, 1);
  assert.ok(cam.isLocked);
  await unlocked;
  assert.equal(cam.isLocked, false);
});

test('the camera client never imports the simulator', () => {
  const dir = join(sidecar, 'src', 'tapo');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.doesNotMatch(text, /from\s+['"][^'"]*simulator/, `${f} imports the simulator`);
  }
});

test('a battery camera behind a hub records its fixed-length clip per detection, listed once recorded', async (t) => {
  const { SimulatedHub } = await import('../../src/simulator/hub/hub.ts');
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 's-hub-clip',
    children: [{ alias: 'Door', model: 'D230', clipSeconds: 4 }],
  });
  try {
    const door = hub.child('Door');
    const rings = () => door.card.segments().filter((s) => s.events.includes(17));
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const at = Math.floor(Date.now() / 1000);
    door.trigger('ring');
    t.mock.timers.tick(3999);
    assert.deepEqual(rings(), [], 'not listed while it records');
    t.mock.timers.tick(1);
    assert.deepEqual(rings(), [{ start: at, end: at + 3, videoType: 2, events: [2, 17] }]);
  } finally {
    t.mock.timers.reset();
    await hub.close();
  }
});
