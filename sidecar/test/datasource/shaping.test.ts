import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeSeries } from '../../src/datasource/query/metrics.ts';
import { scopedFleet, visibility, hasOwnCameras } from '../../src/datasource/scope.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';

test('states carry into empty buckets; trailing empty buckets are dropped so last() sees the latest poll', () => {
  const t = [0, 1, 2, 3, 4];
  assert.deepEqual(shapeSeries('online', t, [1, null, 0, null, null]), {
    times: [0, 1, 2, 3, 4],
    values: [1, 1, 0, 0, 0],
  });
  assert.deepEqual(shapeSeries('latency_ms', t, [12, null, 30, null, null]), {
    times: [0, 1, 2],
    values: [12, null, 30],
  });
  assert.deepEqual(
    shapeSeries('online', t, [null, null, 1, null, 0]),
    { times: t, values: [null, null, 1, 1, 0] },
    'no state is invented before the first poll'
  );
  assert.deepEqual(
    shapeSeries('temperature_c', t, [null, null, null, null, null]).values,
    [null, null, null, null, null],
    'a camera that reports no temperature keeps its nulls'
  );
});

test('a datasource with cameras sees only its own; one without sees the shared (YAML, demo) cameras', async () => {
  const fleet = new MemoryFleet();
  // Hub children (source hub:<hub id>) go with their hub: A's hub ahub, the demo's dhub, B's bhub.
  const sources: Record<string, string> = {
    a1: 'datasource:A',
    b1: 'datasource:B',
    y1: 'yaml',
    d1: 'demo',
    ahub: 'datasource:A',
    'ahub.1': 'hub:ahub',
    dhub: 'demo',
    'dhub.1': 'hub:dhub',
    bhub: 'datasource:B',
    'bhub.1': 'hub:bhub',
    'gone.1': 'hub:gone',
  };
  for (const id of Object.keys(sources)) {
    fleet.addCamera(id, id.toUpperCase(), poll(id, 1000));
  }
  const sourceOf = (id: string) => sources[id];
  const a = scopedFleet(
    fleet,
    visibility('datasource:A', hasOwnCameras(Buffer.from('{"cameras":[{"id":"a1"}]}')), sourceOf)
  );
  const c = scopedFleet(fleet, visibility('datasource:C', hasOwnCameras(Buffer.from('{"cameras":[]}')), sourceOf));
  assert.deepEqual(
    a.cameras().map((x) => x.id),
    ['a1', 'ahub', 'ahub.1']
  );
  assert.deepEqual(
    c.cameras().map((x) => x.id),
    ['y1', 'd1', 'dhub', 'dhub.1']
  );
  assert.equal(a.camera('b1'), undefined);
  const seen: string[] = [];
  const off = a.on('poll', (p) => seen.push(p.cameraId));
  fleet.emitPoll(poll('b1', 2000));
  fleet.emitPoll(poll('a1', 2000));
  off();
  assert.deepEqual(seen, ['a1'], 'live polls of other datasources are not delivered');
  const series = await a.history({ cameraIds: ['a1', 'b1'], metrics: ['online'], from: 0, to: 5000, maxPoints: 10 });
  assert.deepEqual(
    series.map((s) => s.cameraId),
    ['a1']
  );
});
