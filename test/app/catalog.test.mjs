// What the plugin catalog reads from the built app, where it applies to us: complete plugin.json
// metadata (links, keywords, screenshots the browser tests make), READMEs whose links work outside
// the repository (absolute, on the one project URL, to files and sections that exist), the README's
// Requirements and its plain statement that the backend is a Node sidecar, and the CHANGELOG.
// Needs `npm run build` first.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { test } from 'node:test';

import { APP_ID, ROOT, walk } from '../provisioning/helpers.mjs';

const DIST = join(ROOT, 'dist');
const skip = existsSync(join(DIST, 'plugin.json')) ? false : 'dist/ is not built: run npm run build';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** The one project URL: package.json's repository, which the build writes into every link. */
const PROJECT = String(pkg.repository?.url ?? pkg.repository ?? '')
  .replace(/^git\+/, '')
  .replace(/\.git$/, '');

const builtPlugins = () =>
  walk(DIST)
    .filter((f) => basename(f) === 'plugin.json')
    .map((f) => ({ dir: dirname(f), json: JSON.parse(readFileSync(f, 'utf8')) }));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** A project link must name a file (and section) of this repository at `main`, or the project, its issues. */
function assertProjectLink(url, where) {
  assert.match(url, /^https:\/\//, `${where}: ${url} is not an absolute https URL`);
  assert.ok(url === PROJECT || url.startsWith(`${PROJECT}/`), `${where}: ${url} is not under ${PROJECT}`);
  const rest = url.slice(PROJECT.length);
  if (rest === '' || rest === '/issues') {
    return;
  }
  const m = /^\/blob\/main\/([^#]+)(?:#(.+))?$/.exec(rest);
  assert.ok(m, `${where}: ${url} is neither the project, its issues nor a file on main`);
  const file = join(ROOT, m[1]);
  assert.ok(existsSync(file), `${where}: ${url} names ${m[1]}, which is not in the repository`);
  if (m[2]) {
    const anchors = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, '')));
    assert.ok(anchors.includes(m[2]), `${where}: ${url}: no section #${m[2]} in ${m[1]}`);
  }
}

test('package.json names one project URL: homepage, repository and bugs agree', () => {
  assert.match(PROJECT, /^https:\/\/github\.com\/[^/]+\/[^/]+$/);
  assert.equal(pkg.homepage, PROJECT);
  assert.equal(pkg.bugs?.url, `${PROJECT}/issues`);
});

test('the LICENSE names its copyright holder (no template placeholder) and is the licence package.json declares', () => {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  assert.match(license, /^ {3}Copyright \d{4} \S.*$/m);
  assert.doesNotMatch(license, /\{yyyy\}|\{name of copyright owner\}/, 'the template placeholders are still there');
  assert.match(license, /^\s*Apache License\s+Version 2\.0/);
  assert.equal(pkg.license, 'Apache-2.0');
});

test('every built plugin.json is its source with the placeholders filled (no stale copy)', { skip }, () => {
  for (const { dir, json } of builtPlugins()) {
    const src = join(ROOT, 'src', relative(DIST, dir), 'plugin.json');
    const expected = readFileSync(src, 'utf8')
      .replace(/%VERSION%/g, pkg.version)
      .replace(/%REPOSITORY%/g, PROJECT)
      .replace(/%PLUGIN_ID%/g, APP_ID)
      .replace(/%TODAY%/g, json.info.updated);
    // The scaffold's BuildModeWebpackPlugin adds buildMode; everything else comes from the source.
    const { buildMode, ...rest } = json;
    assert.ok(['production', 'development'].includes(buildMode), `buildMode ${buildMode}`);
    assert.deepEqual(
      rest,
      JSON.parse(expected),
      `${relative(ROOT, dir) || 'dist'}/plugin.json differs from ${relative(ROOT, src)}`
    );
  }
});

test('every plugin.json has complete metadata and its links lead into the project', { skip }, () => {
  const plugins = builtPlugins();
  assert.equal(plugins.length, 3);
  for (const { dir, json } of plugins) {
    const where = `${relative(ROOT, dir) || 'dist'}/plugin.json`;
    assert.ok(json.info.description?.length > 20, `${where}: no description`);
    assert.ok(json.info.keywords?.length >= 3, `${where}: too few keywords`);
    assert.ok(json.info.links?.length >= 3, `${where}: links missing`);
    assertProjectLink(json.info.author?.url ?? '', `${where} author`);
    for (const link of json.info.links) {
      assert.ok(link.name, `${where}: a link without a name`);
      assertProjectLink(link.url, `${where} "${link.name}"`);
    }
    const names = json.info.links.map((l) => l.name);
    assert.equal(new Set(names).size, names.length, `${where}: duplicate link names`);
    assert.ok(names.includes('Report a bug') && names.includes('License'), `${where}: ${names}`);
  }
});

test("the app's screenshots are the ones the browser tests write (npm run screenshots)", { skip }, () => {
  const app = JSON.parse(readFileSync(join(DIST, 'plugin.json'), 'utf8'));
  const made = new Set();
  for (const f of readdirSync(join(ROOT, 'test', 'browser')).filter((n) => n.endsWith('.mjs'))) {
    const text = readFileSync(join(ROOT, 'test', 'browser', f), 'utf8');
    for (const m of text.matchAll(/catalogScreenshot\([^,]+,\s*'([^']+\.png)'\)/g)) {
      made.add(m[1]);
    }
  }
  assert.ok(app.info.screenshots.length >= 2, 'the app needs screenshots for the catalog');
  for (const shot of app.info.screenshots) {
    assert.ok(shot.name, `${shot.path}: no caption`);
    assert.match(shot.path, /^img\/screenshots\/[^/]+\.png$/);
    assert.ok(made.has(basename(shot.path)), `${shot.path} is not written by any browser test`);
    const png = readFileSync(join(DIST, shot.path));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${shot.path} is not a PNG`);
  }
});

test('every shipped README links absolutely, into the project, to files and sections that exist', { skip }, () => {
  const readmes = walk(DIST).filter((f) => basename(f) === 'README.md');
  assert.equal(readmes.length, 3, readmes.join(', '));
  for (const file of readmes) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /%[A-Z_]+%/, `${relative(ROOT, file)}: a build placeholder was not replaced`);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      assertProjectLink(m[1], relative(ROOT, file));
    }
  }
});

test("the app's README says what it needs and that its backend is a Node sidecar", { skip }, () => {
  const readme = readFileSync(join(DIST, 'README.md'), 'utf8');
  const requirements = /\n## Requirements\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';
  assert.match(requirements, /Node\.js 22\.13 or later/);
  assert.match(requirements, /sidecar container/);
  assert.match(requirements, /ffmpeg/);
  assert.match(requirements, /Grafana 12\.4 or later/);
  assert.match(readme, /backend is a Node sidecar/);
  assert.match(readme, /self-hosted Grafana/);
  assert.match(readme, /signed privately/);
  assert.ok(readme.includes(`](${PROJECT}/blob/main/docs/guide.md#signing)`), 'no link to the guide on signing');
  for (const id of [APP_ID, 'camwatch-tapo-datasource', 'camwatch-tapo-panel']) {
    assert.ok(readme.includes(id), `the README does not name ${id} (what to allow unsigned)`);
  }
});

test('the CHANGELOG and LICENSE ship at the root of the app', { skip }, () => {
  assert.equal(readFileSync(join(DIST, 'CHANGELOG.md'), 'utf8'), readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'));
  assert.equal(readFileSync(join(DIST, 'LICENSE'), 'utf8'), readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
});
