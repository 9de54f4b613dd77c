// docker-compose.yaml, the sidecar image's start script and health check. No Docker engine here:
// the compose file is checked as data, the scripts are run for real on loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

import { PROVISIONING, ROOT, grafanaEnvKey, parseIni } from './helpers.mjs';

const run = promisify(execFile);
const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8'));
const { grafana, sidecar } = compose.services;
// One app folder; unsigned, Grafana checks the app's and each nested plugin's own id.
const APP_ID = 'camwatch-tapo-app';
const PLUGIN_IDS = [APP_ID, 'camwatch-tapo-datasource', 'camwatch-tapo-panel'];
const ENTRYPOINT = join(ROOT, 'docker', 'sidecar-entrypoint.sh');
const HEALTHCHECK = join(ROOT, 'docker', 'healthcheck.mjs');

/** Short-syntax volumes as { source, target, ro }. */
function mounts(service) {
  return service.volumes.map((v) => {
    const [source, target, mode] = v.split(':');
    return { source, target, ro: mode === 'ro' };
  });
}
const mountAt = (service, target) => mounts(service).find((m) => m.target === target);
const ini = () => parseIni(readFileSync(join(ROOT, mountAt(grafana, '/etc/grafana/grafana.ini').source), 'utf8'));

test('two services by default (grafana and sidecar); the many-sites agent and central store only in their profiles', () => {
  const byDefault = Object.entries(compose.services).filter(([, s]) => !s.profiles);
  assert.deepEqual(byDefault.map(([name]) => name).sort(), ['grafana', 'sidecar']);
  assert.deepEqual(compose.services['site-agent'].profiles, ['site-agent']);
  assert.deepEqual(compose.services.central.profiles, ['central']);
});

test('site-agent: the tested agent config, the site from .env, the token as a secret, its WAL on a volume', () => {
  const agent = compose.services['site-agent'];
  assert.match(agent.image, /^prom\/prometheus:v2\.\d+\.\d+$/, 'a pinned Prometheus 2 (the flags differ in 3)');
  assert.ok(agent.command.includes('--enable-feature=agent,expand-external-labels'));
  const cfg = mountAt(agent, '/etc/prometheus/prometheus-agent.yml');
  assert.equal(cfg.source, './deploy/sites/prometheus-agent.yml');
  assert.ok(cfg.ro);
  assert.match(agent.environment.TAPO_SITE, /^\$\{TAPO_SITE:\?/);
  const text = parseYaml(readFileSync(join(ROOT, cfg.source), 'utf8'));
  const job = text.scrape_configs.find((j) => j.job_name === 'tapo');
  assert.equal(job.authorization.credentials_file, `/run/secrets/${agent.secrets[0]}`);
  assert.equal(compose.secrets[agent.secrets[0]].environment, 'TAPO_API_TOKEN');
  assert.deepEqual(job.static_configs[0].targets, ['sidecar:8080']);
  assert.equal(text.remote_write[0].url, 'http://central:8428/api/v1/write');
  assert.ok(mountAt(agent, '/prometheus'), 'the write-ahead log must outlive the container');
  assert.match(compose.services.central.image, /^victoriametrics\/victoria-metrics:v\d+\.\d+\.\d+$/);
});

test('grafana: built from docker/grafana-managed.Dockerfile, a pinned Ubuntu-based Grafana plus node (the relay)', () => {
  assert.equal(grafana.build.dockerfile, 'docker/grafana-managed.Dockerfile');
  const text = readFileSync(join(ROOT, grafana.build.context, grafana.build.dockerfile), 'utf8');
  assert.match(text, /^FROM grafana\/grafana(?:-oss)?:\d+\.\d+\.\d+-ubuntu$/m);
  assert.match(text, /\/usr\/local\/bin\/node/);
});

test('one .env variable gives both containers the gRPC link secret, required, never a default', () => {
  const need = /^\$\{TAPO_GRPC_SECRET:\?[^}]+\}$/;
  assert.match(sidecar.environment.TAPO_GRPC_SECRET, need);
  const key = grafanaEnvKey('plugin.camwatch-tapo-datasource', 'grpc_secret');
  assert.equal(key, 'GF_PLUGIN_CAMWATCH_TAPO_DATASOURCE_GRPC_SECRET');
  assert.match(grafana.environment[key], need);
  // The env override needs the key in the mounted ini; Grafana passes it as GF_PLUGIN_GRPC_SECRET.
  assert.equal(ini()['plugin.camwatch-tapo-datasource']?.grpc_secret, '');
  const launcher = readFileSync(join(ROOT, 'sidecar', 'launcher', 'gpx_tapo.sh'), 'utf8');
  assert.match(launcher, /GF_PLUGIN_GRPC_SECRET/);
});

test('grafana: unsigned loading allowed for exactly the app and its two nested plugin ids (environment and ini agree)', () => {
  const fromEnv = grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',').map((s) => s.trim());
  assert.deepEqual(fromEnv.sort(), [...PLUGIN_IDS].sort());
  assert.equal(grafanaEnvKey('plugins', 'allow_loading_unsigned_plugins'), 'GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS');
  const fromIni = ini()
    .plugins.allow_loading_unsigned_plugins.split(',')
    .map((s) => s.trim());
  assert.deepEqual(fromIni.sort(), [...PLUGIN_IDS].sort());
});

test("grafana: the locator address points at the sidecar service's gRPC port", () => {
  const section = 'plugin.camwatch-tapo-datasource';
  const key = grafanaEnvKey(section, 'sidecar_address');
  assert.equal(key, 'GF_PLUGIN_CAMWATCH_TAPO_DATASOURCE_SIDECAR_ADDRESS');
  // Grafana applies an env override only to a key present in an ini file: the mounted ini has it.
  const fromIni = ini()[section]?.sidecar_address;
  assert.ok(fromIni, `the mounted grafana.ini must declare [${section}] sidecar_address`);
  for (const address of [grafana.environment[key], fromIni]) {
    const [host, port] = address.split(':');
    assert.ok(compose.services[host], `${address}: no service named ${host}`);
    assert.equal(host, 'sidecar');
    assert.ok(sidecar.expose.map(String).includes(port), `${address}: the sidecar does not expose ${port}`);
  }
  // The launcher reads what Grafana passes: GF_PLUGIN_<KEY> of the section's key.
  const launcher = readFileSync(join(ROOT, 'sidecar', 'launcher', 'gpx_tapo.sh'), 'utf8');
  assert.match(launcher, /GF_PLUGIN_SIDECAR_ADDRESS/);
});

test('grafana: the app folder (dist/) as one plugin, provisioning/ and the ini mounted read-only; Grafana data on a volume', () => {
  const plugins = mountAt(grafana, `/var/lib/grafana/plugins/${APP_ID}`);
  assert.equal(resolve(ROOT, plugins.source), join(ROOT, 'dist'));
  assert.ok(plugins.ro);
  const prov = mountAt(grafana, '/etc/grafana/provisioning');
  assert.equal(resolve(ROOT, prov.source), PROVISIONING);
  assert.ok(prov.ro);
  assert.ok(mountAt(grafana, '/etc/grafana/grafana.ini').ro);
  const data = mountAt(grafana, '/var/lib/grafana');
  assert.ok(data.source in compose.volumes);
});

test('grafana waits for a healthy sidecar (Grafana dials the plugin once at start)', () => {
  assert.deepEqual(grafana.depends_on, { sidecar: { condition: 'service_healthy' } });
});

test('sidecar: built from docker/sidecar.Dockerfile: Node 22 on Debian with ffmpeg, health-checked', () => {
  assert.equal(sidecar.build.dockerfile, 'docker/sidecar.Dockerfile');
  const dockerfile = readFileSync(join(ROOT, sidecar.build.context, sidecar.build.dockerfile), 'utf8');
  assert.match(dockerfile, /^FROM node:22-bookworm(-slim)?$/m);
  assert.match(dockerfile, /apt-get install[^\n]*ffmpeg/);
  assert.match(dockerfile, /^USER node$/m, 'runs as the unprivileged node user');
  for (const m of dockerfile.matchAll(/^COPY (\S+) /gm)) {
    assert.ok(existsSync(join(ROOT, sidecar.build.context, m[1])), `COPY source ${m[1]} is missing`);
  }
  assert.deepEqual(sidecar.healthcheck.test, ['CMD', 'node', '/usr/local/lib/tapo/healthcheck.mjs']);
  assert.match(dockerfile, /COPY docker\/healthcheck\.mjs \/usr\/local\/lib\/tapo\/healthcheck\.mjs/);
});

test('sidecar: the nested datasource of the built app mounted at /plugin, data on a named volume', () => {
  const plugin = mountAt(sidecar, '/plugin');
  assert.equal(resolve(ROOT, plugin.source), join(ROOT, 'dist', 'datasource'));
  assert.ok(plugin.ro);
  const data = mountAt(sidecar, '/data');
  assert.ok(data.source in compose.volumes, 'the data directory is a named volume');
  assert.equal(sidecar.environment.TAPO_DATA_DIR, '/data');
});

test("the gRPC port is never published; the HTTP API only on the host's loopback", () => {
  for (const service of Object.values(compose.services)) {
    for (const p of service.ports ?? []) {
      assert.doesNotMatch(String(p), /10001/);
    }
  }
  for (const p of sidecar.ports) {
    assert.match(String(p), /^127\.0\.0\.1:/);
  }
});

test('managed-mode Dockerfile: Grafana Ubuntu image plus node and ffmpeg', () => {
  const text = readFileSync(join(ROOT, 'docker', 'grafana-managed.Dockerfile'), 'utf8');
  // The oldest Grafana the app claims (src/plugin.json) is the one the image runs.
  const oldest = JSON.parse(
    readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8')
  ).dependencies.grafanaDependency.match(/>=\s*([0-9.]+)/)[1];
  assert.match(text, new RegExp(`^FROM grafana/grafana:${oldest.replace(/\./g, '\\.')}-ubuntu$`, 'm'));
  assert.match(text, /\/usr\/local\/bin\/node/);
  assert.match(text, /ffmpeg/);
});

// ------------------------------------------------------------------ the start script, run for real

const scratch = mkdtempSync(join(tmpdir(), 'tapo-compose-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake node that prints its arguments, one per line, so the script's command line can be read. */
const fakeNode = join(scratch, 'node');
writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
chmodSync(fakeNode, 0o755);
const fakeMain = join(scratch, 'main.mjs');
writeFileSync(fakeMain, '');

async function entrypoint(env, args = []) {
  const { stdout } = await run('/bin/sh', [ENTRYPOINT, ...args], {
    env: { PATH: process.env.PATH, TAPO_NODE: fakeNode, TAPO_SIDECAR_MAIN: fakeMain, ...env },
  });
  return stdout.trim().split('\n');
}

test('entrypoint: standalone gRPC on 0.0.0.0:10001 and the data dir, as the compose file expects', async () => {
  const argv = await entrypoint({ TAPO_API_TOKEN: 's3cret' });
  assert.equal(argv[0], fakeMain);
  assert.ok(argv.includes('--standalone'));
  assert.equal(argv[argv.indexOf('--grpc') + 1], '0.0.0.0:10001');
  assert.equal(argv[argv.indexOf('--data-dir') + 1], '/data');
});

test('entrypoint: with a token the HTTP API listens on all interfaces, with auth', async () => {
  const argv = await entrypoint({ TAPO_API_TOKEN: 's3cret' });
  assert.equal(argv[argv.indexOf('--http') + 1], '0.0.0.0:8080');
  assert.ok(!argv.includes('--no-auth'));
  assert.ok(!argv.includes('s3cret'), 'the token never goes on the command line');
});

test("entrypoint: without a token the HTTP API stays on the container's loopback (--no-auth only there)", async () => {
  const argv = await entrypoint({});
  assert.equal(argv[argv.indexOf('--http') + 1], '127.0.0.1:8080');
  assert.ok(argv.includes('--no-auth'));
});

test('entrypoint: the gRPC link secret stays in the environment, never on the command line', async () => {
  const argv = await entrypoint({ TAPO_GRPC_SECRET: 'grpc-link-secret-0123456789' });
  assert.ok(!argv.some((a) => a.includes('grpc-link-secret')));
  assert.equal(argv[argv.indexOf('--grpc') + 1], '0.0.0.0:10001');
});

test('entrypoint: extra arguments pass through', async () => {
  const argv = await entrypoint({}, ['--no-demo', '--log-level', 'debug']);
  assert.deepEqual(argv.slice(-3), ['--no-demo', '--log-level', 'debug']);
});

test('entrypoint: a missing plugin bundle is a clear error, not a node stack trace', async () => {
  await assert.rejects(
    run('/bin/sh', [ENTRYPOINT], {
      env: { PATH: process.env.PATH, TAPO_NODE: fakeNode, TAPO_SIDECAR_MAIN: join(scratch, 'absent.mjs') },
    }),
    (err) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /npm run build/);
      return true;
    }
  );
});

// ------------------------------------------------------------------ the health check, run for real

function listen(server) {
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server.address().port)));
}

async function healthcheck({ status = 200, grpcOpen = true, token } = {}) {
  const seen = [];
  const http = createHttpServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
  });
  const httpPort = await listen(http);
  const tcp = createTcpServer((s) => s.end());
  let grpcPort = await listen(tcp);
  if (!grpcOpen) {
    await new Promise((r) => tcp.close(r));
  }
  const env = {
    PATH: process.env.PATH,
    TAPO_HEALTH_HTTP_PORT: String(httpPort),
    TAPO_HEALTH_GRPC_PORT: String(grpcPort),
    ...(token ? { TAPO_API_TOKEN: token } : {}),
  };
  try {
    const { stderr } = await run(process.execPath, [HEALTHCHECK], { env });
    return { code: 0, stderr, seen };
  } catch (err) {
    return { code: err.code, stderr: err.stderr, seen };
  } finally {
    http.close();
    if (grpcOpen) {
      tcp.close();
    }
  }
}

test('healthcheck: healthy when / answers and the gRPC port accepts; sends the bearer token', async () => {
  const r = await healthcheck({ token: 'tok-123' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.seen, [{ url: '/', authorization: 'Bearer tok-123' }]);
});

test('healthcheck: a 401 still proves the server is serving', async () => {
  const r = await healthcheck({ status: 401 });
  assert.equal(r.code, 0, r.stderr);
});

test('healthcheck: unhealthy on 5xx, and never prints the token', async () => {
  const r = await healthcheck({ status: 503, token: 'tok-secret-9' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /503/);
  assert.doesNotMatch(r.stderr, /tok-secret-9/);
});

test('healthcheck: unhealthy when the gRPC port is closed', async () => {
  const r = await healthcheck({ grpcOpen: false });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gRPC port/);
});
