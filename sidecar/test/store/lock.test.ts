/**
 * The database owner lock: an OS file lock on `<database>-lock` that holds across containers
 * (network and PID namespaces) and path lengths, is released by the kernel when its owner dies,
 * is never inherited by children, and is never fooled by a recorded pid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { lockDatabase, ownerLockPaths } from '../../src/store/lock.ts';
import { loadNodeSqlite } from '../../src/store/node-sqlite.ts';
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

/** A data directory whose path is over 100 bytes (the old lock skipped its socket file there). */
function longDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = join(tempDir(t), 'a-data-directory-with-a-long-path'.repeat(3), 'grafana-plugin-data');
  mkdirSync(dir, { recursive: true });
  assert.ok(Buffer.byteLength(dir) > 100, dir);
  return dir;
}

interface Sidecar {
  child: ChildProcess;
  exited: Promise<number | string | null>;
  serving: Promise<void>;
  err: () => string;
}

/**
 * A real sidecar (standalone, no demo, gRPC on an ephemeral loopback port) on `dataDir`;
 * `wrap` runs it through another command (unshare).
 */
function sidecar(dataDir: string, wrap: string[] = []): Sidecar {
  const argv = [process.execPath, '--import', 'tsx', main, '--standalone', '--no-demo', '--grpc', '127.0.0.1:0'];
  const [cmd, ...args] = [...wrap, ...argv, '--data-dir', dataDir];
  const child = spawn(cmd!, args, {
    env: { PATH: process.env.PATH ?? '', TAPO_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  // Settles on 'close' (stderr read to the end), with the exit code or the signal's name.
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal))
  );
  const serving = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: string) => {
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

/** The store held by a separate process (fixtures/hold-store.ts); resolves with its "ready" line. */
async function holder(file: string, modes: string[] = [], base = BASE) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(fixtures, 'hold-store.ts'), file, String(base), ...modes],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.match(line.toString(), /^ready/);
  return { child, line: line.toString().trim() };
}

function kill(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
}

function killPid(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Pids holding a POSIX lock on `file` (its inode), from /proc/locks. */
function posixLockHolders(file: string): number[] {
  const ino = statSync(file).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === 'POSIX' && f[5]?.endsWith(`:${ino}`))
    .map((f) => Number(f[4]));
}

/** The child of `pid` in this PID namespace (the process unshare -f started), by /proc. */
function childOf(pid: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) {
        return Number(name);
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return null;
}

/** `unshare` arguments for another container (network, PID and UTS namespaces), or why there is none. */
function containerWrap(): string[] | string {
  if (process.platform !== 'linux') {
    return 'namespaces are Linux only';
  }
  const flags = ['--net', '--pid', '--fork', '--uts', '--kill-child'];
  const tries = [flags, ['--user', '--map-root-user', ...flags]];
  const failures: string[] = [];
  for (const f of tries) {
    const probe = spawnSync('unshare', [...f, 'true'], { encoding: 'utf8' });
    if (probe.status === 0) {
      // In the new UTS namespace the "container" gets its own host name before node starts.
      return ['unshare', ...f, 'sh', '-c', 'hostname other-container && exec "$@"', 'sh'];
    }
    failures.push(`unshare ${f.join(' ')}: ${(probe.error?.message ?? probe.stderr).trim()}`);
  }
  return `unshare is not permitted here (${failures.join('; ')})`;
}

test("node:sqlite's exclusive transaction is a kernel file lock: a POSIX lock on the lock file, held by the owner's pid", async (t) => {
  if (process.platform !== 'linux') {
    t.skip('reads /proc/locks');
    return;
  }
  const file = join(tempDir(t), 'h.sqlite');
  const { child } = await holder(file);
  t.after(() => kill(child));
  const { lock } = ownerLockPaths(file);
  const holders = posixLockHolders(lock);
  assert.ok(holders.length > 0, 'the kernel lists a lock on the lock file');
  assert.deepEqual([...new Set(holders)], [child.pid], 'held by the owner alone');
  assert.equal(statSync(lock).size, 0, 'the lock file stays empty (nothing is ever written to it)');
});

test('issue 23: a sidecar in another container (network, PID and UTS namespaces) on a data dir with a long path is refused by name; the database stays intact', async (t) => {
  const wrap = containerWrap();
  if (typeof wrap === 'string') {
    t.skip(wrap);
    return;
  }
  const dataDir = longDataDir(t);
  const file = join(dataDir, DB_FILE_NAME);

  // An owner here, committing polls as fast as it can.
  // Its polls are recent: the next owner's housekeeping keeps them (retention).
  const since = Date.now();
  const writer = await holder(file, ['writing'], since);
  t.after(() => kill(writer.child));
  const other = sidecar(dataDir, wrap);
  t.after(() => kill(other.child));
  assert.equal(await other.exited, 1, 'the sidecar in the other container exits 1');
  assert.match(
    other.err(),
    new RegExp(`in use by another sidecar \\(pid ${writer.child.pid} on host ${hostname()}, version dev, since `),
    'its refusal names the owner'
  );

  // The owner dies mid-write; the other container's sidecar now starts, and refuses this side by name.
  writer.child.kill('SIGKILL');
  await once(writer.child, 'close');
  const next = sidecar(dataDir, wrap);
  t.after(() => kill(next.child));
  await next.serving;
  await assert.rejects(
    openSqliteStore({ file }),
    (e: unknown) =>
      e instanceof StoreError &&
      /in use by another sidecar \(pid 1 on host other-container, version dev, since /.test(e.message),
    'the owner in the other container is named by its pid there and its host name'
  );

  const inner = childOf(next.child.pid!);
  assert.ok(inner, 'the sidecar unshare started');
  t.after(() => killPid(inner));
  process.kill(inner, 'SIGKILL');
  await next.exited; // unshare --fork waits for its child

  // Checked by another engine (Node's native SQLite) than the one that wrote it (WASM).
  const { DatabaseSync } = loadNodeSqlite();
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const check = db.prepare('PRAGMA integrity_check').all();
    assert.deepEqual(
      check.map((r) => r.integrity_check),
      ['ok']
    );
  } finally {
    db.close();
  }
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.ok(
    (await store.points('crash-cam', since, Date.now() + 3_600_000)).length >= 1,
    "the writer's committed polls are there"
  );
});

test('a real sidecar: a second one on the same data dir is refused by name; after kill -9 a restart starts', async (t) => {
  const dataDir = longDataDir(t);
  const first = sidecar(dataDir);
  t.after(() => kill(first.child));
  await first.serving;

  const second = sidecar(dataDir);
  t.after(() => kill(second.child));
  assert.equal(await second.exited, 1, 'a second sidecar on the same data dir exits 1');
  assert.match(
    second.err(),
    new RegExp(`in use by another sidecar \\(pid ${first.child.pid} on host ${hostname()}, version dev, since `),
    'the refusal names the running sidecar'
  );

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(existsSync(join(dataDir, `${DB_FILE_NAME}-wal`)), 'the killed sidecar left its journal behind');
  assert.ok(existsSync(join(dataDir, `${DB_FILE_NAME}-owner.json`)), 'and its owner record');
  const third = sidecar(dataDir);
  t.after(() => kill(third.child));
  await third.serving;
  assert.doesNotMatch(third.err(), /in use by/);
});

test('children (ffmpeg) do not inherit the lock: with the owner killed, its still-running ffmpeg does not block', async (t) => {
  if (process.platform !== 'linux') {
    t.skip('reads /proc');
    return;
  }
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) {
    t.skip('needs ffmpeg');
    return;
  }
  const file = join(tempDir(t), 'h.sqlite');
  const { lock } = ownerLockPaths(file);
  const { child, line } = await holder(file, ['ffmpeg']);
  t.after(() => kill(child));
  const ffmpeg = Number(line.split(' ')[1]);
  assert.ok(ffmpeg > 0, line);
  t.after(() => killPid(ffmpeg));

  const open = readdirSync(`/proc/${ffmpeg}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${ffmpeg}/fd/${fd}`);
    } catch {
      return '';
    }
  });
  assert.ok(!open.includes(lock), `ffmpeg has no descriptor of the lock file (${open.join(', ')})`);
  assert.ok(!posixLockHolders(lock).includes(ffmpeg), 'nor a lock on it');

  child.kill('SIGKILL');
  await once(child, 'close');
  assert.doesNotThrow(() => process.kill(ffmpeg, 0), 'ffmpeg outlives its parent');
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.equal((await store.points('crash-cam', 0, BASE + 1)).length, 1);
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
  t.after(() => killPid(pid)); // should the test stop before killing it
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

test("records left by dead owners (an older sidecar's pid file, a killed one's owner record) do not block", async (t) => {
  const file = join(tempDir(t), 'h.sqlite');
  const { record } = ownerLockPaths(file);
  let store = await openSqliteStore({ file });
  await store.close();
  assert.ok(!existsSync(record), 'a clean close removes the owner record');
  for (const pid of [1, process.ppid, process.pid]) {
    // What an older sidecar (or a crash) leaves: the VFS lock directory and a pid record.
    mkdirSync(`${file}.lock`, { recursive: true });
    writeFileSync(`${file}.owner`, String(pid));
    writeFileSync(record, JSON.stringify({ pid, host: hostname(), version: 'dev', since: new Date(0).toISOString() }));
    store = await openSqliteStore({ file });
    assert.ok(!existsSync(`${file}.owner`), 'the pid record is removed');
    assert.equal(JSON.parse(readFileSync(record, 'utf8')).pid, process.pid, 'the owner record is ours now');
    await store.close();
  }
});

test('in this process: a second open is refused; after release the lock is taken again', async (t) => {
  const file = join(tempDir(t), 'h.sqlite');
  const lock = await lockDatabase(file);
  await assert.rejects(
    lockDatabase(file),
    (e: unknown) => e instanceof StoreError && /already open in this process/.test(e.message)
  );
  await lock.release();
  await lock.release(); // twice is harmless
  const again = await lockDatabase(file);
  await again.release();
});

test('a holder that left no owner record (a foreign process) is refused with a clear message; a record is quoted safely', async (t) => {
  const file = join(tempDir(t), 'h.sqlite');
  const { lock, record } = ownerLockPaths(file);
  const foreign = spawn(
    process.execPath,
    [
      '-e',
      "const db = new (require('node:sqlite').DatabaseSync)(process.argv[1]); db.exec('PRAGMA locking_mode=EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE'); console.log('ready'); setInterval(() => {}, 1000)",
      lock,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] }
  );
  t.after(() => kill(foreign));
  await once(foreign.stdout!, 'data');
  for (const content of [null, 'not json', '{"pid":"x"}']) {
    if (content !== null) {
      writeFileSync(record, content);
    }
    await assert.rejects(
      lockDatabase(file),
      (e: unknown) =>
        e instanceof StoreError &&
        e.message.includes(`in use by another process (it holds the lock ${lock} and left no owner record`),
      `record ${content}`
    );
  }
  // A record is only quoted as printable text, bounded: it cannot forge log lines.
  writeFileSync(
    record,
    JSON.stringify({ pid: 7, host: `evil\n{"@level":"error"}${'h'.repeat(500)}`, version: '1', since: 's' })
  );
  const refusal = await lockDatabase(file).then(
    () => assert.fail('taken'),
    (e: Error) => e.message
  );
  assert.match(refusal, /\(pid 7 on host evil\?\{"@level":"error"\}h+, version 1, since s\)$/);
  assert.ok(!refusal.includes('\n') && refusal.length < 400, refusal);
});

test('a lock file something else wrote to is refused with what to do, and left as it is', async (t) => {
  const file = join(tempDir(t), 'h.sqlite');
  const { lock } = ownerLockPaths(file);
  writeFileSync(lock, 'x'.repeat(200));
  await assert.rejects(
    lockDatabase(file),
    (e: unknown) =>
      e instanceof StoreError && /is not the sidecar's lock file .* remove it while no sidecar runs/.test(e.message)
  );
  assert.equal(readFileSync(lock, 'utf8'), 'x'.repeat(200), 'the lock file is never deleted or rewritten');
});
