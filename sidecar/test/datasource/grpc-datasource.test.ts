/**
 * The datasource through real gRPC: QueryData (every query type, bad queries beside good ones),
 * CallResource, CheckHealth, SubscribeStream/RunStream, Shutdown — over an in-memory fleet.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromIPC } from 'apache-arrow';
import { createLogger } from '../../src/log.ts';
import { createDatasource } from '../../src/datasource/plugin.ts';
import type { FrameProvider } from '../../src/datasource/deps.ts';
import type { JpegPicture } from '../../src/media/types.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { call, collect, pluginContext, servePlugin } from '../helpers/grpc-client.ts';

const log = createLogger('silent');
const now = Date.now();
const fleet = new MemoryFleet();
fleet.addCamera('front', 'Front door', poll('front', now - 60_000), true);
fleet.polls.push(poll('front', now - 30_000, { latencyMs: 80 }));
fleet.addCamera(
  'garage',
  'Garage',
  poll('garage', now - 60_000, { status: 'offline', error: 'timeout after 5000 ms', latencyMs: null, model: 'C110' })
);
fleet.motion.push({ cameraId: 'front', start: now - 45_000, end: now - 40_000, kind: 'person', source: 'onvif' });

const frameListeners = new Set<(f: JpegPicture) => void>();
const frames: FrameProvider = {
  subscribe(id, _opts, onFrame, onError) {
    if (id === 'garage') {
      // As the pipeline reports a camera it cannot read; it would keep retrying.
      setImmediate(() => onError(new Error('ffmpeg was not found at "ffmpeg"')));
      setImmediate(() => onError(new Error('ffmpeg was not found at "ffmpeg"')));
      return () => undefined;
    }
    frameListeners.add(onFrame);
    return () => frameListeners.delete(onFrame);
  },
  latest: (cameraId) => ({ cameraId, time: now, width: 4, height: 2, jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) }),
  snapshot: async (cameraId) => ({
    cameraId,
    time: now,
    width: 4,
    height: 2,
    jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
  }),
};

let served: Awaited<ReturnType<typeof servePlugin>>;
let clients: typeof served.clients;
let shutdowns = 0;
const datasource = createDatasource({ fleet, log, frames, metricsText: async () => 'tapo_up 1\n' });

before(async () => {
  served = await servePlugin(datasource, { log, onShutdown: () => shutdowns++ });
  clients = served.clients;
});
after(() => served.close());

function dq(refId: string, json: unknown, queryType = '') {
  return {
    refId,
    maxDataPoints: 100,
    intervalMS: 1000,
    timeRange: { fromEpochMS: now - 3_600_000, toEpochMS: now },
    json: Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)),
    queryType,
  };
}

test('QueryData answers each query on its own: good ones with frames, bad ones with a status and words', async () => {
  const res: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [
      dq('A', { queryType: 'metrics', metrics: ['latency_ms', 'online'], cameras: ['front', 'garage'] }),
      dq('B', '{not json'),
      dq('C', { queryType: 'nonsense' }),
      dq('D', { queryType: 'status', cameras: ['nope'] }),
      dq('E', {}, 'status'),
      dq('F', { queryType: 'events' }),
    ],
  });
  const r = res.responses;
  assert.equal(r.A.error, '');
  assert.equal(r.A.frames.length, 4, 'two metrics × two cameras');
  const t = tableFromIPC(r.A.frames[0]);
  assert.equal(t.schema.metadata.get('name'), 'latency_ms');
  assert.deepEqual(JSON.parse(t.schema.fields[1].metadata.get('labels')!), {
    camera_id: 'front',
    camera_name: 'Front door',
    model: 'C210',
  });
  assert.deepEqual([...t.getChild('latency_ms')!.toArray()], [42, 80]);

  assert.equal(r.B.status, 400);
  assert.match(r.B.error, /query B: the query JSON is malformed/);
  assert.equal(r.C.status, 400);
  assert.match(r.C.error, /queryType/);
  assert.equal(r.D.status, 404);
  assert.match(r.D.error, /unknown camera "nope" \(known: front, garage\)/);

  const status = tableFromIPC(r.E.frames[0]);
  assert.equal(status.numRows, 2);
  assert.deepEqual([...status.getChild('status')!.toArray()], ['online', 'offline']);
  assert.equal(status.getChild('last_error')!.get(1), 'timeout after 5000 ms');
  assert.equal(status.getChild('storage_used_pct')!.get(0), 25);
  assert.equal(status.getChild('temperature_c')!.get(0), null, 'wired cameras report no temperature');

  const events = tableFromIPC(r.F.frames[0]);
  assert.equal(events.numRows, 1);
  assert.equal(events.getChild('kind')!.get(0), 'person');
  assert.equal(events.getChild('text')!.get(0), 'Person detected on Front door');
});

test("a metrics query with minMax answers each series with its buckets' minimum and maximum beside it", async () => {
  const res: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [dq('A', { queryType: 'metrics', metrics: ['latency_ms'], cameras: ['front'], minMax: true })],
  });
  assert.equal(res.responses.A.error, '');
  assert.equal(fleet.historyCalls.at(-1)!.withMinMax, true, 'asked of the history');
  const t = tableFromIPC(res.responses.A.frames[0]);
  assert.deepEqual(
    t.schema.fields.map((f) => f.name),
    ['time', 'latency_ms', 'latency_ms_min', 'latency_ms_max']
  );
  assert.equal(JSON.parse(t.schema.metadata.get('meta')!).type, 'timeseries-wide');
  assert.deepEqual(JSON.parse(t.schema.fields[2]!.metadata.get('labels')!), {
    camera_id: 'front',
    camera_name: 'Front door',
    model: 'C210',
    stat: 'min',
  });
  assert.equal(
    JSON.parse(t.schema.fields[3]!.metadata.get('config')!).displayNameFromDS,
    'Front door Network latency max'
  );
  assert.deepEqual([...t.getChild('latency_ms_min')!.toArray()], [42, 80]);
  assert.deepEqual([...t.getChild('latency_ms_max')!.toArray()], [42, 80]);
  const bad: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [dq('B', { queryType: 'metrics', minMax: 'yes' })],
  });
  assert.equal(bad.responses.B.status, 400);
  assert.match(bad.responses.B.error, /minMax/);
});

test('for the alert evaluator, status and events answer one numeric column per camera (labels are strings)', async () => {
  const res: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext({ user: null }),
    headers: { FromAlert: 'true' },
    queries: [
      dq('S', { queryType: 'status' }),
      dq('E', { queryType: 'events' }),
      dq('M', { queryType: 'metrics', metrics: ['online'] }),
    ],
  });
  const shape = (frame: Uint8Array) => {
    const t = tableFromIPC(frame);
    return t.schema.fields.map((f) => `${f.name}:${f.type}`);
  };
  const status = tableFromIPC(res.responses.S.frames[0]);
  assert.deepEqual(shape(res.responses.S.frames[0]), [
    'camera_id:Utf8',
    'camera_name:Utf8',
    'model:Utf8',
    'online:Float64',
  ]);
  assert.deepEqual([...status.getChild('online')!.toArray()], [1, 0]);
  const events = tableFromIPC(res.responses.E.frames[0]);
  assert.deepEqual(shape(res.responses.E.frames[0]), [
    'camera_id:Utf8',
    'camera_name:Utf8',
    'model:Utf8',
    'events:Float64',
  ]);
  assert.deepEqual([...events.getChild('camera_id')!.toArray()], ['front', 'garage']);
  assert.deepEqual([...events.getChild('events')!.toArray()], [1, 0]);
  // Time series are already what alerting reads: unchanged.
  assert.equal(res.responses.M.frames.length, 2);
});

test('a live query points Grafana Live at ds/<uid>/ channels', async () => {
  const res: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [dq('L', { queryType: 'live', cameras: ['front'], live: { kind: 'frames', fps: 50, width: 5000 } })],
  });
  const t = tableFromIPC(res.responses.L.frames[0]);
  assert.deepEqual(JSON.parse(t.schema.metadata.get('meta')!), { channel: 'ds/tapo-test/camera/front/frames/10/1280' });
});

test('CallResource lists cameras and refuses controls to viewers in words', async () => {
  const list: any[] = await collect(
    clients.resource.CallResource({ pluginContext: pluginContext(), path: 'cameras', method: 'GET' })
  );
  assert.equal(list[0].code, 200);
  assert.deepEqual(
    JSON.parse(list[0].body.toString()).map((c: any) => [c.id, c.status, c.ptz]),
    [
      ['front', 'online', true],
      ['garage', 'offline', false],
    ]
  );
  const viewer = pluginContext({ user: { login: 'v', name: 'v', email: '', role: 'Viewer' } });
  const denied: any[] = await collect(
    clients.resource.CallResource({
      pluginContext: viewer,
      path: 'cameras/front/ptz',
      method: 'POST',
      body: Buffer.from('{"direction":90}'),
    })
  );
  assert.equal(denied[0].code, 403);
  assert.match(JSON.parse(denied[0].body.toString()).error, /needs the Editor or Admin role \(you are Viewer\)/);
  const snap: any[] = await collect(
    clients.resource.CallResource({ pluginContext: viewer, path: 'cameras/front/snapshot', method: 'GET' })
  );
  assert.equal(snap[0].code, 200);
  assert.deepEqual(snap[0].headers['Content-Type'].values, ['image/jpeg']);
  const unknown: any[] = await collect(
    clients.resource.CallResource({ pluginContext: viewer, path: 'cameras/zzz/snapshot', method: 'GET' })
  );
  assert.equal(unknown[0].code, 404);
});

test('CheckHealth reports per camera, and CollectMetrics returns Prometheus text', async () => {
  const h: any = await call(clients.diagnostics, 'CheckHealth', { pluginContext: pluginContext() });
  assert.equal(h.status, 'ERROR', 'not every camera answers');
  assert.match(h.message.split('\n')[0], /^1 of 2 cameras not answering: Garage — unreachable/);
  assert.match(h.message, /✗ Garage: unreachable .*: timeout after 5000 ms/);
  assert.match(h.message, /✓ Front door: reachable in 42 ms, C210, firmware 1\.4\.3/);
  const details = JSON.parse(h.jsonDetails.toString());
  assert.equal(details.cameras.length, 2);
  const m: any = await call(clients.diagnostics, 'CollectMetrics', { pluginContext: pluginContext() });
  assert.equal(m.metrics.prometheus.toString(), 'tapo_up 1\n');
});

/** A RunStream's first `n` packets as JSON; `done` resolves once they came (the stream is then cancelled). */
function firstPackets(path: string, n: number): { packets: any[]; done: Promise<void> } {
  const stream = clients.stream.RunStream({ pluginContext: pluginContext(), path });
  const packets: any[] = [];
  const done = new Promise<void>((resolve) => {
    stream.on('data', (p: any) => {
      packets.push(JSON.parse(p.data.toString()));
      if (packets.length === n) {
        stream.cancel();
        resolve();
      }
    });
    stream.on('error', () => undefined);
  });
  return { packets, done };
}

test('SubscribeStream gives initial data; RunStream sends the schema first, then data only', async () => {
  const sub: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'fleet/metrics',
  });
  assert.equal(sub.status, 'OK');
  assert.equal(JSON.parse(sub.data.toString()).data.values[1].length, 2);
  const missing: any = await call(clients.stream, 'SubscribeStream', {
    pluginContext: pluginContext(),
    path: 'camera/zzz/metrics',
  });
  assert.equal(missing.status, 'NOT_FOUND');

  const { packets, done } = firstPackets('camera/front/metrics', 2);
  // Wait until the stream is registered as a listener before emitting.
  while (fleet.emitter.listenerCount('poll') === 0) {
    await new Promise((r) => setImmediate(r));
  }
  fleet.emitPoll(poll('garage', now, { status: 'offline' })); // another camera: filtered out
  fleet.emitPoll(poll('front', now, { latencyMs: 7 }));
  fleet.emitPoll(poll('front', now + 1, { latencyMs: 9 }));
  await done;
  assert.ok(packets[0].schema, 'first packet has the schema');
  assert.equal(packets[1].schema, undefined, 'later packets carry data only');
  const latencyIdx = packets[0].schema.fields.findIndex((f: any) => f.name === 'latency_ms');
  assert.deepEqual([packets[0].data.values[latencyIdx][0], packets[1].data.values[latencyIdx][0]], [7, 9]);
});

test('a camera’s metrics channel carries its last motion, and a motion event between polls resends its row at once', async () => {
  // The stream of the test before ends asynchronously: start once its listeners are gone.
  while (fleet.emitter.listenerCount('poll') > 0) {
    await new Promise((r) => setImmediate(r));
  }
  const { packets, done } = firstPackets('camera/front/metrics', 2);
  while (fleet.emitter.listenerCount('event') === 0) {
    await new Promise((r) => setImmediate(r));
  }

  fleet.emitPoll(poll('front', now + 2, { latencyMs: 5 }));
  // Motion on another camera is not this channel's; motion on this one is sent now, not at the next poll.
  fleet.emitter.emit('event', { cameraId: 'garage', start: now + 3, end: null, kind: 'motion', source: 'onvif' });
  fleet.snapshots.get('front')!.lastMotion = now + 4;
  fleet.emitter.emit('event', { cameraId: 'front', start: now + 4, end: null, kind: 'motion', source: 'onvif' });
  await done;
  const names: string[] = packets[0].schema.fields.map((f: any) => f.name);
  const at = (name: string) => names.indexOf(name);
  assert.ok(at('last_motion') > at('last_error'), 'last_motion is a column of its own, after the others');
  assert.deepEqual(
    packets.map((p) => [p.data.values[at('time')][0], p.data.values[at('last_motion')][0]]),
    [
      [now + 2, null],
      [now + 2, now + 4],
    ],
    'the row of the last poll, with the new motion time'
  );
  fleet.snapshots.get('front')!.lastMotion = null;
});

test('frames stream as base64 JPEG rows, with the privacy mode every viewer sees', async () => {
  const stream = clients.stream.RunStream({ pluginContext: pluginContext(), path: 'camera/front/frames/2/320' });
  const first = new Promise<any>((resolve) => stream.on('data', (p: any) => resolve(JSON.parse(p.data.toString()))));
  stream.on('error', () => undefined);
  while (frameListeners.size === 0) {
    await new Promise((r) => setImmediate(r));
  }
  const jpeg = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  for (const l of frameListeners) {
    l({ cameraId: 'front', time: now, width: 320, height: 180, jpeg });
  }
  const packet = await first;
  stream.cancel();
  const names = packet.schema.fields.map((f: any) => f.name);
  assert.equal(packet.data.values[names.indexOf('jpeg')][0], jpeg.toString('base64'));
  assert.equal(packet.data.values[names.indexOf('width')][0], 320);
  assert.equal(packet.data.values[names.indexOf('privacy_mode')][0], false, 'privacy as last polled');
});

test('a frames channel whose camera cannot be read says why, once, and stays open', async () => {
  const stream = clients.stream.RunStream({ pluginContext: pluginContext(), path: 'camera/garage/frames/2/320' });
  const packets: any[] = [];
  stream.on('data', (p: any) => packets.push(JSON.parse(p.data.toString())));
  stream.on('error', () => undefined);
  while (packets.length === 0) {
    await new Promise((r) => setImmediate(r));
  }
  // Both errors have been delivered by now (setImmediate order); the repeat was not sent.
  await new Promise((r) => setImmediate(r));
  stream.cancel();
  assert.equal(packets.length, 1);
  const names = packets[0].schema.fields.map((f: any) => f.name);
  assert.equal(packets[0].data.values[names.indexOf('error')][0], 'ffmpeg was not found at "ffmpeg"');
  assert.equal(packets[0].data.values[names.indexOf('jpeg')][0], '');
});

test('Shutdown is answered and then handed to the sidecar', async () => {
  await call(clients.controller, 'Shutdown', {});
  while (shutdowns === 0) {
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(shutdowns, 1);
  const h: any = await call(clients.health, 'Check', { service: 'plugin' });
  assert.equal(h.status, 'SERVING');
});
