/**
 * The composition root as the app tests drive it: a standalone sidecar on a cameras.yaml of
 * simulated devices in a fresh data dir, waits with a bound, a recordings query, and the rows of a
 * RunStream by the schema's field names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { createApp, type App } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import type { StreamSink } from '../../src/grafana/handlers.ts';
import type { SimulatedCamera } from '../../src/simulator/camera.ts';
import type { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { resourceRequest, parseBody } from './resource-request.ts';

/** cameras.yaml lines of a hub entry (its stream port named, as the demo's are). */
export function hubEntry(id: string, hub: SimulatedHub, pollSeconds = 1): string[] {
  return [
    `  - id: ${id}`,
    `    name: ${hub.alias}`,
    '    kind: hub',
    `    host: 127.0.0.1:${hub.port}`,
    ...(hub.streamServer ? [`    stream_port: ${hub.streamServer.port}`] : []),
    `    password: ${hub.cloudPassword}`,
    `    poll_interval_seconds: ${pollSeconds}`,
  ];
}

/** cameras.yaml lines of a camera entry. */
export function cameraEntry(id: string, cam: SimulatedCamera, extra: string[] = []): string[] {
  return [
    `  - id: ${id}`,
    `    name: ${cam.name}`,
    `    host: 127.0.0.1:${cam.port}`,
    `    password: ${cam.cloudPassword}`,
    '    poll_interval_seconds: 1',
    ...extra,
  ];
}

/** A started standalone sidecar on these entries; `stop` stops it and removes its data dir. */
export async function startStandaloneApp(
  entries: string[][]
): Promise<{ app: App; dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-app-'));
  const yaml = join(dir, 'cameras.yaml');
  writeFileSync(yaml, ['cameras:', ...entries.flat(), ''].join('\n'));
  const opts = parseOptions(['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  await app.start();
  return {
    app,
    dir,
    stop: async () => {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds, failing with `what` (and the last value) after `ms`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    const v = await check();
    if (v) {
      return v;
    }
    last = v;
    assert.ok(Date.now() < deadline, `${what} within ${ms / 1000} s (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The cameras resource as a Viewer sees it. */
export async function cameraList(app: App): Promise<Array<{ id: string; status: string }>> {
  const r = await app.handlers.callResource(resourceRequest('Viewer', 'cameras', { method: 'GET' }));
  return parseBody(r.body) as Array<{ id: string; status: string }>;
}

/** A recordings query over [fromS, toS] (epoch s); its first frame's columns and notices. */
export async function recordingsQuery(app: App, cameras: string[], fromS: number, toS: number) {
  const res = await app.handlers.queryData({
    pluginContext: null as never,
    headers: {},
    queries: [
      {
        refId: 'A',
        queryType: 'recordings',
        json: Buffer.from(JSON.stringify({ cameras })),
        timeRange: { fromEpochMS: fromS * 1000, toEpochMS: toS * 1000 },
        maxDataPoints: 100,
        intervalMS: 1000,
      } as never,
    ],
  } as never);
  assert.equal(res.A!.error ?? '', '', 'the query succeeds');
  const table = tableFromIPC(res.A!.frames[0]);
  const notices = (
    (JSON.parse(table.schema.metadata.get('meta') ?? '{}').notices ?? []) as Array<{ text: string }>
  ).map((n) => n.text);
  return { notices, col: (n: string) => [...(table.getChild(n)!.toArray() as Iterable<unknown>)] };
}

/** Runs the stream on `path` and collects its rows by field name until `until` holds. */
export async function streamRows(
  app: App,
  path: string,
  until: (rows: Array<Record<string, unknown>>) => boolean
): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
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
          rows.push(Object.fromEntries(names.map((n, k) => [n, cols[k]![i]])));
        }
        if (until(rows)) {
          abort.abort();
          resolve();
        }
        return true;
      },
    };
    void app.handlers.runStream({ pluginContext: null, path, data: Buffer.alloc(0), headers: {} }, sink);
  });
  return rows;
}
