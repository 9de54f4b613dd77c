// The app's `includes` as Grafana's plugin validator reads a plugin archive (its `includesnested`
// check, github.com/grafana/plugin-validator pkg/analysis/passes/includesnested): every plugin.json
// below the app's own is a nested plugin, and the app must declare each one in `includes` with
// `path` set to that plugin.json's path relative to the app's folder and `type` set to its type.
// Checked on the source tree (webpack copies each src/<dir>/plugin.json to dist/<dir>/) and, once
// built, on dist/ itself.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';

import { ROOT, walk } from '../provisioning/helpers.mjs';

/** Every plugin.json below `dir` (the validator's `**\/plugin.json`), by path relative to `dir`. */
function nestedPlugins(dir) {
  return walk(dir)
    .filter((f) => f.endsWith(`${sep}plugin.json`) && !f.includes(`${sep}node_modules${sep}`))
    .map((f) => relative(dir, f).split(sep).join('/'))
    .filter((rel) => rel !== 'plugin.json')
    .map((rel) => ({ rel, json: JSON.parse(readFileSync(join(dir, rel), 'utf8')) }));
}

/** What the validator reports for an app and its nested plugins: one line per problem. */
function includesNestedProblems(app, nested) {
  const problems = [];
  for (const { rel, json } of nested) {
    const inc = (app.includes ?? []).find((i) => i.path === rel);
    if (!inc) {
      problems.push(`nested plugin ${rel} is not declared in the app's includes (by its path)`);
    } else if (!inc.type) {
      problems.push(`nested plugin ${rel} is declared without a type`);
    } else if (inc.type !== json.type) {
      problems.push(`nested plugin ${rel} is declared as ${inc.type} but is a ${json.type}`);
    }
  }
  return problems;
}

const readApp = (dir) => JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8'));
const SRC = join(ROOT, 'src');

test('the source app declares each nested plugin by path and type (includesnested)', () => {
  const nested = nestedPlugins(SRC);
  assert.deepEqual(nested.map((p) => p.rel).sort(), ['datasource/plugin.json', 'panel/plugin.json']);
  assert.deepEqual(includesNestedProblems(readApp(SRC), nested), []);
});

test('the check fails an include without its path, without a type, or with the wrong type', () => {
  const app = readApp(SRC);
  const nested = nestedPlugins(SRC);
  const edit = (fn) => ({ ...app, includes: app.includes.map((i) => (i.path?.endsWith('/plugin.json') ? fn(i) : i)) });
  // The app as it was before issue 25: nested plugins named, without their path.
  assert.deepEqual(
    includesNestedProblems(
      edit(({ path, ...rest }) => rest),
      nested
    ),
    [
      "nested plugin datasource/plugin.json is not declared in the app's includes (by its path)",
      "nested plugin panel/plugin.json is not declared in the app's includes (by its path)",
    ]
  );
  assert.deepEqual(
    includesNestedProblems(
      edit(({ type, ...rest }) => rest),
      nested
    ),
    [
      'nested plugin datasource/plugin.json is declared without a type',
      'nested plugin panel/plugin.json is declared without a type',
    ]
  );
  assert.deepEqual(
    includesNestedProblems(
      edit((i) => ({ ...i, type: i.type === 'panel' ? 'datasource' : i.type })),
      nested
    ),
    ['nested plugin panel/plugin.json is declared as datasource but is a panel']
  );
});

const DIST = join(ROOT, 'dist');
test(
  'the built app declares each nested plugin by path and type (includesnested)',
  { skip: existsSync(join(DIST, 'plugin.json')) ? false : 'dist/ is not built: run npm run build' },
  () => {
    assert.deepEqual(
      nestedPlugins(DIST)
        .map((p) => p.rel)
        .sort(),
      ['datasource/plugin.json', 'panel/plugin.json']
    );
    assert.deepEqual(includesNestedProblems(readApp(DIST), nestedPlugins(DIST)), []);
  }
);
