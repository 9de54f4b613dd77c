import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeEndpoint } from './fake-endpoint.ts';

const CHILD = fileURLToPath(new URL('./ship-child.ts', import.meta.url));
const N = 200;

function startChild(dataDir: string, url: string, write: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, url, String(write)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b) => (err += b.toString()));
  return { child, stderr: () => err, exited: once(child, 'exit') };
}

test('a shipper killed with -9 resumes from its saved cursor: every line arrives, at most one batch twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-ship-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const endpoint = await fakeEndpoint(() => 'ok');
  t.after(() => endpoint.close());

  const first = startChild(dir, endpoint.url, N);
  t.after(() => first.child.kill('SIGKILL'));
  await endpoint.until('three pushes from the first shipper', () => endpoint.pushes.length >= 3, 60_000);
  first.child.kill('SIGKILL');
  const [, signal] = await first.exited;
  assert.equal(signal, 'SIGKILL', first.stderr());
  const beforeKill = new Set(endpoint.accepted).size;
  assert.ok(beforeKill < N, `the first shipper was killed midway (${beforeKill} of ${N} lines)`);
  const pushesBefore = endpoint.pushes.length;

  const second = startChild(dir, endpoint.url, 0);
  t.after(() => second.child.kill('SIGKILL'));
  await endpoint.until(`all ${N} lines`, () => new Set(endpoint.accepted).size === N, 60_000);
  second.child.kill('SIGTERM');
  await second.exited;

  // Resumed, not restarted: the second run's first push begins after what the first delivered,
  // save the one batch that may have been in flight (sent, but its cursor not yet saved).
  const resumed = endpoint.pushes[pushesBefore]!;
  const firstRunIds = new Set(endpoint.pushes.slice(0, pushesBefore).flatMap((p) => p.ids));
  const again = resumed.ids.filter((id) => firstRunIds.has(id)).length;
  assert.ok(again === 0 || again === resumed.ids.length, 'a batch is resent whole or not at all');
  assert.ok(endpoint.accepted.length <= N + 20, `${endpoint.accepted.length - N} lines sent twice (at most one batch)`);
  assert.equal(second.stderr().includes('"@level":"error"'), false, second.stderr());
});
