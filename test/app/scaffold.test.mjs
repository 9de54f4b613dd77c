// The create-plugin layout as this project uses it: one scaffold version, the build going through
// .config/webpack, Node 22 wherever we build, and the scaffold's development image (npm run server)
// pointing at what our build makes: the app folder, with no Go executable at its root to wait for.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';

import { APP_ID, ROOT } from '../provisioning/helpers.mjs';

const read = (...p) => readFileSync(join(ROOT, ...p), 'utf8');
const pkg = JSON.parse(read('package.json'));

test('one create-plugin version, its features as the scaffold reads them', () => {
  const cp = JSON.parse(read('.config', '.cprc.json'));
  assert.match(cp.version, /^\d+\.\d+\.\d+$/);
  const features = JSON.parse(read('.cprc.json')).features;
  assert.equal(features.useExperimentalRspack, false, 'the build goes through .config/webpack');
  assert.equal(features.bundleGrafanaUI, false);
});

test('the build goes through .config/webpack: the root config only extends it', () => {
  assert.match(pkg.scripts['build:frontend'], /^webpack -c \.\/webpack\.config\.ts --env production$/);
  assert.match(pkg.scripts.dev, /^webpack -w -c \.\/webpack\.config\.ts --env development$/);
  assert.match(read('webpack.config.ts'), /from '\.\/\.config\/webpack\/webpack\.config\.ts'/);
  for (const script of ['build', 'dev', 'test:ci', 'typecheck', 'lint', 'lint:fix', 'server', 'sign']) {
    assert.ok(pkg.scripts[script], `the scaffold's "${script}" script is missing`);
  }
});

test('Node 22 or later builds: .nvmrc, engines and the sidecar image agree', () => {
  const nvm = Number(read('.nvmrc').trim().split('.')[0]);
  assert.ok(nvm >= 22, `.nvmrc says ${nvm}`);
  assert.equal(pkg.engines.node, `>=${nvm}`);
  for (const file of ['sidecar.Dockerfile', 'grafana-managed.Dockerfile']) {
    const from = [...read('docker', file).matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    assert.ok(from.length > 0 && from.every((v) => v >= nvm), `docker/${file}: node images ${from}`);
  }
});

test("the scaffold's development compose mounts the app folder under the app's id", () => {
  const base = parseYaml(read('.config', 'docker-compose-base.yaml'));
  const grafana = base.services.grafana;
  assert.equal(grafana.container_name, APP_ID);
  assert.ok(grafana.volumes.includes(`../dist:/var/lib/grafana/plugins/${APP_ID}`), grafana.volumes.join(', '));
  assert.equal(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, APP_ID);
});

test("the development image waits for nothing our build does not make (no gpx_* at the app's root)", () => {
  const conf = read('.config', 'supervisord', 'supervisord.conf');
  const waits = [...conf.matchAll(/\/root\/[^/]+\/dist\/(\S+?)\*/g)].map((m) => m[1]);
  const dist = join(ROOT, 'dist');
  for (const prefix of waits) {
    // The app has no backend of its own: the datasource's launchers are in dist/datasource/.
    assert.ok(
      existsSync(dist) && readdirSync(dist).some((f) => f.startsWith(prefix)),
      `supervisord waits for dist/${prefix}*, which the build does not make`
    );
  }
  assert.doesNotMatch(
    read('.config', 'Dockerfile'),
    /golang\.org|magefile|go-delve/,
    'a Go toolchain in the dev image'
  );
});
