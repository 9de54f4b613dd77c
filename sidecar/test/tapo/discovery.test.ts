/**
 * TP-Link discovery (TDP over UDP) between our client and the simulator's responder, on loopback
 * only (nothing here broadcasts): the packet format, cameras on old and new firmware, malformed
 * answers ignored and counted, the answer's shape against a real C210's, and the time limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { createDecipheriv, generateKeyPairSync, privateDecrypt, constants } from 'node:crypto';
import { createLogger } from '../../src/log.ts';
import { encodeTdp, decodeTdpHeader, tdpChecksumOk, TDP_HEADER_BYTES } from '../../src/tapo/tdp.ts';
import {
  buildProbe,
  discover,
  DiscoveryInputError,
  localBroadcastTargets,
  parseDiscoveryReply,
} from '../../src/tapo/discovery.ts';
import { DiscoveryResponder, discoveryAnswer, type DiscoveryEntry } from '../../src/simulator/discovery.ts';
import { Prng } from '../../src/simulator/prng.ts';
import { TapoClient } from '../../src/tapo/client.ts';
import { startSimulatedFleet } from '../../src/simulator/fleet.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { startCam } from './helpers.ts';
import { emptyArrays, referenceAnswers, shapeDiff, shapeOf } from '../helpers/shapes.ts';

async function responder(entries: DiscoveryEntry[]): Promise<DiscoveryResponder> {
  const r = await DiscoveryResponder.start(entries, { host: '127.0.0.1', port: 0 });
  test.after(() => r.close());
  return r;
}

/** A loopback UDP socket for raw exchanges; closed after the file. */
async function udp(onMessage?: (msg: Buffer) => void): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  if (onMessage) {
    s.on('message', onMessage);
  }
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  test.after(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

function nextMessage(s: dgram.Socket, deadlineMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram before the deadline')), deadlineMs);
    s.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
  });
}

test('TDP packets: the public header-only probe, our probe layout, and the checksum', () => {
  // The bare probe python-kasa sends (version 2, op 1, no payload, serial 0), checksum included.
  assert.equal(encodeTdp({ serial: 0, flags: 0 }, Buffer.alloc(0)).toString('hex'), '020000010000000000000000463cb5d3');
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const probe = buildProbe(pem);
  const h = decodeTdpHeader(probe)!;
  assert.deepEqual(
    { version: h.version, messageType: h.messageType, opCode: h.opCode, flags: h.flags },
    { version: 2, messageType: 0, opCode: 1, flags: 0x11 }
  );
  assert.equal(h.length, probe.length - TDP_HEADER_BYTES);
  assert.equal(probe[7], 0);
  assert.deepEqual(JSON.parse(probe.subarray(16).toString()), { params: { rsa_key: pem } });
  assert.ok(tdpChecksumOk(probe));
  const flipped = Buffer.from(probe);
  flipped[40]! ^= 1;
  assert.equal(tdpChecksumOk(flipped), false);
  assert.notEqual(decodeTdpHeader(buildProbe(pem))!.serial, h.serial, 'a new serial per probe (almost surely)');
});

test('discovery lists simulated cameras on old and new firmware and ignores malformed answers', async () => {
  const secure = await startCam({ name: 'Porch', model: 'C210' });
  const legacy = await startCam({ name: 'Hall', model: 'C110', loginFlow: 'legacy' });
  const tpap = await startCam({ name: 'Garden', model: 'C200', tpapOnly: true });
  const r = await responder([{ camera: secure }, { camera: legacy }, { camera: tpap, loginVersion: 4 }]);
  r.setFaults(['short', 'not-json', 'missing-fields', 'error-code']);
  const lines: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    })
  );
  const found = await discover({ targets: ['127.0.0.1'], port: r.port, timeoutMs: 1500, attempts: 1, log });
  assert.equal(r.stats.probes, 1);
  const byName = new Map(found.cameras.map((c) => [c.name, c]));
  assert.equal(found.cameras.length, 3, JSON.stringify(found));
  for (const [cam, version] of [
    [secure, 3],
    [legacy, 2],
    [tpap, 4],
  ] as const) {
    const c = byName.get(cam.name)!;
    assert.ok(c, `${cam.name} was not found`);
    assert.deepEqual(c, {
      kind: 'camera',
      host: '127.0.0.1',
      model: cam.model,
      name: cam.name,
      mac: cam.device.mac,
      deviceType: 'SMART.IPCAMERA',
      firmware: cam.profile.firmware,
      hardwareVersion: cam.profile.hwVersion,
      loginVersion: version,
      // Old firmware: from the encrypted part (opened with our RSA key); new firmware: tpap.port.
      httpsPort: cam.port,
      factoryDefault: false,
    });
  }
  assert.equal(found.malformed, 4);
  assert.equal(found.otherDevices, 0);
  const ignored = lines.filter((l) => l.includes('ignored a malformed answer'));
  assert.equal(ignored.length, 4);
  assert.ok(ignored.every((l) => JSON.parse(l)['@level'] === 'debug' && JSON.parse(l).reason));
  assert.ok(!lines.some((l) => l.includes('PUBLIC KEY') || l.includes('PRIVATE')), 'no key material in logs');
});

test('a camera found by discovery is reachable with the production client at the address it gave', async () => {
  const cam = await startCam({ name: 'Drive', model: 'C310' });
  const r = await responder([{ camera: cam }]);
  const [found] = (await discover({ targets: ['127.0.0.1'], port: r.port, timeoutMs: 1000, attempts: 1 })).cameras;
  assert.ok(found);
  const client = new TapoClient({
    host: found.host,
    port: found.httpsPort,
    password: cam.cloudPassword,
    timeoutMs: 3000,
  });
  test.after(() => client.close());
  const info = await client.getDeviceInfo();
  assert.equal(info.mac, found.mac);
  assert.equal(info.model, found.model);
});

test('a hub answers discovery as SMART.TAPOHUB beside the cameras, and its address reaches its own API', async () => {
  const cam = await startCam({ name: 'Porch', model: 'C210' });
  const hub = await SimulatedHub.start({ name: 'Hallway hub', host: '127.0.0.1', stream: false });
  test.after(() => hub.close());
  const r = await responder([{ camera: cam }, { hub }]);
  const found = await discover({ targets: ['127.0.0.1'], port: r.port, timeoutMs: 1000, attempts: 1 });
  assert.equal(found.otherDevices, 0, 'a hub is listed, not counted as another device');
  assert.deepEqual(found.cameras.map((c) => [c.name, c.kind]).sort(), [
    ['Hallway hub', 'hub'],
    ['Porch', 'camera'],
  ]);
  const h = found.cameras.find((c) => c.kind === 'hub')!;
  const info = hub.basicInfo();
  assert.deepEqual(
    { model: h.model, deviceType: h.deviceType, mac: h.mac, loginVersion: h.loginVersion, httpsPort: h.httpsPort },
    { model: 'H200', deviceType: 'SMART.TAPOHUB', mac: info.mac, loginVersion: 3, httpsPort: hub.port }
  );
  // The production client logs in to the hub where discovery said it is, and the hub says it is itself.
  const client = new TapoClient({ host: h.host, port: h.httpsPort, password: hub.cloudPassword, timeoutMs: 3000 });
  test.after(() => client.close());
  const got = await client.getDeviceInfo();
  assert.equal(got.mac, h.mac);
  assert.equal(got.model, 'H200');
  // An unreachable hub is as silent as an unreachable camera.
  hub.transport.setFault({ offline: true });
  const again = await discover({ targets: ['127.0.0.1'], port: r.port, timeoutMs: 1500, attempts: 2 });
  assert.deepEqual(
    again.cameras.map((c) => c.kind),
    ['camera']
  );
});

test('a hub answer as the notes record it (SMART.TAPOHUB, encrypt_type 3, HTTPS) is a hub, a plug is not', () => {
  const reply = (type: string) =>
    encodeTdp(
      { serial: 1, flags: 0 },
      Buffer.from(
        JSON.stringify({
          error_code: 0,
          result: {
            device_type: type,
            device_model: 'H200(EU)',
            mac: '40-AE-30-00-00-01',
            encrypt_type: ['3'],
            mgt_encrypt_schm: { is_support_https: true, http_port: 443 },
          },
        })
      )
    );
  const hub = parseDiscoveryReply(reply('SMART.TAPOHUB'), '192.0.2.7');
  assert.equal(hub.kind, 'camera');
  assert.deepEqual(hub.kind === 'camera' && [hub.camera.kind, hub.camera.model, hub.camera.httpsPort], [
    'hub',
    'H200',
    443,
  ]);
  assert.equal(parseDiscoveryReply(reply('SMART.TAPOPLUG'), '192.0.2.8').kind, 'other');
});

test('the simulated discovery answer has the real C210 shape (encrypted part opened)', async () => {
  const cam = await startCam({ name: 'Shape', model: 'C210' });
  const tpap = await startCam({ name: 'Shape v4', model: 'C200', tpapOnly: true });
  const r = await responder([{ camera: cam }]);
  const r4 = await responder([{ camera: tpap, loginVersion: 4 }]);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const probe = buildProbe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const sock = await udp();
  const ask = async (port: number) => {
    const reply = nextMessage(sock);
    sock.send(probe, port, '127.0.0.1');
    const json = JSON.parse((await reply).subarray(TDP_HEADER_BYTES).toString());
    // Open the encrypted part as a prober does and put it where python-kasa's fixture shows it.
    const info = json.result.encrypt_info;
    const keyIv = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(info.key, 'base64')
    );
    const d = createDecipheriv('aes-128-cbc', keyIv.subarray(0, 16), keyIv.subarray(16));
    json.result.decrypted_data = JSON.parse(
      Buffer.concat([d.update(Buffer.from(info.data, 'base64')), d.final()]).toString()
    );
    // The fixture blanks the sealed key and data; their type (string) is what counts.
    return json;
  };
  const ref = shapeOf(referenceAnswers().discovery_result);
  const v3 = await ask(r.port);
  assert.deepEqual(shapeDiff(ref, shapeOf(v3), { allowExtraUnder: emptyArrays(ref) }), []);
  assert.equal(v3.result.decrypted_data.http_port, cam.port);
  assert.deepEqual(v3.result.encrypt_type, ['3']);
  const v4 = await ask(r4.port);
  const extras = shapeDiff(ref, shapeOf(v4));
  assert.deepEqual(
    extras.sort(),
    [
      'extra result.sv',
      'extra result.tpap',
      'extra result.tpap.noc',
      'extra result.tpap.pake',
      'extra result.tpap.pake[]',
      'extra result.tpap.port',
      'extra result.tpap.tls',
    ].sort(),
    'a new-firmware camera adds only what a C101 on 1.4.3 adds'
  );
  assert.deepEqual(v4.result.encrypt_type, ['4']);
  assert.equal(v4.result.tpap.port, tpap.port);
});

test('a simulated fleet started with a discovery port is found whole; an offline camera stays silent', async () => {
  const fleet = await startSimulatedFleet({ count: 3, profiles: ['C210', 'C420', 'C310'], discoveryPort: 0 });
  test.after(() => fleet.close());
  fleet.cameras[1]!.setFault({ offline: true });
  const found = await discover({ targets: ['127.0.0.1'], port: fleet.discovery!.port, timeoutMs: 1000, attempts: 1 });
  assert.deepEqual(
    found.cameras.map((c) => [c.model, c.httpsPort]).sort(),
    [
      ['C210', fleet.cameras[0]!.port],
      ['C310', fleet.cameras[2]!.port],
    ].sort()
  );
});

test('the responder ignores datagrams that are not valid probes, as firmware does', async () => {
  const cam = await startCam({ name: 'Strict', model: 'C210' });
  const r = await responder([{ camera: cam }]);
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const good = buildProbe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const badChecksum = Buffer.from(good);
  badChecksum[30]! ^= 0xff;
  const badLength = Buffer.from(good);
  badLength.writeUInt16BE(3, 4);
  const sock = await udp();
  const reply = nextMessage(sock);
  for (const p of [badChecksum, badLength, Buffer.from('hello')]) {
    sock.send(p, r.port, '127.0.0.1');
  }
  sock.send(good, r.port, '127.0.0.1');
  const first = await reply;
  // The first answer is the good probe's (same serial): nothing answered the bad ones.
  assert.equal(decodeTdpHeader(first)!.serial, decodeTdpHeader(good)!.serial);
  assert.equal(r.stats.badProbes, 3);
  assert.equal(r.stats.probes, 1);
});

test('with nobody answering, discovery resolves with an empty list at its time limit', async () => {
  let probes = 0;
  const silent = await udp(() => probes++);
  const started = performance.now();
  const res = await discover({ targets: ['127.0.0.1'], port: silent.address().port, timeoutMs: 300 });
  const elapsed = performance.now() - started;
  assert.deepEqual(res, { cameras: [], malformed: 0, otherDevices: 0 });
  assert.ok(elapsed >= 295, `resolved after ${elapsed} ms, before its time limit`);
  // Bounded: it does not hang (generous, for a loaded machine; not a speed target).
  assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  assert.ok(probes >= 1 && probes <= 3, `${probes} probes`);
});

test('stray and hostile datagrams are counted as malformed, other TP-Link devices apart', () => {
  const packet = (v: unknown) => encodeTdp({ serial: 1, flags: 0 }, Buffer.from(JSON.stringify(v)));
  const camera = {
    error_code: 0,
    result: { device_type: 'SMART.IPCAMERA', device_model: 'C520WS(US)', mac: 'aa:bb:cc:dd:ee:ff', tpap: {} },
  };
  const c = parseDiscoveryReply(packet(camera), '127.0.0.9');
  assert.equal(c.kind, 'camera');
  if (c.kind === 'camera') {
    assert.equal(c.camera.model, 'C520WS');
    assert.equal(c.camera.mac, 'AA-BB-CC-DD-EE-FF');
    assert.equal(c.camera.loginVersion, 4, 'a tpap object means the new login');
    assert.equal(c.camera.httpsPort, 443, 'no port said: the local API default');
    assert.equal(c.camera.name, null);
  }
  const plug = {
    error_code: 0,
    result: { device_type: 'SMART.TAPOPLUG', device_model: 'P110', mac: 'AA-BB-CC-DD-EE-01' },
  };
  assert.equal(parseDiscoveryReply(packet(plug), '127.0.0.9').kind, 'other');
  for (const bad of [
    Buffer.alloc(0),
    Buffer.alloc(16),
    packet({ result: { ...camera.result, mac: 'not a mac' } }),
    packet({ result: { ...camera.result, device_model: 7 } }),
    packet({ error_code: -1, result: camera.result }),
    packet([1, 2, 3]),
    Buffer.concat([Buffer.alloc(16), Buffer.alloc(20_000, 0x20)]),
  ]) {
    assert.equal(parseDiscoveryReply(bad, '127.0.0.9').kind, 'malformed');
  }
});

test('discovery refuses targets that are not one IPv4 address, and unbounded time limits', async () => {
  for (const targets of [['camera.local'], ['10.0.0.0/24'], ['::1'], [], Array(17).fill('127.0.0.1')]) {
    await assert.rejects(discover({ targets, timeoutMs: 200 }), DiscoveryInputError);
  }
  await assert.rejects(discover({ targets: ['127.0.0.1'], timeoutMs: 60_000 }), /time limit must be 100\.\.10000 ms/);
  await assert.rejects(discover({ targets: ['127.0.0.1'], port: 70_000 }), /port must be an integer/);
  // The default targets are this machine's own broadcast addresses, never loopback (not sent here).
  for (const t of localBroadcastTargets()) {
    assert.match(t, /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(!t.startsWith('127.'));
  }
});

test('fuzz: random and mutated answers never throw and never list a camera without its identity', async () => {
  const cam = await startCam({ name: 'Fuzz', model: 'C210' });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const valid = Buffer.from(JSON.stringify(discoveryAnswer({ camera: cam }, pem)));
  const prng = new Prng(20002);
  const kinds = { camera: 0, other: 0, malformed: 0 };
  for (let i = 0; i < Number(process.env.FUZZ_ITERATIONS ?? 400); i++) {
    let payload: Buffer;
    if (i % 3 === 0) {
      payload = prng.bytes(prng.int(0, 600));
    } else {
      // Flip, drop or repeat bytes of a valid answer.
      payload = Buffer.from(valid);
      for (let j = prng.int(1, 4); j > 0; j--) {
        const at = prng.int(0, payload.length - 1);
        const op = prng.int(0, 2);
        payload =
          op === 0
            ? (payload.fill(prng.int(0, 255), at, at + 1), payload)
            : op === 1
              ? Buffer.concat([payload.subarray(0, at), payload.subarray(at + prng.int(1, 20))])
              : Buffer.concat([payload.subarray(0, at), payload.subarray(at - Math.min(at, 10))]);
      }
    }
    const parsed = parseDiscoveryReply(encodeTdp({ serial: i, flags: 0 }, payload), '127.0.0.1', privateKey);
    kinds[parsed.kind]++;
    if (parsed.kind === 'camera') {
      assert.match(parsed.camera.mac, /^[0-9A-F]{2}(-[0-9A-F]{2}){5}$/);
      assert.ok(parsed.camera.model.length > 0);
      assert.ok(parsed.camera.httpsPort >= 1 && parsed.camera.httpsPort <= 65535);
    }
  }
  assert.ok(kinds.malformed > 0, JSON.stringify(kinds));
  // The unmutated answer reads whole, encrypted part included.
  const whole = parseDiscoveryReply(encodeTdp({ serial: 1, flags: 0 }, valid), '127.0.0.1', privateKey);
  assert.equal(whole.kind === 'camera' && whole.camera.httpsPort, cam.port);
});
