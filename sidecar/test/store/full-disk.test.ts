/**
 * A full disk under the history store, for real: a 4 MiB tmpfs mounted in a private mount
 * namespace (`unshare -rm`, no privileges needed where user namespaces are allowed; skipped elsewhere).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = join(import.meta.dirname, 'fixtures', 'full-disk.ts');

function canMountTmpfs(dir: string): boolean {
  if (process.platform !== 'linux') {
    return false;
  }
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=1m tmpfs '${dir}'`], { stdio: 'ignore' });
  return r.status === 0;
}

test('full disk: storing fails with a typed error and loses nothing stored, storage resumes when space returns, no files are left behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-full-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (!canMountTmpfs(dir)) {
    t.skip('needs unshare -rm and tmpfs (Linux user namespaces)');
    return;
  }
  const child = spawn(
    'unshare',
    [
      '-rm',
      'sh',
      '-c',
      `mount -t tmpfs -o size=4m tmpfs "$1" && exec "$2" --import tsx "$3" "$1"`,
      'sh',
      dir,
      process.execPath,
      fixture,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TAPO_LOG_LEVEL: 'warn' } }
  );
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  const r = JSON.parse(out.trim());
  assert.equal(r.full, true, 'the filler filled the disk');
  assert.equal(r.typed, true, 'a StoreError');
  assert.match(r.error, /^cannot store polls: .*no space left on the disk holding /);
  assert.equal(r.points, r.stored, 'every poll stored before and after the full disk is there');
  assert.ok(r.readableWhileFull > 0, 'history stays readable while the disk is full');
  assert.equal(r.checkpointWhileFull.busy, 1, 'a checkpoint on a full disk reports that it could not complete');
  assert.deepEqual(r.checkpointAfter, { busy: 0, log: 0, checkpointed: 0, error: null });
  assert.deepEqual(
    r.files,
    ['h.sqlite', 'h.sqlite-lock'],
    'closed, the store leaves only its database and the empty owner lock file (no journal, owner record or temp file)'
  );
  const warning = err
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((l) => /could not be checkpointed/.test(l['@message']));
  assert.ok(warning && warning.walBytes > 0, 'the failed checkpoint was logged with its figures');
});
