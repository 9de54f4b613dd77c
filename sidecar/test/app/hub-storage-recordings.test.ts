/**
 * A Wi-Fi camera without a card that a hub records on its own disk (H200 "hub storage", recordings
 * sheet §0, §13), through the composition root: the recordings query finds the camera in the hub's
 * getGeneralDeviceList by MAC, asks the hub for its days and clips with the camera named inline,
 * and its clip plays on the playback channel from the hub's port 8800 with the `type=download`
 * request form (the simulated hub serves hub-storage clips to no other form). A camera with no card
 * that no hub records still says "no SD card".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import type { StreamSink } from '../../src/grafana/handlers.ts';
import { PLAYBACK_END, channels } from '../../../src/shared/query.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';

const SPEC = { width: 320, height: 180, fps: 15, kbps: 300, gop: 15 };
const resource = (path: string) => ({
  pluginContext: { orgId: 1, pluginId: 'camwatch-tapo-datasource', user: { login: 'u', role: 'Viewer' } } as never,
  path,
  method: 'GET',
  url: path,
  headers: {},
  body: Buffer.alloc(0),
});

test("a camera recorded on the hub's disk: found by MAC, searched on the hub, played with the download form", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [],
    stream: { specs: { main: SPEC, sub: SPEC }, playbackSpeed: 4 },
  });
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Shed' });
  cam.device.card.state = 'none';
  const bare = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Attic' });
  bare.device.card.state = 'none';
  const card = hub.pairForStorage({
    deviceId: cam.device.deviceId,
    mac: cam.device.mac,
    model: cam.model,
    alias: 'Shed',
  });
  card.clear();
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const w = dayWindow('Europe/Berlin', day);
  const clip = { start: w.start + 900, end: w.start + 903, videoType: 2, events: [2, 8] };
  card.record(clip);

  const dir = mkdtempSync(join(tmpdir(), 'tapo-hub-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const yaml = join(dir, 'cameras.yaml');
  writeFileSync(
    yaml,
    [
      'cameras:',
      '  - id: hub',
      '    name: Hub',
      '    kind: hub',
      `    host: 127.0.0.1:${hub.port}`,
      `    stream_port: ${hub.streamServer!.port}`,
      `    password: ${hub.cloudPassword}`,
      '    poll_interval_seconds: 1',
      '  - id: shed',
      '    name: Shed',
      `    host: 127.0.0.1:${cam.port}`,
      `    password: ${cam.cloudPassword}`,
      '    poll_interval_seconds: 1',
      '  - id: attic',
      '    name: Attic',
      `    host: 127.0.0.1:${bare.port}`,
      `    password: ${bare.cloudPassword}`,
      '    poll_interval_seconds: 1',
      '',
    ].join('\n')
  );
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  t.after(async () => {
    await app.stop();
    await Promise.allSettled([hub.close(), cam.close(), bare.close()]);
  });
  await app.start();

  // The route needs the camera's MAC (its first poll) and the hub's login (bounded).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await app.handlers.callResource(resource('cameras'));
    const list = JSON.parse(r.body.toString()) as Array<{ id: string; status: string }>;
    if (['hub', 'shed', 'attic'].every((id) => list.find((c) => c.id === id)?.status === 'online')) {
      break;
    }
    assert.ok(Date.now() < deadline, `hub and cameras online within 20 s: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const res = await app.handlers.queryData({
    pluginContext: null as never,
    headers: {},
    queries: [
      {
        refId: 'A',
        queryType: 'recordings',
        json: Buffer.from(JSON.stringify({ cameras: ['shed', 'attic'] })),
        timeRange: { fromEpochMS: w.start * 1000, toEpochMS: w.end * 1000 },
        maxDataPoints: 100,
        intervalMS: 1000,
      } as never,
    ],
  } as never);
  assert.equal(res.A!.error ?? '', '');
  const table = tableFromIPC(res.A!.frames[0]);
  const notices: string[] = (
    (JSON.parse(table.schema.metadata.get('meta') ?? '{}').notices ?? []) as Array<{ text: string }>
  ).map((n) => n.text);
  assert.deepEqual(
    notices.filter((n) => n.includes('Shed')),
    [],
    `the hub answered for Shed: ${JSON.stringify(notices)}`
  );
  assert.ok(
    notices.some((n) => n.includes('Attic') && /no SD card/i.test(n)),
    `a card-less camera no hub records still says so: ${JSON.stringify(notices)}`
  );
  assert.deepEqual([...(table.getChild('camera_id')!.toArray() as Iterable<unknown>)], ['shed']);
  assert.deepEqual([...(table.getChild('event')!.toArray() as Iterable<unknown>)], ['Vehicle']);
  const channel = [...(table.getChild('playback_channel')!.toArray() as Iterable<string>)][0];
  assert.equal(channel, `ds//${channels.cameraPlayback('shed', clip.start, clip.end)}`);

  const sessionsBefore = hub.streamServer!.stats().sessions;
  const rows: Array<{ kind: string; error: string | null }> = [];
  const abort = new AbortController();
  let names: string[] = [];
  await new Promise<void>((resolve) => {
    const sink: StreamSink = {
      signal: abort.signal,
      send(data) {
        const json = JSON.parse(data.toString());
        names = json.schema ? json.schema.fields.map((f: { name: string }) => f.name) : names;
        const cols: unknown[][] = json.data.values;
        for (let i = 0; i < (cols[0]?.length ?? 0); i++) {
          rows.push({
            kind: String(cols[names.indexOf('kind')]![i]),
            error: cols[names.indexOf('error')]![i] as string,
          });
        }
        if (rows.some((r) => r.kind === 'problem')) {
          abort.abort();
          resolve();
        }
        return true;
      },
    };
    void app.handlers.runStream(
      {
        pluginContext: null,
        path: channels.cameraPlayback('shed', clip.start, clip.end),
        data: Buffer.alloc(0),
        headers: {},
      },
      sink
    );
  });
  assert.deepEqual(
    rows.filter((r) => r.kind === 'problem').map((r) => r.error),
    [PLAYBACK_END],
    'the clip plays to its end'
  );
  const fragments = rows.filter((r) => r.kind === 'fragment').length;
  // 4 s at 15 fps: the download stops at the clip's end.
  assert.ok(fragments >= 58 && fragments <= 61, `${fragments} pictures`);
  // The hub's live-view sessions are not what served it (hub storage has no live view).
  assert.equal(hub.streamServer!.stats().sessions, sessionsBefore);
});
