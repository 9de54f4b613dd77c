// Every provisioning file parses, and only files Grafana would load sit where it loads them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { PROVISIONING, readProvisioningFile, readYaml, rel, walk } from './helpers.mjs';

const files = walk(PROVISIONING);

test('the provisioning tree has datasources, dashboards, alerting and examples', () => {
  const dirs = new Set(files.map((f) => rel(f).split('/')[1]));
  for (const d of ['datasources', 'dashboards', 'alerting', 'examples']) {
    assert.ok(dirs.has(d), `provisioning/${d}/ is missing`);
  }
});

for (const file of files) {
  test(`${rel(file)} parses`, () => {
    const doc = readProvisioningFile(file);
    assert.equal(typeof doc, 'object');
    assert.notEqual(doc, null);
    if (/\.ya?ml$/.test(file)) {
      assert.equal(doc.apiVersion, 1, 'provisioning YAML must say apiVersion: 1');
    }
  });
}

test('Grafana-loaded folders hold only files it loads (YAML/JSON), so nothing is skipped with a warning', () => {
  for (const file of files) {
    const dir = rel(file).split('/')[1];
    if (dir === 'examples') {
      continue;
    }
    assert.match(file, /\.(ya?ml|json)$/, `${rel(file)}: Grafana would skip or reject this file`);
  }
});

test('the examples folder is not a folder Grafana provisions from', () => {
  // Grafana reads provisioning/{datasources,dashboards,alerting,plugins,notifiers,access-control}.
  const loaded = new Set(['datasources', 'dashboards', 'alerting', 'plugins', 'notifiers', 'access-control']);
  assert.ok(!loaded.has('examples'));
  const examples = files.filter((f) => rel(f).startsWith('provisioning/examples/'));
  assert.ok(examples.length > 0);
});

test('no provisioning file holds a literal secret: passwords only as ${VAR} references', () => {
  let seen = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // Active or commented-out lines alike: a secret key's value must be an env reference or empty.
    for (const m of text.matchAll(/^\s*#?\s*("?(?:password|cameraPassword)(?:\.[\w-]+)?"?)\s*:\s*(.*)$/gm)) {
      const value = m[2].trim().replace(/^["']|["']$/g, '');
      assert.ok(
        value === '' || /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value),
        `${rel(file)}: ${m[1]} has a literal value`
      );
      seen++;
    }
  }
  assert.ok(seen >= 2, `the check saw ${seen} secret lines; the datasource's example secrets should be among them`);
});

test('YAML duplicate keys are rejected by the strict reader (the check the other tests rely on)', () => {
  assert.throws(() => {
    const tmp = join(PROVISIONING, '..', 'test', 'provisioning', 'fixtures', 'duplicate-keys.yaml.txt');
    readYaml(tmp);
  }, /Map keys must be unique/);
});
