// The sidecar's package.json says what the bundle needs at run time: every package its source
// imports is a dependency, every dependency is imported, and what only tests import (the onvif
// client the ONVIF peer test drives our simulator with) is a devDependency.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { ROOT, walk } from '../provisioning/helpers.mjs';

const SIDECAR = join(ROOT, 'sidecar');
const pkg = JSON.parse(readFileSync(join(SIDECAR, 'package.json'), 'utf8'));

/** The npm packages the .ts files under `dir` import (static or dynamic), by file. */
function importedPackages(dir) {
  const found = new Map();
  for (const file of walk(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'([^'.][^']*)'/g)) {
      const spec = m[1];
      if (spec.startsWith('node:')) {
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      found.set(name, [...(found.get(name) ?? []), relative(ROOT, file)]);
    }
  }
  return found;
}

test("the sidecar's dependencies are exactly what its source imports", () => {
  const used = importedPackages(join(SIDECAR, 'src'));
  assert.deepEqual([...used.keys()].sort(), Object.keys(pkg.dependencies).sort());
});

test('onvif is a devDependency, imported by tests only', () => {
  assert.equal(pkg.dependencies.onvif, undefined);
  assert.match(pkg.devDependencies.onvif ?? '', /^\d+\.\d+\.\d+$/, 'pinned');
  const inTests = importedPackages(join(SIDECAR, 'test')).get('onvif') ?? [];
  assert.ok(inTests.length > 0, 'some test imports onvif');
  for (const dir of ['src', 'bench', 'scripts']) {
    assert.equal(importedPackages(join(SIDECAR, dir)).get('onvif'), undefined, `sidecar/${dir} imports onvif`);
  }
});
