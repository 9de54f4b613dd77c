/**
 * POST resources/cameras/<id>/test: Editors and Admins check one saved camera now and get what to
 * fix in words; Viewers are refused, other methods and unknown cameras get words too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { callResource } from '../../src/datasource/resources.ts';
import { healthOf } from '../../src/datasource/health.ts';
import type { CameraTestResult } from '../../../src/shared/query.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { resourceRequest } from '../helpers/resource-request.ts';

const log = createLogger('silent');

const req = (role: string | null, path: string, method = 'POST') => resourceRequest(role, path, { method });

const parse = (body: Buffer) => JSON.parse(body.toString('utf8'));

test('tests one camera now, through the check, and answers what to fix', async () => {
  const fleet = new MemoryFleet();
  fleet.addCamera('porch', 'Porch', poll('porch', Date.now()));
  fleet.addCamera('yard', 'Yard', poll('yard', Date.now()));
  const checked: string[][] = [];
  const deps = {
    fleet,
    log,
    metricsText: async () => '',
    async checkCameras(ids: string[]) {
      checked.push(ids);
      return ids.map((id) =>
        healthOf(id, id, poll(id, Date.now(), { status: 'auth_failed', reason: 'wrong_password', error: 'refused' }))
      );
    },
  };
  const res = await callResource(deps, req('Editor', 'cameras/porch/test'));
  assert.equal(res.code, 200, res.body.toString());
  const body = parse(res.body) as CameraTestResult;
  assert.deepEqual(checked, [['porch']]);
  assert.equal(body.ok, false);
  assert.equal(body.cameraId, 'porch');
  assert.match(body.problem ?? '', /wrong password, or Third-Party Compatibility off/);

  assert.equal((await callResource(deps, req('Viewer', 'cameras/porch/test'))).code, 403);
  assert.equal((await callResource(deps, req(null, 'cameras/porch/test'))).code, 403);
  assert.equal((await callResource(deps, req('Admin', 'cameras/porch/test', 'GET'))).code, 405);
  const unknown = await callResource(deps, req('Admin', 'cameras/nope/test'));
  assert.equal(unknown.code, 404);
  assert.match(parse(unknown.body).error, /save the datasource first/);
  assert.deepEqual(checked, [['porch']], 'refused requests poll nothing');
});

test('without a live check it answers from the last poll', async () => {
  const fleet = new MemoryFleet();
  fleet.addCamera('porch', 'Porch', poll('porch', Date.now()));
  const res = await callResource({ fleet, log, metricsText: async () => '' }, req('Admin', 'cameras/porch/test'));
  assert.equal(res.code, 200);
  const body = parse(res.body) as CameraTestResult;
  assert.equal(body.ok, true);
  assert.match(body.message, /reachable in 42 ms, C210/);
});
