/**
 * The composition root as the app tests drive it: a standalone sidecar on a cameras.yaml of
 * simulated devices in a fresh data dir, waits with a bound, the camera list, a recordings query,
 * and RunStreams: a channel of rows (by the schema's field names) to wait on, or a stream run until
 * it has given enough.
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

/** How an entry is written: its poll interval (null: the default) and where its password comes from. */
export interface EntryOptions {
  /** Seconds between polls; null leaves the line out (the sidecar's default). Default 1. */
  pollSeconds?: number | null;
  /** The password as written, instead of the device's own (a wrong one, say). */
  password?: string;
  /** Writes the password as `${NAME}` (the test sets the variable: env substitution under test). */
  passwordEnv?: string;
}

function commonLines(opts: EntryOptions, cloudPassword: string): string[] {
  const password = opts.passwordEnv ? `\${${opts.passwordEnv}}` : (opts.password ?? cloudPassword);
  const poll = opts.pollSeconds === undefined ? 1 : opts.pollSeconds;
  return [`    password: ${password}`, ...(poll === null ? [] : [`    poll_interval_seconds: ${poll}`])];
}

/** cameras.yaml lines of a hub entry (its stream port named, as the demo's are). */
export function hubEntry(id: string, hub: SimulatedHub, opts: EntryOptions = {}): string[] {
  return [
    `  - id: ${id}`,
    `    name: ${hub.alias}`,
    '    kind: hub',
    `    host: 127.0.0.1:${hub.port}`,
    ...(hub.streamServer ? [`    stream_port: ${hub.streamServer.port}`] : []),
    ...commonLines(opts, hub.cloudPassword),
  ];
}

/** cameras.yaml lines of a camera entry, with `extra` lines (a stream port, the camera account). */
export function cameraEntry(id: string, cam: SimulatedCamera, extra: string[] = [], opts: EntryOptions = {}): string[] {
  return [
    `  - id: ${id}`,
    `    name: ${cam.name}`,
    `    host: 127.0.0.1:${cam.port}`,
    ...commonLines(opts, cam.cloudPassword),
    ...extra,
  ];
}

export interface StandaloneApp {
  app: App;
  /** The data dir (cameras.yaml is in it); removed by `stop`. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A started standalone sidecar on these entries; `stop` stops it and removes its data dir.
 * `args` adds command-line options (given the data dir).
 */
export async function startStandaloneApp(
  entries: string[][],
  opts: { args?: (dir: string) => string[] } = {}
): Promise<StandaloneApp> {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-app-'));
  const yaml = join(dir, 'cameras.yaml');
  writeFileSync(yaml, ['cameras:', ...entries.flat(), ''].join('\n'));
  const argv = ['--standalone', '--no-demo', '--config', yaml, '--data-dir', dir, ...(opts.args?.(dir) ?? [])];
  const options = parseOptions(argv, {}) as SidecarOptions;
  const app = await createApp(options, createLogger('silent'));
  const stop = async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await app.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { app, dir, stop };
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
export async function cameraList(app: App): Promise<Array<{ id: string; status: string; model: string | null }>> {
  const r = await app.handlers.callResource(resourceRequest('Viewer', 'cameras', { method: 'GET' }));
  return parseBody(r.body) as Array<{ id: string; status: string; model: string | null }>;
}

/** Until the camera list has `id` in it (a hub's child, once the fleet read the hub's list). */
export function cameraListed(app: App, id: string, ms?: number): Promise<true> {
  return waitFor(async () => (await cameraList(app)).some((c) => c.id === id), `the child ${id} is a camera`, ms);
}

/**
 * A recordings query over [fromS, toS] (epoch s), with `over` merged into its JSON; its first
 * frame's columns, meta and notices, and every frame's.
 */
export async function recordingsQuery(
  app: App,
  cameras: string[],
  fromS: number,
  toS: number,
  over: Record<string, unknown> = {}
) {
  const res = await app.handlers.queryData({
    pluginContext: null as never,
    headers: {},
    queries: [
      {
        refId: 'A',
        queryType: 'recordings',
        json: Buffer.from(JSON.stringify({ cameras, ...over })),
        timeRange: { fromEpochMS: fromS * 1000, toEpochMS: toS * 1000 },
        maxDataPoints: 100,
        intervalMS: 1000,
      } as never,
    ],
  } as never);
  assert.equal(res.A!.error ?? '', '', 'the query succeeds');
  const frames = res.A!.frames.map((f) => {
    const table = tableFromIPC(f);
    const meta = JSON.parse(table.schema.metadata.get('meta') ?? '{}');
    const col = (n: string) => [...(table.getChild(n)!.toArray() as Iterable<unknown>)];
    return { table, meta, col };
  });
  const first = frames[0]!;
  const notices = ((first.meta.notices ?? []) as Array<{ text: string }>).map((n) => n.text);
  return { ...first, notices, frames };
}

type Row = Record<string, unknown>;

/**
 * A RunStream's sink, collecting its packets and their rows (by the schema's field names, which
 * come with the first packet). `until` and `next` resolve when the rows satisfy them, or fail after
 * `ms`; `close` aborts the stream as Grafana does when the last viewer leaves.
 */
export function streamChannel() {
  const rows: Row[] = [];
  const packets: string[] = [];
  let names: string[] = [];
  const abort = new AbortController();
  const waiters = new Set<() => void>();
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
      for (const check of [...waiters]) {
        check();
      }
      return true;
    },
  };
  /** Resolves with what `found` gives for the rows so far once it gives something. */
  const when = <T>(found: (rows: Row[]) => T | undefined, what: string, ms: number) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${ms} ms`));
      }, ms);
      function check() {
        const v = found(rows);
        if (v !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(v);
        }
      }
      waiters.add(check);
      check();
    });
  /** The first row from index `from` (default: rows yet to come) that matches. */
  const next = (pred: (row: Row) => boolean, what: string, ms: number, from = rows.length) =>
    when((all) => all.slice(from).find(pred), `row with ${what}`, ms);
  /** All rows, once `enough` says so. */
  const until = (enough: (rows: Row[]) => boolean, what: string, ms: number) =>
    when((all) => (enough(all) ? all : undefined), what, ms);
  return { sink, rows, packets, next, until, close: () => abort.abort() };
}

export type StreamChannel = ReturnType<typeof streamChannel>;

/** A RunStream as Grafana makes it: it lasts until its sink is aborted (or its source ends). */
export function runStream(app: App, path: string, sink: StreamSink): Promise<void> {
  return app.handlers.runStream({ pluginContext: null, path, data: Buffer.alloc(0), headers: {} }, sink);
}

/**
 * Runs the stream on `path` until its rows satisfy `enough` (failing after `ms`), then aborts it
 * and waits for it to end; the channel holds its rows and packets.
 */
export async function streamUntil(
  app: App,
  path: string,
  enough: (rows: Row[]) => boolean,
  ms = 60_000
): Promise<StreamChannel> {
  const ch = streamChannel();
  const running = runStream(app, path, ch.sink);
  running.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  // Aborted from within the packet that is enough, so the stream stops there.
  const enoughThenClose = (rows: Row[]) => {
    const done = enough(rows);
    if (done) {
      ch.close();
    }
    return done;
  };
  try {
    await ch.until(enoughThenClose, `enough rows on ${path}`, ms);
  } finally {
    ch.close();
  }
  await running;
  return ch;
}

/** Runs the stream on `path` and collects its rows by field name until `enough` holds. */
export async function streamRows(
  app: App,
  path: string,
  enough: (rows: Row[]) => boolean,
  ms?: number
): Promise<Row[]> {
  return (await streamUntil(app, path, enough, ms)).rows;
}

/** Plays a recording's playback channel to its end (a `problem` row); its rows, problems and fragment count. */
export async function playToEnd(app: App, path: string) {
  const rows = await streamRows(app, path, (r) => r.some((x) => x.kind === 'problem'));
  return {
    rows,
    problems: rows.filter((r) => r.kind === 'problem').map((r) => r.error),
    fragments: rows.filter((r) => r.kind === 'fragment').length,
  };
}
