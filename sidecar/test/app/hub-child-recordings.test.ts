/**
 * A battery camera behind a hub, through the composition root: the fleet lists the child from
 * the hub, the recordings query searches the child's own SD card through the hub's controlChild
 * (the fleet's hub client), and its clip plays on the playback channel from the hub's port 8800,
 * as a camera's own clip does.
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
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
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

test("a hub child's recordings: listed through controlChild, played from the hub's port 8800", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [{ alias: 'Garden', model: 'C420', idleSleepMs: 600_000 }],
    stream: { specs: { main: SPEC, sub: SPEC }, playbackSpeed: 4 },
  });
  const child = hub.child('Garden');
  child.card.clear();
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const w = dayWindow('Europe/Berlin', day);
  const clip = { start: w.start + 600, end: w.start + 603, videoType: 2, events: [2, 6] };
  child.card.record(clip);
  const dir = mkdtempSync(join(tmpdir(), 'tapo-hub-rec-'));
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
      '',
    ].join('\n')
  );
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  t.after(async () => {
    await app.stop();
    await hub.close();
  });
  await app.start();

  // The child is a camera once the fleet read the hub's list (bounded).
  const id = childCameraId('hub', child.deviceId);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await app.handlers.callResource(resource('cameras'));
    const ids = (JSON.parse(r.body.toString()) as Array<{ id: string }>).map((c) => c.id);
    if (ids.includes(id)) {
      break;
    }
    assert.ok(Date.now() < deadline, `the child ${id} is a camera within 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const res = await app.handlers.queryData({
    pluginContext: null as never,
    headers: {},
    queries: [
      {
        refId: 'A',
        queryType: 'recordings',
        json: Buffer.from(JSON.stringify({ cameras: [id] })),
        timeRange: { fromEpochMS: w.start * 1000, toEpochMS: w.end * 1000 },
        maxDataPoints: 100,
        intervalMS: 1000,
      } as never,
    ],
  } as never);
  assert.equal(res.A!.error ?? '', '');
  const table = tableFromIPC(res.A!.frames[0]);
  assert.deepEqual(JSON.parse(table.schema.metadata.get('meta') ?? '{}').notices, undefined, 'the child answered');
  assert.deepEqual([...(table.getChild('event')!.toArray() as Iterable<unknown>)], ['Person']);
  const channel = [...(table.getChild('playback_channel')!.toArray() as Iterable<string>)][0];
  assert.equal(channel, `ds//${channels.cameraPlayback(id, clip.start, clip.end)}`);

  const rows: Array<{ kind: string; error: string | null }> = [];
  const abort = new AbortController();
  let names: string[] = [];
  const finished = new Promise<void>((resolve) => {
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
        path: channels.cameraPlayback(id, clip.start, clip.end),
        data: Buffer.alloc(0),
        headers: {},
      },
      sink
    );
  });
  await finished;
  assert.deepEqual(
    rows.filter((r) => r.kind === 'problem').map((r) => r.error),
    [PLAYBACK_END]
  );
  const fragments = rows.filter((r) => r.kind === 'fragment').length;
  // 4 s at 15 fps (playback stops at the first picture past the clip).
  assert.ok(fragments >= 58 && fragments <= 60, `${fragments} pictures`);
});
