/**
 * POST resources/discover: Editors and Admins find cameras (here: simulated ones answering on
 * loopback; nothing in this file broadcasts), Viewers are refused, bad bodies get words, and a
 * camera already configured at the address is marked, and a hub is found as one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { callResource } from '../../src/datasource/resources.ts';
import type { DiscoverResponse } from '../../../src/shared/query.ts';
import { DiscoveryResponder } from '../../src/simulator/discovery.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { parseBody, resourceRequest } from '../helpers/resource-request.ts';
import { startCam } from '../tapo/helpers.ts';

const log = createLogger('silent');

const req = (role: string | null, body: unknown, method = 'POST') =>
  resourceRequest(role, 'discover', { method, body });
const parse = parseBody;

test('Editors and Admins discover loopback cameras; a configured one is marked, a new-firmware one says so, a hub is marked', async () => {
  const known = await startCam({ name: 'Known', model: 'C210' });
  const fresh = await startCam({ name: 'Fresh', model: 'C200', tpapOnly: true });
  const hub = await SimulatedHub.start({ name: 'Hallway hub', host: '127.0.0.1', stream: false });
  test.after(() => hub.close());
  const responder = await DiscoveryResponder.start([{ camera: known }, { camera: fresh, loginVersion: 4 }, { hub }], {
    host: '127.0.0.1',
  });
  test.after(() => responder.close());
  responder.setFaults(['not-json']);
  const fleet = new MemoryFleet();
  fleet.addCamera('porch', 'Porch', poll('porch', Date.now()));
  fleet.snapshots.get('porch')!.host = `127.0.0.1:${known.port}`;
  // The hub is configured, and a sensor behind it (listed first) shares its address.
  fleet.addCamera('hall.0a1b2c3d', 'Cellar', poll('hall.0a1b2c3d', Date.now()));
  fleet.snapshots.get('hall.0a1b2c3d')!.host = `127.0.0.1:${hub.port}`;
  fleet.snapshots.get('hall.0a1b2c3d')!.sensor = 'temp_humidity';
  fleet.addCamera('hall', 'Hallway hub', poll('hall', Date.now()));
  fleet.snapshots.get('hall')!.host = `127.0.0.1:${hub.port}`;
  fleet.snapshots.get('hall')!.hub = true;
  const deps = { fleet, log, metricsText: async () => '' };

  for (const role of ['Editor', 'Admin']) {
    const res = await callResource(deps, req(role, { target: '127.0.0.1', port: responder.port, timeoutMs: 800 }));
    assert.equal(res.code, 200, res.body.toString());
    const body = parse(res.body) as DiscoverResponse;
    assert.deepEqual(body.targets, ['127.0.0.1']);
    assert.equal(body.timeoutMs, 800);
    assert.ok(body.malformed >= 1, 'the garbage answer was counted');
    const byName = new Map(body.cameras.map((c) => [c.name, c]));
    assert.equal(body.cameras.length, 3);
    assert.deepEqual(
      body.cameras.map((c) => `${c.name}:${c.kind}`).sort(),
      ['Fresh:camera', 'Hallway hub:hub', 'Known:camera'],
      'the hub is marked as one'
    );
    assert.equal(byName.get('Hallway hub')?.httpsPort, hub.port);
    assert.equal(byName.get('Hallway hub')?.configuredAs, 'hall', "the hub's own entry, not a device behind it");
    assert.deepEqual(
      { configuredAs: byName.get('Known')?.configuredAs, loginVersion: byName.get('Known')?.loginVersion },
      { configuredAs: 'porch', loginVersion: 3 }
    );
    assert.deepEqual(
      {
        configuredAs: byName.get('Fresh')?.configuredAs,
        loginVersion: byName.get('Fresh')?.loginVersion,
        httpsPort: byName.get('Fresh')?.httpsPort,
        mac: byName.get('Fresh')?.mac,
      },
      { configuredAs: null, loginVersion: 4, httpsPort: fresh.port, mac: fresh.device.mac }
    );
  }
  assert.ok(responder.stats.probes >= 2);
});

test('Viewers and anonymous callers are refused before anything is sent; GET is not discovery', async () => {
  const cam = await startCam({ name: 'Quiet', model: 'C210' });
  const responder = await DiscoveryResponder.start([{ camera: cam }], { host: '127.0.0.1' });
  test.after(() => responder.close());
  const deps = { fleet: new MemoryFleet(), log, metricsText: async () => '' };
  const body = { target: '127.0.0.1', port: responder.port, timeoutMs: 200 };
  const viewer = await callResource(deps, req('Viewer', body));
  assert.equal(viewer.code, 403);
  assert.match(parse(viewer.body).error, /discover needs the Editor or Admin role \(you are Viewer\)/);
  const anonymous = await callResource(deps, req(null, body));
  assert.equal(anonymous.code, 403);
  assert.match(parse(anonymous.body).error, /you are anonymous/);
  const get = await callResource(deps, req('Admin', '', 'GET'));
  assert.equal(get.code, 405);
  assert.equal(responder.stats.probes + responder.stats.badProbes, 0, 'no probe was sent for a refused call');
});

test('bad discovery bodies get a 400 in words; the time limit is kept within bounds', async () => {
  const deps = { fleet: new MemoryFleet(), log, metricsText: async () => '' };
  for (const [b, words] of [
    ['{not json', /not valid JSON/],
    [{ target: 'cameras.example' }, /not an IPv4 address/],
    [{ target: '192.168.1.0/24' }, /not an IPv4 address/],
    [{ target: 42 }, /"target" must be an IPv4 address/],
    [{ target: '127.0.0.1', port: 'x' }, /"port" must be a number/],
    [{ target: '127.0.0.1', port: 0 }, /port must be an integer 1\.\.65535/],
    [{ target: '127.0.0.1', timeoutMs: 'soon' }, /"timeoutMs" must be a number/],
  ] as const) {
    const res = await callResource(deps, req('Editor', b));
    assert.equal(res.code, 400, `${JSON.stringify(b)}: ${res.body.toString()}`);
    assert.match(parse(res.body).error, words);
  }
  // A tiny limit is raised to the minimum (and answered, empty, from a silent loopback port).
  const res = await callResource(deps, req('Editor', { target: '127.0.0.1', port: 9, timeoutMs: 1 }));
  assert.equal(res.code, 200);
  assert.equal((parse(res.body) as DiscoverResponse).timeoutMs, 100);
  assert.deepEqual((parse(res.body) as DiscoverResponse).cameras, []);
});
