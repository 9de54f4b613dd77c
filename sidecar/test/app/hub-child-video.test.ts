/**
 * The composition root serves a hub's child camera (`hubChild`) through the hub's port-8800
 * stream: the frames channel of the child carries a JPEG made from the simulated hub's stream,
 * with the hub's host and cloud password, while wired cameras keep their RTSP path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { startHubStreamServer } from '../../src/simulator/hub/stream8800.ts';
import type { StreamSink } from '../../src/grafana/handlers.ts';

test('a hub child gets a picture through the hub stream in the frames channel', async (t) => {
  // The hub's control API stand-in (a simulated camera answering the same login) and its port-8800 side.
  const hub = await SimulatedCamera.start({ model: 'C420', host: '127.0.0.1', name: 'Hub' });
  const stream = await startHubStreamServer({
    host: '127.0.0.1',
    port: 0,
    password: hub.cloudPassword,
    children: [{ deviceId: 'CHILD-1', name: 'Garden', model: 'C420' }],
    specs: { sub: { width: 320, height: 180, fps: 30, kbps: 300, gop: 30 } },
  });
  t.after(async () => {
    await stream.close();
    await hub.close();
  });
  process.env.TAPO_HUB_STREAM_PORT = String(stream.port);
  const dir = mkdtempSync(join(tmpdir(), 'tapo-hub-app-'));
  const yaml = join(dir, 'cameras.yaml');
  writeFileSync(
    yaml,
    [
      'cameras:',
      '  - id: hub',
      '    name: Hub',
      '    kind: hub',
      `    host: 127.0.0.1:${hub.port}`,
      '    password: ${HUB_PASSWORD}',
      '  - id: garden',
      '    name: Garden',
      `    host: 127.0.0.1:${hub.port}`,
      '    password: ${HUB_PASSWORD}',
      '    hub_child:',
      '      hub_id: hub',
      '      device_id: CHILD-1',
      '',
    ].join('\n')
  );
  process.env.HUB_PASSWORD = hub.cloudPassword;
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  t.after(() => app.stop());
  await app.start();

  const packets: Buffer[] = [];
  const abort = new AbortController();
  let got: () => void = () => undefined;
  const picture = new Promise<void>((resolve) => (got = resolve));
  const sink: StreamSink = {
    signal: abort.signal,
    send(data) {
      packets.push(data);
      const frame = JSON.parse(data.toString());
      const names: string[] = frame.schema.fields.map((f: { name: string }) => f.name);
      if (frame.data.values[names.indexOf('jpeg')][0]) {
        got();
      }
      return true;
    },
  };
  const running = app.handlers.runStream(
    { pluginContext: null, path: 'camera/garden/frames/2/320', data: Buffer.alloc(0), headers: {} },
    sink
  );
  await picture;
  abort.abort();
  await running;
  const frame = JSON.parse(packets.at(-1)!.toString());
  const names: string[] = frame.schema.fields.map((f: { name: string }) => f.name);
  const jpeg = Buffer.from(frame.data.values[names.indexOf('jpeg')][0] as string, 'base64');
  assert.equal(jpeg[0], 0xff);
  assert.equal(jpeg[1], 0xd8);
  assert.ok(stream.stats().sessions >= 1);
  assert.equal(stream.stats().authFailures, 0);
  for (const p of packets) {
    assert.ok(!p.toString().includes(hub.cloudPassword));
  }
});
