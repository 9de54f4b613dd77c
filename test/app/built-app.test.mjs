// The built app (dist/) read the way Grafana's plugin loader reads a plugin folder: the root
// plugin.json is the app, every plugin.json below it a nested plugin with its own id; `includes`
// resolve to nested plugins and dashboard files that exist; dashboards are valid JSON that reach
// the Tapo datasource through a variable; the backend datasource has its executable per platform.
// Needs `npm run build` first (the CI runs it before these tests).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

import { APP_ID, DS_TYPE, PANEL_TYPE, ROOT, walk } from '../provisioning/helpers.mjs';

const DIST = join(ROOT, 'dist');
const built = existsSync(join(DIST, 'plugin.json'));
const skip = built ? false : 'dist/ is not built: run npm run build';

/** Every plugin.json of the folder, as the loader finds them (the root one is the parent). */
function loadTree(dir) {
  const files = walk(dir).filter((f) => f.endsWith('/plugin.json') && !f.includes('/node_modules/'));
  return files.map((f) => ({ dir: dirname(f), json: JSON.parse(readFileSync(f, 'utf8')) }));
}

test('the app folder holds one app and its nested datasource and panel', { skip }, () => {
  const tree = loadTree(DIST);
  const root = tree.find((p) => p.dir === DIST);
  assert.ok(root, 'no plugin.json at the root of dist/');
  assert.equal(root.json.type, 'app');
  assert.equal(root.json.id, APP_ID);
  const nested = tree.filter((p) => p !== root);
  assert.deepEqual(
    nested.map((p) => [p.json.id, p.json.type]).sort(),
    [
      [DS_TYPE, 'datasource'],
      [PANEL_TYPE, 'panel'],
    ].sort()
  );
  const ids = tree.map((p) => p.json.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate plugin ids: ${ids}`);
  for (const p of tree) {
    assert.ok(existsSync(join(p.dir, 'module.js')), `${p.json.id}: module.js missing in ${relative(ROOT, p.dir)}`);
    assert.doesNotMatch(JSON.stringify(p.json), /%[A-Z_]+%/, `${p.json.id}: a build placeholder was not replaced`);
    assert.match(p.json.info.version, /^\d+\.\d+\.\d+/);
    for (const logo of Object.values(p.json.info.logos)) {
      assert.ok(existsSync(join(p.dir, logo)), `${p.json.id}: logo ${logo} missing`);
    }
    for (const shot of p.json.info.screenshots ?? []) {
      assert.ok(existsSync(join(p.dir, shot.path)), `${p.json.id}: screenshot ${shot.path} missing`);
    }
  }
});

test('nested plugins claim the same Grafana range as the app', { skip }, () => {
  const tree = loadTree(DIST);
  const app = tree.find((p) => p.dir === DIST).json;
  for (const p of tree) {
    assert.equal(p.json.dependencies.grafanaDependency, app.dependencies.grafanaDependency, p.json.id);
  }
});

test("the app's includes resolve: nested plugins by path, type and name, dashboards to files", { skip }, () => {
  const tree = loadTree(DIST);
  const app = tree.find((p) => p.dir === DIST).json;
  for (const inc of app.includes) {
    if (inc.type === 'datasource' || inc.type === 'panel') {
      const p = tree.find((n) => n.dir !== DIST && join(n.dir, 'plugin.json') === join(DIST, inc.path ?? ''));
      assert.ok(p, `include ${inc.type} "${inc.name}" has no path to a nested plugin.json (${inc.path})`);
      assert.equal(p.json.type, inc.type, `${inc.path}: type`);
      assert.equal(p.json.name, inc.name, `${inc.path}: name`);
    } else if (inc.type === 'dashboard') {
      const file = join(DIST, inc.path);
      assert.ok(existsSync(file), `include dashboard ${inc.path} is missing`);
    } else {
      assert.equal(inc.type, 'page', `unknown include type ${inc.type}`);
      assert.match(inc.path, new RegExp(`^/a/${APP_ID}(/|$)`));
    }
  }
  for (const type of ['datasource', 'panel']) {
    assert.ok(
      app.includes.some((i) => i.type === type),
      `the nested ${type} is not in the app's includes`
    );
  }
});

test('included dashboards are valid JSON and reach the Tapo datasource through $datasource only', { skip }, () => {
  const app = JSON.parse(readFileSync(join(DIST, 'plugin.json'), 'utf8'));
  const dashboards = app.includes.filter((i) => i.type === 'dashboard');
  assert.ok(dashboards.length >= 3);
  for (const inc of dashboards) {
    const d = JSON.parse(readFileSync(join(DIST, inc.path), 'utf8'));
    assert.equal(d.title, inc.name, `${inc.path}: include name and dashboard title differ`);
    const v = d.templating.list.find((x) => x.type === 'datasource');
    assert.equal(v?.query, DS_TYPE, `${inc.path}: no datasource variable of type ${DS_TYPE}`);
    const refs = [];
    JSON.stringify(d, (key, value) => {
      if (key === 'datasource' && value && typeof value === 'object') {
        refs.push(value);
      }
      return value;
    });
    const tapo = refs.filter((r) => r.type === DS_TYPE);
    assert.ok(tapo.length > 0, `${inc.path}: no Tapo datasource reference`);
    for (const r of tapo) {
      assert.equal(r.uid, `\${${v.name}}`, `${inc.path}: a Tapo reference by literal uid ${r.uid}`);
    }
  }
});

test('the backend datasource has an executable per platform Grafana may ask for, and its sidecar', { skip }, () => {
  const tree = loadTree(DIST);
  const ds = tree.find((p) => p.json.id === DS_TYPE);
  assert.equal(ds.json.backend, true);
  // Grafana runs <executable>_<os>_<arch> from the nested plugin's own folder.
  for (const arch of ['amd64', 'arm64']) {
    const exe = join(ds.dir, `${ds.json.executable}_linux_${arch}`);
    assert.ok(existsSync(exe), `${relative(ROOT, exe)} missing`);
    assert.ok(statSync(exe).mode & 0o111, `${relative(ROOT, exe)} is not executable`);
  }
  assert.ok(existsSync(join(ds.dir, 'sidecar', 'main.mjs')), 'the bundled sidecar is missing');
});
