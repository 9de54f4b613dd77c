// scripts/zip.mjs on the built app: one zip per plugin, each holding a single top folder named
// after the plugin id with that plugin's plugin.json, README, CHANGELOG and LICENSE for the catalog.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { APP_ID, DS_TYPE, PANEL_TYPE, ROOT } from '../provisioning/helpers.mjs';

const skip = existsSync(join(ROOT, 'dist', 'plugin.json')) ? false : 'dist/ is not built: run npm run build';

test('npm run zip: one zip per plugin, its folder named after the id', { skip }, () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'zip.mjs')], { cwd: ROOT, stdio: 'pipe' });
  const out = join(ROOT, 'dist-zip');
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const zips = readdirSync(out).filter((f) => f.endsWith('.zip'));
  assert.deepEqual(zips.sort(), [APP_ID, DS_TYPE, PANEL_TYPE].map((id) => `${id}-${version}.zip`).sort());
  for (const zip of zips) {
    const id = zip.slice(0, -`-${version}.zip`.length);
    const files = execFileSync('unzip', ['-Z1', join(out, zip)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.ok(
      files.every((f) => f.startsWith(`${id}/`)),
      `${zip}: entries outside ${id}/`
    );
    const json = JSON.parse(execFileSync('unzip', ['-p', join(out, zip), `${id}/plugin.json`], { encoding: 'utf8' }));
    assert.equal(json.id, id);
    for (const doc of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
      assert.ok(files.includes(`${id}/${doc}`), `${zip}: no ${doc}`);
    }
    if (id === APP_ID) {
      for (const f of ['datasource/plugin.json', 'panel/plugin.json', 'datasource/sidecar/main.mjs']) {
        assert.ok(files.includes(`${APP_ID}/${f}`), `${zip}: no ${f}`);
      }
      const readme = execFileSync('unzip', ['-p', join(out, zip), `${APP_ID}/README.md`], { encoding: 'utf8' });
      assert.match(readme, /## Requirements/);
      // CHANGELOG and LICENSE once, at the root: the nested plugins' zips get their own copies.
      assert.deepEqual(files.filter((f) => /\/(CHANGELOG\.md|LICENSE)$/.test(f)).sort(), [
        `${APP_ID}/CHANGELOG.md`,
        `${APP_ID}/LICENSE`,
      ]);
      // The catalog shows the README outside the repository: links must be absolute.
      for (const m of readme.matchAll(/\]\(([^)]+)\)/g)) {
        assert.match(m[1], /^(https?:|#)/, `relative link in the shipped README: ${m[1]}`);
      }
    }
  }
});
