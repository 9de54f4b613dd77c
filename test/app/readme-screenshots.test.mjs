// The project README's screenshots are the screenshot suite's own pictures (issue 14): every image
// it shows exists, is a PNG, and is one the suite writes (README_SHOTS in test/browser/screenshots.test.mjs).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test("the README's screenshots come from the screenshot suite", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const suite = readFileSync(join(ROOT, 'test', 'browser', 'screenshots.test.mjs'), 'utf8');
  const listed = suite.match(/README_SHOTS = \[([^\]]*)\]/);
  assert.ok(listed, 'screenshots.test.mjs names no README_SHOTS');
  const made = new Set([...listed[1].matchAll(/'([^']+)'/g)].map((m) => `${m[1]}.png`));
  const shown = [...readme.matchAll(/!\[[^\]]*\]\(docs\/screenshots\/([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(shown.length >= 2, 'the README shows no screenshots');
  for (const name of shown) {
    assert.ok(made.has(name), `${name} is not written by the screenshot suite`);
    const file = join(ROOT, 'docs', 'screenshots', name);
    assert.ok(existsSync(file), `${name} is missing`);
    assert.equal(readFileSync(file).subarray(1, 4).toString('latin1'), 'PNG', `${name} is not a PNG`);
  }
});
