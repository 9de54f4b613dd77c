// Which source gets a camera two sources list (issue 24): the YAML file over datasources; between
// datasources, the one that had it first, until it drops it; across a restart, the saved holder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CameraSources } from '../../src/fleet/sources.ts';
import { parseCameraEntry } from '../../src/config/schema.ts';
import type { CameraConfig } from '../../src/config/types.ts';

function cam(id: string, host: string): CameraConfig {
  const { camera } = parseCameraEntry(
    { id, name: id, host, password: 'p' },
    { source: 'test', path: 'cameras[0]', defaultPollIntervalSeconds: 30 }
  );
  assert.ok(camera);
  return camera;
}

const owners = (s: CameraSources, source: string) =>
  [...s.resolve(source).wanted.values()].map((c) => `${c.id}@${c.source}`).sort();

test('between datasources the first keeps a camera (by id or address) until it drops it; saves move nothing', () => {
  const s = new CameraSources();
  s.set('datasource:a', [cam('front', '10.0.0.2')], 1);
  s.set('datasource:b', [cam('front-door', '10.0.0.2'), cam('back', '10.0.0.3')], 1);
  assert.deepEqual(owners(s, 'datasource:b'), ['back@datasource:b', 'front@datasource:a']);
  assert.deepEqual(s.resolve('datasource:b').conflicts, ['front-door']);
  assert.deepEqual(s.conflicts(), [
    { source: 'datasource:b', cameraId: 'front-door', heldBy: 'datasource:a', heldAs: 'front' },
  ]);
  // B saved again, then A: nothing moves.
  s.set('datasource:b', [cam('back', '10.0.0.3'), cam('front-door', '10.0.0.2')], 1);
  s.set('datasource:a', [cam('front', '10.0.0.2')], 1);
  assert.deepEqual(owners(s, 'datasource:a'), ['back@datasource:b', 'front@datasource:a']);
  // A drops it: B gets it; A lists it again: B keeps it.
  s.set('datasource:a', [], 1);
  assert.deepEqual(owners(s, 'datasource:a'), ['back@datasource:b', 'front-door@datasource:b']);
  s.set('datasource:a', [cam('front', '10.0.0.2')], 1);
  assert.deepEqual(owners(s, 'datasource:a'), ['back@datasource:b', 'front-door@datasource:b']);
  assert.deepEqual(s.resolve('datasource:a').conflicts, ['front']);
  // The YAML file comes first whoever held it.
  s.set('yaml', [cam('yard', '10.0.0.3')], Number.MAX_SAFE_INTEGER);
  assert.deepEqual(owners(s, 'yaml'), ['front-door@datasource:b', 'yard@yaml']);
});

test('holders saved before a restart: a held camera waits for its holder, and is free once it did not come back', () => {
  const before = new CameraSources();
  before.set('datasource:a', [cam('front', '10.0.0.2')], 1);
  before.set('datasource:b', [cam('front', '10.0.0.2')], 1);
  before.resolve('datasource:b');
  const saved = before.holders();

  const after = new CameraSources();
  after.restoreHolders(saved);
  // B resumes first: it does not get A's camera meanwhile.
  after.set('datasource:b', [cam('front', '10.0.0.2')], 1);
  assert.deepEqual(owners(after, 'datasource:b'), []);
  assert.deepEqual(after.conflicts()[0]?.heldBy, 'datasource:a');
  after.set('datasource:a', [cam('front', '10.0.0.2')], 1);
  assert.deepEqual(owners(after, 'datasource:a'), ['front@datasource:a']);

  // A did not come back at all (expired): once settled, B gets it.
  const alone = new CameraSources();
  alone.restoreHolders(saved);
  alone.set('datasource:b', [cam('front', '10.0.0.2')], 1);
  assert.deepEqual(owners(alone, 'datasource:b'), []);
  alone.forgetAbsentHolders();
  assert.deepEqual(owners(alone, 'datasource:b'), ['front@datasource:b']);
  assert.deepEqual(alone.conflicts(), []);
});

test("a camera behind a hub added as a row by the hub's own datasource is that row, not the hub's listed one", () => {
  const hub = { ...cam('hub', '10.0.0.40'), kind: 'hub' as const };
  // The sidecar's own ids for listed children ('hub.<8 hex>') are not ones a user may type: set after parsing.
  const behind = (id: string, deviceId: string): CameraConfig => ({
    ...cam('child', '10.0.0.40'),
    id,
    name: id,
    hubChild: { hubId: 'hub', deviceId },
  });
  const s = new CameraSources();
  s.set('datasource:a', [hub], 1);
  // The hub's list came first: its children are the sidecar's own cameras.
  s.set('hub:hub', [behind('hub.0a1b2c3d', 'AAA'), behind('hub.11223344', 'BBB')], 1);
  assert.deepEqual(owners(s, 'hub:hub'), ['hub.0a1b2c3d@hub:hub', 'hub.11223344@hub:hub', 'hub@datasource:a']);
  // The datasource adds one as its own row (named "garden"): the row runs it, nothing is in conflict.
  s.set('datasource:a', [hub, behind('garden', 'AAA')], 1);
  assert.deepEqual(owners(s, 'datasource:a'), ['garden@datasource:a', 'hub.11223344@hub:hub', 'hub@datasource:a']);
  assert.deepEqual(s.conflicts(), []);
  // Another datasource listing the same child does not take it from the one that runs it.
  s.set('datasource:b', [behind('intruder', 'BBB')], 1);
  assert.deepEqual(s.resolve('datasource:b').conflicts, ['intruder']);
  // The row removed: the hub's list runs the child again.
  s.set('datasource:a', [hub], 1);
  assert.deepEqual(owners(s, 'datasource:a'), ['hub.0a1b2c3d@hub:hub', 'hub.11223344@hub:hub', 'hub@datasource:a']);
});
