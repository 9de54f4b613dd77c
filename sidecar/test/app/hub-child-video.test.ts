/**
 * The composition root serves a hub's child cameras through the simulated hub's own port-8800
 * stream (the hub entry names its stream port, as the demo fleet's does): the child the fleet
 * found on the hub's list plays H.264 on its Live video channel that ffprobe decodes, its frames
 * channel and the snapshot resource give JPEG pictures, all on the same path as a wired camera's,
 * and no packet carries the hub's password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import type { StreamSink } from '../../src/grafana/handlers.ts';

const run = promisify(execFile);
const resource = (path: string, role = 'Viewer') => ({
  pluginContext: { orgId: 1, pluginId: 'camwatch-tapo-datasource', user: { login: 'u', role } } as never,
  path,
  method: 'GET',
  url: path,
  headers: {},
  body: Buffer.alloc(0),
});

/** Rows of the packets of a RunStream, by the schema's field names (the schema comes with the first packet). */
function collector(until: (rows: Array<Record<string, unknown>>) => boolean) {
  const rows: Array<Record<string, unknown>> = [];
  const packets: string[] = [];
  let names: string[] = [];
  const abort = new AbortController();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const sink: StreamSink = {
    signal: abort.signal,
    send(data) {
      const text = data.toString();
      packets.push(text);
      const json = JSON.parse(text);
      names = json.schema ? json.schema.fields.map((f: { name: string }) => f.name) : names;
      const cols: unknown[][] = json.data.values;
      for (let i = 0; i < (cols[0]?.length ?? 0); i++) {
        rows.push(Object.fromEntries(names.map((n, k) => [n, cols[k]![i]])));
      }
      if (until(rows)) {
        abort.abort();
        done();
      }
      return true;
    },
  };
  return { sink, rows, packets, finished };
}

test('a simulated hub child plays decodable H.264 and JPEG through the hub stream, as cameras do', async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [{ alias: 'Garden', model: 'C420', idleSleepMs: 600_000 }],
    stream: { specs: { sub: { width: 320, height: 180, fps: 15, kbps: 300, gop: 15 } } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tapo-hub-app-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.ok(hub.streamServer, 'the simulated hub serves port 8800');
  const yaml = join(dir, 'cameras.yaml');
  writeFileSync(
    yaml,
    [
      'cameras:',
      '  - id: hub',
      '    name: Hub',
      '    kind: hub',
      `    host: 127.0.0.1:${hub.port}`,
      `    stream_port: ${hub.streamServer.port}`,
      '    password: ${HUB_PASSWORD}',
      '    poll_interval_seconds: 1',
      '',
    ].join('\n')
  );
  process.env.HUB_PASSWORD = hub.cloudPassword;
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  // The sidecar stops before the hub does (its feeds would otherwise log the hub going away).
  t.after(async () => {
    await app.stop();
    await hub.close();
  });
  await app.start();

  // The child comes from the hub's list (the fleet adds it as a camera of its own).
  const id = childCameraId('hub', hub.child('Garden').deviceId);
  const deadline = Date.now() + 20_000;
  let ids: string[] = [];
  while (Date.now() < deadline && !ids.includes(id)) {
    const r = await app.handlers.callResource(resource('cameras'));
    ids = (JSON.parse(r.body.toString()) as Array<{ id: string }>).map((c) => c.id);
    if (!ids.includes(id)) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.ok(ids.includes(id), `the child ${id} is a camera (got ${ids.join(', ')})`);

  // Video: init and fragments of the child's H.264, which ffprobe decodes.
  const video = collector((rows) => rows.filter((r) => r.kind === 'fragment').length >= 20);
  await app.handlers.runStream(
    { pluginContext: null, path: `camera/${id}/video/sub`, data: Buffer.alloc(0), headers: {} },
    video.sink
  );
  await video.finished;
  const errors = video.rows.filter((r) => r.error).map((r) => r.error);
  assert.deepEqual(errors, []);
  const first = video.rows.findIndex((r) => r.kind === 'init');
  assert.ok(first >= 0, 'an init segment comes first');
  assert.match(String(video.rows[first]!.codec), /^avc1\./);
  assert.equal(video.rows[first]!.width, 320);
  assert.equal(video.rows[first]!.height, 180);
  const file = join(dir, 'child.mp4');
  const pieces = video.rows.slice(first).filter((r, i) => i === 0 || r.kind === 'fragment');
  writeFileSync(file, Buffer.concat(pieces.map((r) => Buffer.from(r.data as string, 'base64'))));
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-show_entries', 'frame=key_frame,width,height', '-of', 'json', file],
  ]);
  const frames = JSON.parse(stdout).frames as Array<{ key_frame: number; width: number; height: number }>;
  assert.ok(frames.length >= 15, `ffprobe decoded ${frames.length} pictures`);
  assert.equal(frames[0]!.key_frame, 1);
  assert.ok(frames.every((f) => f.width === 320 && f.height === 180));

  // Pictures: the frames channel and a snapshot, JPEG made from the same session's H.264.
  const pictures = collector((rows) => rows.some((r) => r.jpeg));
  await app.handlers.runStream(
    { pluginContext: null, path: `camera/${id}/frames/2/320`, data: Buffer.alloc(0), headers: {} },
    pictures.sink
  );
  await pictures.finished;
  const jpeg = Buffer.from(pictures.rows.find((r) => r.jpeg)!.jpeg as string, 'base64');
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
  const snap = await app.handlers.callResource(resource(`cameras/${id}/snapshot`));
  assert.equal(snap.code, 200, snap.body.toString().slice(0, 200));
  assert.deepEqual([...snap.body.subarray(0, 2)], [0xff, 0xd8]);

  const stats = hub.streamServer.stats();
  assert.equal(stats.authFailures, 0);
  assert.ok(stats.sessions >= 1);
  for (const p of [...video.packets, ...pictures.packets]) {
    assert.ok(!p.includes(hub.cloudPassword));
  }
});

test("the simulated hub's port 8800 follows its pairing and its children's sleep", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [
      { alias: 'Garden', model: 'C420' },
      { alias: 'Door', model: 'D230' },
    ],
  });
  t.after(() => hub.close());
  const { HubStreamSession, hubStreamUrl } = await import('../../src/media/hubstream/session.ts');
  const refusal = (deviceId: string) =>
    new HubStreamSession({
      cameraId: 'x',
      stream: 'sub',
      ...hubStreamUrl({ host: hub.host, port: hub.streamServer!.port, password: hub.cloudPassword, deviceId }),
      onInfo: () => undefined,
      onAccessUnit: () => undefined,
      onEnd: () => undefined,
    })
      .start()
      .then(
        () => assert.fail('started'),
        (e: { kind: string }) => e.kind
      );
  const door = hub.child('D230');
  door.sleep();
  door.faults.wontWake = true;
  assert.equal(await refusal(door.deviceId), 'asleep');
  const garden = hub.child('Garden').deviceId;
  hub.removeChild(garden);
  assert.equal(await refusal(garden), 'not_found');
  assert.equal(hub.streamServer!.stats().unknownChild, 1);
});
