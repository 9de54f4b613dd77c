// A clone on its own must pass its tests: no code or test reads the team's shared/ folder beside
// the repository, except the peer test of login v4, which skips plainly (exit 77) when its tool is
// absent. Facts the tests need live in sidecar/test/fixtures/reference/ with their source named.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from '../provisioning/helpers.mjs';

const CODE = /\.(ts|tsx|mjs|cjs|js|sh|py|go)$/;
// The one file allowed to look for a peer tool, and the test that names the paths it forbids.
const ALLOWED = new Set(['test/peer/run-tpap.sh', 'test/app/standalone-clone.test.mjs']);
const SHARED = /(\.\.\/|\/work\/)shared\/(notes|tools)|shared\/notes\/reference-data|CAMWATCH_SHARED_DIR/;

test('no code or test outside the peer test reads ../shared', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => CODE.test(f));
  assert.ok(files.length > 100, `git ls-files listed only ${files.length} code files`);
  const offenders = files.filter((f) => !ALLOWED.has(f) && SHARED.test(readFileSync(join(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, [], 'these files read the team shared/ folder, which a clone does not have');
});

test('the reference fixtures name their source', () => {
  const readme = readFileSync(join(ROOT, 'sidecar/test/fixtures/reference/README.md'), 'utf8');
  for (const file of ['c210-eu-2.0-fw1.4.3-responses.json', 'tpap-vectors.json']) {
    assert.ok(readme.includes(file), `${file} is not described in the fixtures' README`);
    JSON.parse(readFileSync(join(ROOT, 'sidecar/test/fixtures/reference', file), 'utf8'));
  }
  assert.match(readme, /python-kasa/);
});
