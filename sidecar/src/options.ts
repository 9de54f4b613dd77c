/**
 * The sidecar's options, from the command line, from TAPO_* variables, and from the ini section
 * [plugin.camwatch-tapo-datasource] (Grafana passes each key as GF_PLUGIN_<KEY>).
 */
import { parseArgs } from 'node:util';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIP_ARGS, SHIP_USAGE, parseShipOptions, type ShipOptions } from './ship/options.ts';

export interface SidecarOptions {
  standalone: boolean;
  /** gRPC listen address; managed mode uses 127.0.0.1:0 (the handshake carries the port). */
  grpcAddress: string;
  /** The gRPC link secret (TAPO_GRPC_SECRET): never on the command line, where `ps` shows it. */
  grpcSecret: string | null;
  /** A file holding the gRPC link secret (--grpc-secret-file, TAPO_GRPC_SECRET_FILE); wins over grpcSecret. */
  grpcSecretFile: string | null;
  httpAddress: string | null;
  noAuth: boolean;
  apiToken: string | null;
  configPath: string | null;
  dataDir: string;
  ffmpegPath: string;
  /** Run the simulated demo fleet for datasources without cameras (when no YAML file configures any). */
  demo: boolean;
  /** A datasource not seen in any call for this long is treated as deleted: its cameras stop. */
  datasourceRetentionMs: number;
  logLevel: string;
  /** Shipping events and status changes to a Loki push endpoint; null when off (no --loki-url). */
  ship: ShipOptions | null;
}

export const USAGE = `Tapo Cameras sidecar — the backend of the camwatch-tapo-datasource Grafana plugin.

Grafana starts it as a backend plugin. To run it on its own (in a container, for a locator):
  TAPO_GRPC_SECRET=... main.mjs --standalone --grpc 0.0.0.0:10001 [--http 0.0.0.0:8080] [--config cameras.yaml]

Options (environment variable in brackets; GF_PLUGIN_<KEY> when set in Grafana's ini):
  --standalone          serve without Grafana's handshake (sidecar mode)
  --grpc ADDR           gRPC listen address (default 127.0.0.1:0, or 0.0.0.0:10001 standalone) [TAPO_GRPC_ADDRESS]
                        Beyond loopback it needs the gRPC link secret: clients must prove it (TLS with a
                        pre-shared key); the plugin on Grafana's host holds the same secret and relays.
  --grpc-secret-file FILE  the gRPC link secret, at least 16 characters (e.g. openssl rand -hex 32)
                        [TAPO_GRPC_SECRET_FILE; or the secret itself in TAPO_GRPC_SECRET]
  --http ADDR           also serve the HTTP API, /metrics and the status page [TAPO_HTTP_ADDRESS, GF_PLUGIN_HTTP_ADDRESS]
  --no-auth             HTTP API without a bearer token: loopback addresses only, and only requests
                        naming a loopback Host and no foreign Origin [TAPO_NO_AUTH=1]
  --config FILE         cameras from a YAML file, \${ENV} substituted [TAPO_CONFIG, GF_PLUGIN_CONFIG]
  --data-dir DIR        history database and state [TAPO_DATA_DIR, GF_PLUGIN_DATA_DIR]
  --ffmpeg PATH         ffmpeg binary for live frames (default ffmpeg) [TAPO_FFMPEG, GF_PLUGIN_FFMPEG_PATH]
  --no-demo             never start the simulated demo fleet [TAPO_DEMO=0, GF_PLUGIN_DEMO=false]
  --datasource-retention DURATION
                        forget a datasource's cameras when Grafana has not called for it this long,
                        e.g. 72h, 3d, 90m (default 3d) [TAPO_DATASOURCE_RETENTION, GF_PLUGIN_DATASOURCE_RETENTION]
  --log-level LEVEL     debug|info|warn|error (default info) [TAPO_LOG_LEVEL]
${SHIP_USAGE}
  The HTTP API's bearer token comes from TAPO_API_TOKEN (Authorization: Bearer <token>).`;

export const DEFAULT_DATASOURCE_RETENTION = '3d';
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '72h', '3d', '90m', '30s' or a plain number of hours; at least a second. */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * UNITS[(m[2] || 'h').toLowerCase()]! : NaN;
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new Error(`${what} must be a duration such as 72h, 3d or 90m (got "${text}")`);
  }
  return Math.round(ms);
}

function envFlag(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') {
    return undefined;
  }
  return !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
}

function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (env.GF_PATHS_DATA) {
    return join(env.GF_PATHS_DATA, 'camwatch-tapo');
  }
  const home = homedir();
  return home && home !== '/' ? join(home, '.local', 'state', 'camwatch-tapo') : join(tmpdir(), 'camwatch-tapo');
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): SidecarOptions | { help: true } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      standalone: { type: 'boolean' },
      grpc: { type: 'string' },
      'grpc-secret-file': { type: 'string' },
      http: { type: 'string' },
      'no-auth': { type: 'boolean' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      ffmpeg: { type: 'string' },
      demo: { type: 'boolean' },
      'no-demo': { type: 'boolean' },
      'datasource-retention': { type: 'string' },
      'log-level': { type: 'string' },
      ...SHIP_ARGS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    return { help: true };
  }
  const standalone = values.standalone ?? envFlag(env.TAPO_STANDALONE) ?? false;
  const demoEnv = envFlag(env.TAPO_DEMO) ?? envFlag(env.GF_PLUGIN_DEMO);
  return {
    standalone,
    grpcAddress: values.grpc ?? env.TAPO_GRPC_ADDRESS ?? (standalone ? '0.0.0.0:10001' : '127.0.0.1:0'),
    grpcSecret: env.TAPO_GRPC_SECRET || null,
    grpcSecretFile: values['grpc-secret-file'] ?? (env.TAPO_GRPC_SECRET_FILE || null),
    httpAddress: values.http ?? env.TAPO_HTTP_ADDRESS ?? env.GF_PLUGIN_HTTP_ADDRESS ?? null,
    noAuth: values['no-auth'] ?? envFlag(env.TAPO_NO_AUTH) ?? false,
    apiToken: env.TAPO_API_TOKEN || null,
    configPath: values.config ?? env.TAPO_CONFIG ?? env.GF_PLUGIN_CONFIG ?? null,
    dataDir: values['data-dir'] ?? env.TAPO_DATA_DIR ?? env.GF_PLUGIN_DATA_DIR ?? defaultDataDir(env),
    ffmpegPath: values.ffmpeg ?? env.TAPO_FFMPEG ?? env.GF_PLUGIN_FFMPEG_PATH ?? 'ffmpeg',
    demo: values['no-demo'] ? false : (values.demo ?? demoEnv ?? true),
    datasourceRetentionMs: parseDuration(
      values['datasource-retention'] ??
        env.TAPO_DATASOURCE_RETENTION ??
        env.GF_PLUGIN_DATASOURCE_RETENTION ??
        DEFAULT_DATASOURCE_RETENTION,
      'datasource retention'
    ),
    logLevel: values['log-level'] ?? env.TAPO_LOG_LEVEL ?? 'info',
    ship: parseShipOptions(values, env),
  };
}
