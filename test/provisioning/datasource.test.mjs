// The provisioned Tapo datasource: fixed uid, sidecar mode, secrets only in secureJsonData, and the
// commented example camera, once enabled, is what the sidecar's own settings parser accepts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';

import { DS_TYPE, PROVISIONING, datasources, expandDeep, projectModel } from './helpers.mjs';

const FILE = join(PROVISIONING, 'datasources', 'tapo.yaml');
let model;
before(async () => {
  model = await projectModel();
});

function tapo() {
  const list = datasources().filter((d) => d.type === DS_TYPE);
  assert.equal(list.length, 1, 'exactly one Tapo datasource is provisioned');
  return list[0];
}

/** The file with its commented-out camera block and secrets enabled (what the guide tells users to do). */
function enabledExample() {
  const lines = readFileSync(FILE, 'utf8').split('\n');
  const out = [];
  let block = null; // indent of the commented block being enabled
  for (const line of lines) {
    const head = /^(\s*)# (cameras|secureJsonData):\s*$/.exec(line);
    if (head) {
      block = head[1];
      // The block replaces its empty placeholder (`cameras: []`, `secureJsonData: {}`).
      const placeholder = out.findIndex((l) => l === `${block}${head[2]}: []` || l === `${block}${head[2]}: {}`);
      assert.ok(placeholder >= 0, `no placeholder for the commented ${head[2]} block`);
      out.splice(placeholder, 1);
      out.push(`${block}${head[2]}:`);
      continue;
    }
    if (block !== null && line.startsWith(`${block}#   `)) {
      out.push(block + line.slice(block.length + 2));
      continue;
    }
    block = null;
    out.push(line);
  }
  return parseYaml(out.join('\n'));
}

test('the Tapo datasource has uid "tapo", sidecar connection and an empty camera list by default', () => {
  const ds = tapo();
  assert.equal(ds.uid, 'tapo');
  assert.equal(ds.name, 'Tapo Cameras');
  assert.equal(ds.access, 'proxy');
  assert.equal(ds.jsonData.connection, 'sidecar');
  assert.deepEqual(ds.jsonData.cameras, [], 'no active camera: the demo fleet shows');
  assert.equal(ds.isDefault, false, 'must not take the default datasource from an existing Grafana');
});

test('the default settings are accepted by the sidecar without a single issue', () => {
  const ds = tapo();
  const loaded = model.camerasFromDatasource(ds.jsonData, ds.secureJsonData ?? {});
  assert.deepEqual(loaded.issues, []);
  assert.deepEqual(loaded.cameras, []);
  assert.equal(loaded.retentionHours, ds.jsonData.retentionHours);
  assert.equal(loaded.defaultPollIntervalSeconds, ds.jsonData.defaultPollIntervalSeconds);
});

test('jsonData holds no secret', () => {
  const ds = tapo();
  const text = JSON.stringify(ds.jsonData);
  assert.doesNotMatch(text, /password/i);
});

test('the commented example camera, enabled and filled from the environment, is a valid camera with both secrets', () => {
  const doc = enabledExample();
  const ds = doc.datasources[0];
  assert.equal(ds.jsonData.cameras.length, 1, 'the example block has one camera');
  const env = {
    TAPO_CAMERA1_NAME: 'Front door',
    TAPO_CAMERA1_HOST: '192.0.2.10',
    TAPO_CAMERA1_PASSWORD: 'cloud-pass',
    TAPO_CAMERA1_ACCOUNT: 'viewer',
    TAPO_CAMERA1_ACCOUNT_PASSWORD: 'account-pass',
  };
  const jsonData = expandDeep(ds.jsonData, env);
  const secure = expandDeep(ds.secureJsonData, env);
  const id = jsonData.cameras[0].id;
  assert.deepEqual(
    Object.keys(secure).sort(),
    [model.secretKeys.cameraPassword(id), model.secretKeys.password(id)].sort(),
    'secret keys follow the shared model'
  );
  const loaded = model.camerasFromDatasource(jsonData, secure);
  assert.deepEqual(loaded.issues, []);
  assert.equal(loaded.cameras.length, 1);
  const cam = loaded.cameras[0];
  assert.equal(cam.name, 'Front door');
  assert.equal(cam.host, '192.0.2.10');
  assert.equal(cam.username, 'admin');
  assert.equal(cam.password, 'cloud-pass');
  assert.equal(cam.cameraAccount, 'viewer');
  assert.equal(cam.cameraPassword, 'account-pass');
});

test('the enabled example with the variables unset disables that camera with a message, and does not throw', () => {
  const ds = enabledExample().datasources[0];
  const loaded = model.camerasFromDatasource(expandDeep(ds.jsonData, {}), expandDeep(ds.secureJsonData, {}));
  assert.equal(loaded.cameras.length, 0);
  assert.ok(
    loaded.issues.some((i) => i.severity === 'error' && i.field.endsWith('.host')),
    JSON.stringify(loaded.issues)
  );
  // The messages never carry a secret value (none was set; none must be invented).
  assert.doesNotMatch(JSON.stringify(loaded.issues), /cloud-pass|account-pass/);
});

test('the example camera uses only variables that docker-compose passes to Grafana', () => {
  const text = readFileSync(FILE, 'utf8');
  const compose = parseYaml(readFileSync(join(PROVISIONING, '..', 'docker-compose.yaml'), 'utf8'));
  const passed = new Set(Object.keys(compose.services.grafana.environment));
  const used = [...text.matchAll(/\$\{(TAPO_[A-Z0-9_]+)\}/g)].map((m) => m[1]);
  assert.ok(used.length >= 5);
  for (const v of used) {
    assert.ok(passed.has(v), `${v} is used in tapo.yaml but not passed to the grafana service`);
  }
});
