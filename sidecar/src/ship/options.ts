/**
 * The event shipper's options: where to push (--loki-url, TAPO_LOKI_URL), the site label
 * (--site, TAPO_SITE), and how to authenticate. Secrets come only from files (a password for basic
 * auth, or a bearer token), never from the command line, where `ps` shows them, and never from the
 * environment, which children inherit.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { checkSite } from './loki-push.ts';

export interface ShipOptions {
  /** The full push URL, e.g. http://loki:3100/loki/api/v1/push or …/insert/loki/api/v1/push. */
  url: string;
  site: string;
  /** Basic auth: the user (Grafana Cloud: the Loki instance id) and a file holding the password. */
  user: string | null;
  passwordFile: string | null;
  /** Bearer auth: a file holding the token. */
  tokenFile: string | null;
  /** X-Scope-OrgID for a multi-tenant Loki. */
  tenant: string | null;
  /** The most lines a second the shipper sends, so a backlog drains without flooding the endpoint. */
  maxLinesPerSecond: number;
}

/** The command-line options, for parseArgs (spread into the sidecar's own). */
export const SHIP_ARGS = {
  'loki-url': { type: 'string' },
  site: { type: 'string' },
  'loki-user': { type: 'string' },
  'loki-password-file': { type: 'string' },
  'loki-token-file': { type: 'string' },
  'loki-tenant': { type: 'string' },
  'loki-rate': { type: 'string' },
} as const;

export const SHIP_USAGE = `  --loki-url URL        ship events and status changes to this Loki push endpoint (Loki, VictoriaLogs,
                        Grafana Cloud), e.g. http://loki:3100/loki/api/v1/push [TAPO_LOKI_URL]
  --site NAME           the site label of shipped lines (default: the host name) [TAPO_SITE]
  --loki-user USER      basic auth user (Grafana Cloud: the Loki instance id) [TAPO_LOKI_USER]
  --loki-password-file FILE  basic auth password, from a file [TAPO_LOKI_PASSWORD_FILE]
  --loki-token-file FILE     bearer token, from a file [TAPO_LOKI_TOKEN_FILE]
  --loki-tenant ID      X-Scope-OrgID for a multi-tenant Loki [TAPO_LOKI_TENANT]
  --loki-rate N         at most N lines a second while a backlog drains (default 1000) [TAPO_LOKI_RATE]`;

export const DEFAULT_MAX_LINES_PER_SECOND = 1000;

type ShipArgValues = { [K in keyof typeof SHIP_ARGS]?: string };

/** The shipper's options, or null when no push URL is set (shipping off). Throws on a bad value. */
export function parseShipOptions(values: ShipArgValues, env: NodeJS.ProcessEnv): ShipOptions | null {
  const url = values['loki-url'] ?? (env.TAPO_LOKI_URL || null);
  if (!url) {
    return null;
  }
  const opts: ShipOptions = {
    url: checkUrl(url),
    site: checkSite(values.site ?? (env.TAPO_SITE || hostname().split('.')[0] || 'site')),
    user: values['loki-user'] ?? (env.TAPO_LOKI_USER || null),
    passwordFile: values['loki-password-file'] ?? (env.TAPO_LOKI_PASSWORD_FILE || null),
    tokenFile: values['loki-token-file'] ?? (env.TAPO_LOKI_TOKEN_FILE || null),
    tenant: values['loki-tenant'] ?? (env.TAPO_LOKI_TENANT || null),
    maxLinesPerSecond: rate(values['loki-rate'] ?? env.TAPO_LOKI_RATE),
  };
  if (opts.tokenFile && (opts.user || opts.passwordFile)) {
    throw new Error('Loki auth: give either a token file or a user and password file, not both');
  }
  if (Boolean(opts.user) !== Boolean(opts.passwordFile)) {
    throw new Error('Loki basic auth needs both --loki-user and --loki-password-file');
  }
  return opts;
}

function checkUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error('--loki-url is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`--loki-url must be http or https (got ${u.protocol})`);
  }
  if (u.username || u.password) {
    // Said without echoing the URL: it holds a secret.
    throw new Error('--loki-url must not carry credentials: use --loki-user with --loki-password-file');
  }
  return u.href;
}

function rate(text: string | undefined): number {
  if (text === undefined || text === '') {
    return DEFAULT_MAX_LINES_PER_SECOND;
  }
  const n = Number(text);
  if (!Number.isFinite(n) || n < 1 || n > 1_000_000) {
    throw new Error(`--loki-rate must be a number of lines a second between 1 and 1000000 (got "${text}")`);
  }
  return n;
}

/** The Authorization header's value, kept out of logs and errors. */
export interface ShipAuth {
  header: string;
}

/** Reads the secret files named by the options; an error names the file, never its content. */
export function readShipAuth(opts: ShipOptions): ShipAuth | null {
  const read = (file: string, what: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new Error(`cannot read the Loki ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!text || /[\r\n]/.test(text)) {
      throw new Error(`the Loki ${what} file ${file} must hold one non-empty line`);
    }
    return text;
  };
  if (opts.tokenFile) {
    return { header: `Bearer ${read(opts.tokenFile, 'token')}` };
  }
  if (opts.user && opts.passwordFile) {
    const password = read(opts.passwordFile, 'password');
    return { header: `Basic ${Buffer.from(`${opts.user}:${password}`).toString('base64')}` };
  }
  return null;
}
