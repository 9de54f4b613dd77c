/**
 * A battery child's status follows its own stream (issue 24): the hub's child list is read once a
 * minute, but when the sidecar sees a child's stream start (it woke: opening the live view wakes
 * it) or end by itself (it fell asleep), the list is read early and the child polled, so its
 * metrics channel says online, then sleeping, within seconds rather than the list's minute. The
 * composition root against the simulated H200 and its port-8800 stream, watched on the child's
 * Live metrics channel as the panel does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId, CHILD_LIST_INTERVAL_MS, EARLY_LIST_INTERVAL_MS } from '../../src/fleet/hub-probe.ts';

/**
 * How soon the status must follow: an early read may wait for the hub's spacing of early reads,
 * and gets a second such spell for a loaded machine; both well inside the list's minute.
 */
const BOUND_MS = 2 * EARLY_LIST_INTERVAL_MS;
assert.ok(BOUND_MS + EARLY_LIST_INTERVAL_MS < CHILD_LIST_INTERVAL_MS);
import type { StreamSink } from '../../src/grafana/handlers.ts';

const resource = (path: string) => ({
  pluginContext: { orgId: 1, pluginId: 'camwatch-tapo-datasource', user: { login: 'u', role: 'Viewer' } } as never,
  path,
  method: 'GET',
  url: path,
  headers: {},
  body: Buffer.alloc(0),
});

/** A RunStream's rows (by the schema's field names); `next` resolves when a row matches, or fails after `ms`. */
function channel() {
  const rows: Array<Record<string, unknown>> = [];
  let names: string[] = [];
  const abort = new AbortController();
  let check = () => undefined as void;
  const sink: StreamSink = {
    signal: abort.signal,
    send(data) {
      const json = JSON.parse(data.toString());
      names = json.schema ? json.schema.fields.map((f: { name: string }) => f.name) : names;
      const cols: unknown[][] = json.data.values;
      for (let i = 0; i < (cols[0]?.length ?? 0); i++) {
        rows.push(Object.fromEntries(names.map((n, k) => [n, cols[k]![i]])));
      }
      check();
      return true;
    },
  };
  const next = (pred: (row: Record<string, unknown>) => boolean, what: string, ms: number, from = rows.length) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no row with ${what} within ${ms} ms`)), ms);
      check = () => {
        const row = rows.slice(from).find(pred);
        if (row) {
          clearTimeout(timer);
          check = () => undefined;
          resolve(row);
        }
      };
      check();
    });
  return { sink, rows, next, close: () => abort.abort() };
}

test("a hub child's status follows its stream: online when it plays, sleeping when it stops, in seconds", async (t) => {
  const hub = await SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: [{ alias: 'Garden', model: 'C420' }],
    stream: { specs: { sub: { width: 320, height: 180, fps: 15, kbps: 300, gop: 15 } } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tapo-hub-wake-'));
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
      '    password: ${HUB_PASSWORD}',
      '    poll_interval_seconds: 1',
      '',
    ].join('\n')
  );
  process.env.HUB_PASSWORD = hub.cloudPassword;
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  t.after(async () => {
    await app.stop();
    await hub.close();
  });
  await app.start();
  const garden = hub.child('Garden');
  const id = childCameraId('hub', garden.deviceId);
  /** A RunStream as Grafana makes it: it lasts until its sink is aborted. */
  const run = (path: string, sink: StreamSink) =>
    app.handlers.runStream({ pluginContext: null, path, data: Buffer.alloc(0), headers: {} }, sink);

  // The child, found on the hub's list (asked until then, bounded), asleep. Its metrics channel is what the panel's tile reads.
  const deadline = Date.now() + 20_000;
  const known = async () => {
    const r = await app.handlers.callResource(resource('cameras'));
    return (JSON.parse(r.body.toString()) as Array<{ id: string }>).some((c) => c.id === id);
  };
  while (!(await known())) {
    assert.ok(Date.now() < deadline, `the child ${id} is a camera`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const metrics = channel();
  t.after(() => metrics.close());
  const ended: Array<Promise<void>> = [run(`camera/${id}/metrics`, metrics.sink)];
  await metrics.next((r) => r.status === 'sleeping', 'status sleeping', 70_000, 0);
  const listsBefore = hub.listCalls;

  // Its live view is opened: the request wakes it, it plays, and its status says online.
  const video = channel();
  t.after(() => video.close());
  const openedAt = Date.now();
  ended.push(run(`camera/${id}/video/sub`, video.sink));
  await video.next((r) => r.kind === 'fragment', 'a fragment', 30_000, 0);
  const online = await metrics.next((r) => r.status === 'online', 'status online', BOUND_MS);
  const tookOnline = Date.now() - openedAt;
  console.log(`# online ${tookOnline} ms after its live view was opened (the list is read once a minute)`);
  assert.equal(online.camera_id, id);
  assert.ok(hub.listCalls - listsBefore <= 2, `${hub.listCalls - listsBefore} list reads: one early, not a minute's`);

  // It falls asleep (and stays so): its stream ends, and its status says sleeping.
  const sleptAt = Date.now();
  garden.faults.wontWake = true;
  hub.streamServer!.setAsleep(garden.deviceId, true);
  garden.sleep();
  hub.streamServer!.dropStreams();
  await metrics.next((r) => r.status === 'sleeping', 'status sleeping again', EARLY_LIST_INTERVAL_MS + BOUND_MS);
  console.log(`# sleeping ${Date.now() - sleptAt} ms after it fell asleep`);
  assert.equal(garden.wakeups, 0, 'no poll woke it (its live view did)');
  metrics.close();
  video.close();
  await Promise.all(ended);
});
