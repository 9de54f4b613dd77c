/**
 * GET resources/me: what the sidecar lets the caller do, which the panel's controls follow. Its
 * answer must be the rule the control routes enforce: checked here role by role against a real
 * PTZ call and privacy call (a Viewer is refused, an Editor goes through).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { callResource } from '../../src/datasource/resources.ts';
import type { CameraControls, PtzCommand } from '../../src/datasource/deps.ts';
import type { CallResourceRequest } from '../../src/grafana/protocol.ts';
import type { CallerAccess } from '../../../src/shared/query.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { parseBody, resourceRequest } from '../helpers/resource-request.ts';

const log = createLogger('silent');

const req = (role: string | null, path: string, method: string, body?: unknown): CallResourceRequest =>
  resourceRequest(role, path, { method, body });
const parse = parseBody;

function setup() {
  const fleet = new MemoryFleet();
  fleet.addCamera('porch', 'Porch', poll('porch', Date.now()), true);
  const moves: PtzCommand[] = [];
  const privacy: boolean[] = [];
  const controls: CameraControls = {
    ptz: async (_id, cmd) => void moves.push(cmd),
    presets: async () => [],
    setPrivacy: async (_id, enabled) => void privacy.push(enabled),
    reboot: async () => undefined,
  };
  return { deps: { fleet, log, metricsText: async () => '', controls }, moves, privacy };
}

for (const [role, allowed] of [
  ['Admin', true],
  ['Editor', true],
  ['Viewer', false],
  ['None', false],
  ['', false],
  [null, false],
] as const) {
  test(`me answers what the control routes enforce for ${role === null ? 'no user' : `role "${role}"`}`, async () => {
    const { deps, moves, privacy } = setup();
    const res = await callResource(deps, req(role, 'me', 'GET'));
    assert.equal(res.code, 200, res.body.toString());
    const access = parse(res.body) as CallerAccess;
    assert.deepEqual(access, {
      role: role ?? '',
      controls: allowed,
      pictures: ['Admin', 'Editor', 'Viewer'].includes(role ?? ''),
    });

    const ptz = await callResource(deps, req(role, 'cameras/porch/ptz', 'POST', { direction: 90 }));
    const priv = await callResource(deps, req(role, 'cameras/porch/privacy', 'POST', { enabled: true }));
    assert.equal(ptz.code, allowed ? 200 : 403, ptz.body.toString());
    assert.equal(priv.code, allowed ? 200 : 403, priv.body.toString());
    assert.deepEqual(moves, allowed ? [{ direction: 90 }] : []);
    assert.deepEqual(privacy, allowed ? [true] : []);
  });
}

test('me answers GET only, and with the role only (no login, name or e-mail)', async () => {
  const { deps } = setup();
  assert.equal((await callResource(deps, req('Admin', 'me', 'POST', {}))).code, 405);
  const body = (await callResource(deps, req('Editor', '/me/', 'GET'))).body.toString('utf8');
  assert.deepEqual(Object.keys(JSON.parse(body)).sort(), ['controls', 'pictures', 'role']);
});

test('privacy on a camera whose component list has no lens mask is refused in words, before any call', async () => {
  const { deps, privacy } = setup();
  const caps = { ptz: false, patrol: false, privacy: false, motionDetection: true, personDetection: false };
  deps.fleet.addCamera('doorbell', 'Doorbell', poll('doorbell', Date.now()));
  const snap = deps.fleet.camera('doorbell')!;
  Object.assign(snap, { capabilities: { ...caps, battery: false, sdCard: true } });
  const res = await callResource(deps, req('Editor', 'cameras/doorbell/privacy', 'POST', { enabled: true }));
  assert.equal(res.code, 400);
  assert.match(res.body.toString(), /Doorbell has no privacy mode/);
  assert.deepEqual(privacy, []);
});
