/** The database owner lock: released by the kernel when its owner dies, never fooled by a recorded pid. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { lockAddress, lockDatabase } from '../../src/store/lock.ts';
import { DB_FILE_NAME, openSqliteStore } from '../../src/store/sqlite.ts';
import { StoreError } from '../../src/store/types.ts';

const BASE = 1_700_000_040_000;
const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const fixtures = join(import.meta.dirname, 'fixtures');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real sidecar (standalone, no demo, gRPC on an ephemeral loopback port) on `dataDir`. */
function sidecar(dataDir: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', main, '--standalone', '--no-demo', '--grpc', '127.0.0.1:0', '--data-dir', dataDir],
    { env: { PATH: process.env.PATH ?? '', TAPO_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  // Settles on 'close' (stderr read to the end), with the exit code or the signal's name.
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal))
  );
  const serving = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('Tapo sidecar serving')) {
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`sidecar exited (${code}) before serving: ${stderr}`)));
  });
  serving.catch(() => undefined);
  return { child, exited, serving, err: () => stderr };
}

function kill(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
}

test('a real sidecar: a second one on the same data dir is refused by name; after kill -9 a restart starts', async (t) => {
  const dataDir = tempDir(t);
  const first = sidecar(dataDir);
  t.after(() => kill(first.child));
  await first.serving;

  const second = sidecar(dataDir);
  t.after(() => kill(second.child));
  assert.equal(await second.exited, 1, 'a second sidecar on the same data dir exits 1');
  assert.match(
    second.err(),
    new RegExp(`in use by another sidecar \\(pid ${first.child.pid}, version dev\\)`),
    'the refusal names the running sidecar'
  );

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(existsSync(join(dataDir, `${DB_FILE_NAME}-wal`)), 'the killed sidecar left its journal behind');
  const third = sidecar(dataDir);
  t.after(() => kill(third.child));
  await third.serving;
  assert.doesNotMatch(third.err(), /in use by/);
});

test('killed but not yet reaped by its parent (a zombie, whose pid is still "alive"), the owner no longer blocks', async (t) => {
  if (process.platform !== 'linux') {
    t.skip('reads /proc');
    return;
  }
  const file = join(tempDir(t), 'h.sqlite');
  const parent = spawn(
    process.execPath,
    ['--import', 'tsx', join(fixtures, 'unreaping-parent.ts'), file, String(BASE)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  t.after(() => kill(parent));
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  assert.ok(pid > 0);
  t.after(() => {
    try {
      process.kill(pid, 'SIGKILL'); // should the test stop before killing it
    } catch {
      /* already gone */
    }
  });
  await assert.rejects(openSqliteStore({ file }), /in use by another/, 'the live owner holds the store');

  process.kill(pid, 'SIGKILL');
  const state = () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
    } catch {
      return 'gone';
    }
  };
  const deadline = Date.now() + 10_000;
  while (state() !== 'Z') {
    assert.ok(Date.now() < deadline, `pid ${pid} did not become a zombie (state ${state()})`);
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.doesNotThrow(() => process.kill(pid, 0), 'the zombie pid still answers signal 0');

  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.equal((await store.points('crash-cam', 0, BASE + 1)).length, 1, "the killed owner's committed poll is there");
});

test('a lock record left by an older sidecar naming a live foreign pid does not block', async (t) => {
  const file = join(tempDir(t), 'h.sqlite');
  let store = await openSqliteStore({ file });
  await store.close();
  for (const pid of [1, process.ppid, process.pid]) {
    // What an older sidecar (or a crash) leaves: the VFS lock directory and a pid record.
    mkdirSync(`${file}.lock`, { recursive: true });
    writeFileSync(`${file}.owner`, String(pid));
    store = await openSqliteStore({ file });
    assert.ok(!existsSync(`${file}.owner`), 'the pid record is removed');
    await store.close();
  }
});

test('a stale socket file (platforms without abstract sockets) is taken over; a live holder in this process is refused', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'h.sqlite');
  const address = join(dir, 'h.sqlite.sock');
  assert.equal(lockAddress(file, 'darwin'), address, 'beside the database where the path fits');
  assert.match(lockAddress(file, 'linux'), /^\0tapo-sidecar-db-[0-9a-f]{32}$/);
  assert.match(lockAddress(file, 'win32'), /^\\\\\.\\pipe\\tapo-sidecar-db-[0-9a-f]{32}$/);

  // A process that listened on the socket file and was killed leaves the file behind.
  const holder = spawn(
    process.execPath,
    ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('ready'))", address],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  t.after(() => kill(holder));
  await once(holder.stdout!, 'data');
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  assert.ok(existsSync(address), 'the killed holder left its socket file');

  const lock = await lockDatabase(file, { address });
  await assert.rejects(
    lockDatabase(file, { address }),
    (e: unknown) => e instanceof StoreError && /already open in this process/.test(e.message)
  );
  await lock.release();
  assert.ok(!existsSync(address), 'release removes the socket file');
  const again = await lockDatabase(file, { address });
  await again.release();
});

test('a holder that accepts but never answers is refused after a bounded wait, with a clear message', async (t) => {
  const file = join(tempDir(t), 'h.sqlite');
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(lockAddress(file), r));
  t.after(() => {
    sockets.forEach((s) => s.destroy());
    silent.close();
  });
  await assert.rejects(
    lockDatabase(file),
    (e: unknown) =>
      e instanceof StoreError &&
      /in use by another process \(it holds the lock .* but does not answer\)/.test(e.message)
  );
});

test('a sidecar in another network namespace (another container on the same volume) is refused too; killed, it no longer blocks', async (t) => {
  const probe = process.platform === 'linux' ? spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' }) : null;
  if (probe?.status !== 0) {
    t.skip('needs Linux and unshare -rn');
    return;
  }
  const file = join(tempDir(t), 'h.sqlite');
  const other = spawn(
    'unshare',
    ['-rn', process.execPath, '--import', 'tsx', join(fixtures, 'hold-store.ts'), file, String(BASE)],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  t.after(() => kill(other));
  const [chunk] = (await once(other.stdout!, 'data')) as [Buffer];
  assert.match(chunk.toString(), /ready/);
  await assert.rejects(
    openSqliteStore({ file }),
    (e: unknown) => e instanceof StoreError && /in use by another sidecar \(pid \d+, version dev\)/.test(e.message),
    'its abstract name is invisible from here, its socket file beside the database is not'
  );
  other.kill('SIGKILL');
  await once(other, 'exit');
  assert.ok(existsSync(`${file}.sock`), 'the killed sidecar left its socket file');
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.equal((await store.points('crash-cam', 0, BASE + 1)).length, 1);
});
