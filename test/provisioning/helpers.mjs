// Shared loading for the provisioning tests: file discovery, parsing, and the project's own models
// (the shared query model and the sidecar's query parser, imported through tsx).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROVISIONING = join(ROOT, 'provisioning');
/** The app's included dashboards (src/dashboards → dist/dashboards), also provisioned by file. */
export const DASHBOARDS = join(ROOT, 'src', 'dashboards');
export const APP_ID = 'camwatch-tapo-app';

export const DS_TYPE = 'camwatch-tapo-datasource';
export const PANEL_TYPE = 'camwatch-tapo-panel';
export const EXPR_UID = '__expr__';

/** Grafana's built-in panel ids (10.4) plus our panel. */
export const PANEL_TYPES = new Set([
  'stat',
  'table',
  'timeseries',
  'gauge',
  'bargauge',
  'logs',
  'state-timeline',
  'status-history',
  'barchart',
  'piechart',
  'text',
  'row',
  'heatmap',
  'histogram',
  'news',
  'dashlist',
  'alertlist',
  'annolist',
  'nodeGraph',
  'traces',
  'flamegraph',
  'geomap',
  'canvas',
  'xychart',
  'trend',
  'datagrid',
  'candlestick',
  PANEL_TYPE,
]);

export function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...walk(path));
    } else {
      out.push(path);
    }
  }
  return out;
}

export const rel = (path) => relative(ROOT, path);

/** Parses YAML strictly: more than one document or any error/warning is a failure. */
export function readYaml(path) {
  const text = readFileSync(path, 'utf8');
  const docs = parseAllDocuments(text);
  if (docs.length !== 1) {
    throw new Error(`${rel(path)}: expected one YAML document, found ${docs.length}`);
  }
  const [doc] = docs;
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new Error(`${rel(path)}: ${problems.map((p) => p.message).join('; ')}`);
  }
  return doc.toJS({ maxAliasCount: 0 });
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function readProvisioningFile(path) {
  if (/\.ya?ml$/.test(path)) {
    return readYaml(path);
  }
  if (path.endsWith('.json')) {
    return readJson(path);
  }
  throw new Error(`${rel(path)}: not YAML or JSON`);
}

export function datasources() {
  const dir = join(PROVISIONING, 'datasources');
  return walk(dir).flatMap((f) => (readYaml(f).datasources ?? []).map((ds) => ({ ...ds, file: rel(f) })));
}

export function dashboardFiles() {
  return walk(DASHBOARDS).filter((f) => f.endsWith('.json'));
}

export function dashboardProviders() {
  return walk(join(PROVISIONING, 'dashboards'))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => (readYaml(f).providers ?? []).map((p) => ({ ...p, file: rel(f) })));
}

export function alertRuleFiles() {
  return walk(join(PROVISIONING, 'alerting')).filter((f) => /\.(ya?ml|json)$/.test(f));
}

export function alertRules() {
  return alertRuleFiles().flatMap((f) => {
    const doc = readProvisioningFile(f);
    return (doc.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => ({ rule: r, group: g, file: rel(f) })));
  });
}

/** Every panel, including those nested in collapsed rows. */
export function allPanels(dashboard) {
  const out = [];
  for (const p of dashboard.panels ?? []) {
    out.push(p);
    out.push(...(p.panels ?? []));
  }
  return out;
}

/** Grafana's ini → environment key rule (pkg/setting: EnvKey): GF_<SECTION>_<KEY>, with . and - as _. */
export function grafanaEnvKey(section, key) {
  const s = section.toUpperCase().replace(/[.-]/g, '_');
  const k = key.toUpperCase().replace(/\./g, '_');
  return `GF_${s}_${k}`;
}

/** A minimal ini reader: sections, key = value, ; and # comments. */
export function parseIni(text) {
  const out = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) {
      continue;
    }
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      section = m[1];
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) {
      out[section] ??= {};
      out[section][line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
  }
  return out;
}

/** Grafana's provisioning env expansion for a string ($VAR and ${VAR}, as Go's os.ExpandEnv). */
export function expandGrafanaEnv(value, env) {
  return value.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_, braced, bare) => env[braced ?? bare] ?? '');
}

export function expandDeep(value, env) {
  if (typeof value === 'string') {
    return expandGrafanaEnv(value, env);
  }
  if (Array.isArray(value)) {
    return value.map((v) => expandDeep(v, env));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, env)]));
  }
  return value;
}

export { parseYaml };

/** The shared model and the sidecar's own validators (TypeScript, loaded by tsx). */
export async function projectModel() {
  const query = await import('../../src/shared/query.ts');
  const parse = await import('../../sidecar/src/datasource/query/parse.ts');
  const downsample = await import('../../sidecar/src/store/downsample.ts');
  const config = await import('../../sidecar/src/config/datasource.ts');
  return {
    ...query,
    parseQuery: parse.parseQuery,
    planBuckets: downsample.planBuckets,
    camerasFromDatasource: config.camerasFromDatasource,
  };
}

/** Runs a TapoQuery model through the sidecar's parser exactly as Grafana sends it (JSON bytes). */
export function backendParse(model, parseQuery) {
  return parseQuery({
    refId: model.refId ?? 'A',
    queryType: model.queryType ?? '',
    json: Buffer.from(JSON.stringify(model)),
  });
}
