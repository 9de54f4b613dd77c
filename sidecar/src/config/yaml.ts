/**
 * Cameras from a YAML file (`--config`), for headless use. Secrets can come from the environment:
 * `${NAME}` (or `${NAME:-default}`) inside any string is replaced by the variable; `$${` is a
 * literal `${`. Substitution happens after parsing, so a secret's characters never change the YAML.
 *
 *   retentionHours: 24            # optional
 *   defaultPollIntervalSeconds: 30
 *   cameras:
 *     - id: front-door
 *       name: Front door
 *       host: 192.168.1.20
 *       password: ${FRONT_DOOR_PASSWORD}
 *       cameraAccount: viewer
 *       cameraPassword: ${FRONT_DOOR_CAMERA_PASSWORD}
 *
 * snake_case keys (poll_interval_seconds) are accepted too. A value that is exactly one variable
 * takes its type (`pollIntervalSeconds: ${INTERVAL}` is a number); secrets always stay text.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseOptionalSetting } from './datasource.ts';
import { intervalSchema, parseCameraList, retentionSchema } from './schema.ts';
import { ConfigError, type ConfigIssue, type LoadedConfig } from './types.ts';

const ENV_RE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${NAME} in one string; names of unset variables are collected in `missing`. */
export function substituteEnv(s: string, env: NodeJS.ProcessEnv, missing: string[]): string {
  return s.replace(ENV_RE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') {
      return '${';
    }
    const v = env[name!];
    if (v !== undefined && v !== '') {
      return v;
    }
    if (fallback !== undefined) {
      return fallback;
    }
    missing.push(name!);
    return '';
  });
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Walks parsed YAML: camelCases keys and substitutes variables in strings, per camera. */
function prepare(
  v: unknown,
  env: NodeJS.ProcessEnv,
  missing: Array<{ path: string; name: string }>,
  path: string
): unknown {
  if (typeof v === 'string') {
    const names: string[] = [];
    const out = substituteEnv(v, env, names);
    for (const name of names) {
      missing.push({ path, name });
    }
    // A value that is one variable and nothing else takes the variable's type: `${INTERVAL}` -> 30.
    if (/^\$\{[^}]+\}$/.test(v) && !/(?:password|account)$/i.test(path)) {
      if (/^-?\d+(?:\.\d+)?$/.test(out)) {
        return Number(out);
      }
      if (out === 'true' || out === 'false') {
        return out === 'true';
      }
    }
    return out;
  }
  if (Array.isArray(v)) {
    return v.map((x, i) => prepare(x, env, missing, `${path}[${i}]`));
  }
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [camel(k), prepare(x, env, missing, path ? `${path}.${camel(k)}` : camel(k))])
    );
  }
  return v;
}

export function parseYamlConfig(text: string, opts: { env?: NodeJS.ProcessEnv; source?: string } = {}): LoadedConfig {
  const source = opts.source ?? 'yaml';
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where =
      err instanceof YAMLParseError && err.linePos
        ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}`
        : '';
    // The parser's message can quote the offending text (possibly a secret): keep only its kind.
    const code = err instanceof YAMLParseError ? err.code : 'invalid YAML';
    throw new ConfigError(`${source}: not valid YAML${where} (${code})`);
  }
  if (doc === null || doc === undefined) {
    doc = {};
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`${source}: the top level must be a mapping with a 'cameras' list`);
  }
  const missing: Array<{ path: string; name: string }> = [];
  const data = prepare(doc, opts.env ?? process.env, missing, '') as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  const retention = parseOptionalSetting(retentionSchema, data.retentionHours, 'retentionHours', source, issues);
  const interval = parseOptionalSetting(
    intervalSchema,
    data.defaultPollIntervalSeconds,
    'defaultPollIntervalSeconds',
    source,
    issues
  );
  const parsed = parseCameraList(data.cameras, { source, path: 'cameras', defaultPollIntervalSeconds: interval });
  issues.push(...parsed.issues);
  // A camera whose entry names an unset variable is disabled: polling with an empty password would
  // only count as a failed login against the camera's lockout.
  const broken = new Map<number, ConfigIssue[]>();
  for (const m of missing) {
    const idx = /^cameras\[(\d+)\]/.exec(m.path);
    const entry = idx ? (data.cameras as unknown[])[Number(idx[1])] : undefined;
    const id =
      entry && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string'
        ? (entry as { id: string }).id
        : null;
    const issue: ConfigIssue = {
      severity: 'error',
      source,
      cameraId: id,
      field: m.path,
      message: `environment variable ${m.name} is not set`,
    };
    if (idx) {
      const list = broken.get(Number(idx[1])) ?? [];
      list.push(issue);
      broken.set(Number(idx[1]), list);
    }
    issues.push(issue);
  }
  const brokenIds = new Set([...broken.values()].flat().map((i) => i.cameraId));
  return {
    cameras: parsed.cameras.filter((c) => !brokenIds.has(c.id)),
    issues,
    retentionHours: retention ?? null,
    defaultPollIntervalSeconds: interval ?? null,
  };
}

export async function loadYamlConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read camera configuration ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
    );
  }
  return parseYamlConfig(text, { env, source: `yaml:${path}` });
}
