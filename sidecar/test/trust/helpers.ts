/** Trust test helpers: an app on a data dir, started and stopped like a sidecar restart, and settings contexts. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import type { SimulatedCamera } from '../../src/simulator/camera.ts';

type After = (fn: () => unknown) => void;

export function tempDir(t: { after: After }, prefix = 'tapo-trust-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sidecar app on `dataDir` (no demo unless asked), started. Stop it to "restart". */
export async function startApp(dataDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<App> {
  const demo = args.includes('--demo') ? [] : ['--no-demo'];
  const opts = parseOptions(['--standalone', ...demo, '--data-dir', dataDir, ...args], env) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  await app.start();
  return app;
}

/** A YAML file with one camera entry per simulated camera, with the given passwords. */
export function yamlFor(dir: string, cams: Array<{ id: string; cam: SimulatedCamera; password: string }>): string {
  const file = join(dir, 'cameras.yaml');
  const lines = cams.flatMap(({ id, cam, password }) => [
    `  - id: ${id}`,
    `    name: ${cam.name}`,
    `    host: 127.0.0.1:${cam.port}`,
    `    password: ${JSON.stringify(password)}`,
    `    poll_interval_seconds: 3600`,
  ]);
  writeFileSync(file, `cameras:\n${lines.join('\n')}\n`);
  return file;
}

export interface DsSettings {
  uid: string;
  cameras: object[];
  secure: Record<string, string>;
  updated: number;
  role?: string;
}

/** A plugin context as Grafana sends it for a datasource. */
export function dsContext(s: DsSettings) {
  return {
    orgId: 1,
    pluginId: 'camwatch-tapo-datasource',
    user: { login: 'u', name: 'u', email: '', role: s.role ?? 'Admin' },
    dataSourceInstanceSettings: {
      id: 1,
      uid: s.uid,
      name: `Tapo ${s.uid}`,
      url: '',
      jsonData: Buffer.from(JSON.stringify({ cameras: s.cameras })),
      decryptedSecureJsonData: s.secure,
      lastUpdatedMS: s.updated,
    },
  } as never;
}

/** A GET/POST resource call as Grafana makes it. */
export function resource(ctx: unknown, path: string, method = 'GET', body: unknown = undefined) {
  return {
    pluginContext: ctx as never,
    path,
    method,
    url: path,
    headers: {},
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)),
  };
}
