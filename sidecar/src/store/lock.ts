/**
 * The history database's owner lock: one sidecar per database file, released by the kernel when the
 * owner dies (kill -9, OOM, reboot), never by trusting a recorded pid.
 *
 * The lock is a listening local socket named after the database's real path: on Linux in the
 * abstract namespace (no file; the name vanishes with the last descriptor) plus a socket file
 * beside the database (see lockDatabase), on Windows a named pipe (gone with its process),
 * elsewhere a socket file beside the database. Binding it is the test-and-set:
 *  - bound: we own the database;
 *  - EADDRINUSE: connect to it. A live owner accepts and answers with its pid and version, so the
 *    refusal names it; a refused connection means the owner died (only socket files outlive their
 *    process), so the stale file is removed and the bind retried.
 * Node opens sockets close-on-exec, so children (ffmpeg) never inherit and keep the lock.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StoreError } from './types.ts';

/** What a live owner tells a contender. */
export interface LockOwner {
  pid: number;
  version: string;
  file: string;
}

export interface DatabaseLock {
  /** Where the lock lives (an abstract name starts with NUL). */
  readonly address: string;
  release(): Promise<void>;
}

const heldHere = new Set<string>();
/** How long a contender waits for a live owner's answer (a busy owner still answers within this). */
const ASK_TIMEOUT_MS = 3_000;
/** Binds tried before giving up; an owner being torn down is waited for 50+100+... ms (1.5 s in all). */
const MAX_ATTEMPTS = 6;
const DYING_RETRY_MS = 50;

/** The database file's real path (its directory resolved through symlinks; the file may not exist yet). */
export function canonicalDatabasePath(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  return join(realpathSync(dirname(file)), basename(file));
}

/** The socket address that locks `file` on this platform. */
export function lockAddress(file: string, platform: NodeJS.Platform = process.platform): string {
  const real = canonicalDatabasePath(file);
  const id = createHash('sha256').update(real).digest('hex').slice(0, 32);
  if (platform === 'linux') {
    return `\0tapo-sidecar-db-${id}`;
  }
  if (platform === 'win32') {
    return `\\\\.\\pipe\\tapo-sidecar-db-${id}`;
  }
  // A socket path is limited to ~104 bytes: beside the database when it fits, else the temp dir.
  const beside = `${real}.sock`;
  return Buffer.byteLength(beside) < 100 ? beside : join(process.env.TMPDIR ?? '/tmp', `tapo-sidecar-db-${id}.sock`);
}

const isFileSocket = (address: string) => !address.startsWith('\0') && !address.startsWith('\\\\');

function listen(address: string, owner: LockOwner): Promise<Server | NodeJS.ErrnoException> {
  const answer = `${JSON.stringify(owner)}\n`;
  const server = createServer((socket) => {
    socket.on('error', () => {}); // a contender that hangs up early is no concern of ours
    socket.end(answer);
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(address, () => {
      server.removeAllListeners('error');
      server.on('error', () => {});
      server.unref(); // the lock never keeps the process alive
      resolve(server);
    });
  });
}

/**
 * Asks whoever holds `address` who they are. 'gone': nobody listens (a stale socket file, or the
 * name freed between our bind and connect); 'dying': the holder closed without an answer (its
 * descriptors are being torn down); 'silent': it accepted but did not answer in time.
 */
function ask(address: string): Promise<LockOwner | 'gone' | 'dying' | 'silent'> {
  return new Promise((resolve) => {
    const socket = createConnection(address);
    let text = '';
    const done = (r: LockOwner | 'gone' | 'dying' | 'silent') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('silent'), ASK_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('end', () => {
      if (text === '') {
        done('dying');
        return;
      }
      try {
        const o = JSON.parse(text) as LockOwner;
        done(Number.isInteger(o.pid) ? o : 'silent');
      } catch {
        done('silent');
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      done(
        ['ECONNREFUSED', 'ENOENT'].includes(code) ? 'gone' : ['ECONNRESET', 'EPIPE'].includes(code) ? 'dying' : 'silent'
      );
    });
  });
}

/**
 * Binds `address`, or says who holds it. `optional`: a bind the filesystem refuses (no socket
 * files on this mount, path too long) is not an error, the claim is just skipped (null).
 */
async function claim(file: string, address: string, me: LockOwner, optional: boolean): Promise<Server | null> {
  for (let attempt = 1; ; attempt++) {
    const r = await listen(address, me);
    if (!(r instanceof Error)) {
      return r;
    }
    if (r.code !== 'EADDRINUSE' || attempt >= MAX_ATTEMPTS) {
      if (optional && r.code !== 'EADDRINUSE') {
        return null;
      }
      throw new StoreError(`cannot lock database ${file} (${address.replace('\0', '@')}): ${r.message}`, {
        cause: r,
      });
    }
    const owner = await ask(address);
    if (owner === 'gone') {
      // The owner died: an abstract name or pipe is already free again (bind raced its last
      // close); a socket file is left behind and is ours to remove.
      if (isFileSocket(address)) {
        rmSync(address, { force: true });
      }
      continue;
    }
    if (owner === 'dying') {
      // Killed, its threads still exiting: the kernel frees the name when the last one is gone.
      await delay(DYING_RETRY_MS * attempt);
      continue;
    }
    throw new StoreError(
      owner === 'silent'
        ? `database ${file} is in use by another process (it holds the lock ${address.replace('\0', '@')} but does not answer)`
        : `database ${file} is in use by another sidecar (pid ${owner.pid}, version ${owner.version})`
    );
  }
}

/**
 * Takes the lock on `file` or throws a StoreError naming the live owner.
 *
 * On Linux the abstract name is per network namespace, so two containers sharing the data volume
 * would not see each other's: the lock also binds a socket file beside the database (filesystem
 * sockets are shared wherever the file is), skipped where the mount refuses socket files. Its
 * stale-file takeover can race only between two sidecars starting in different namespaces at the
 * same instant; within one namespace the abstract name decides first.
 * `address`/`beside` are for tests (defaults: lockAddress, and `<file>.sock` on Linux).
 */
export async function lockDatabase(
  file: string,
  opts: { address?: string; beside?: string | null } = {}
): Promise<DatabaseLock> {
  const real = canonicalDatabasePath(file);
  if (heldHere.has(real)) {
    throw new StoreError(`database ${file} is already open in this process`);
  }
  const address = opts.address ?? lockAddress(file);
  const besideDefault = process.platform === 'linux' && Buffer.byteLength(`${real}.sock`) < 100 ? `${real}.sock` : null;
  const beside = opts.beside === undefined ? besideDefault : opts.beside;
  const me: LockOwner = { pid: process.pid, version: process.env.TAPO_SIDECAR_VERSION ?? 'dev', file: real };
  heldHere.add(real);
  const servers: Server[] = [];
  try {
    servers.push((await claim(file, address, me, false))!);
    if (beside && beside !== address) {
      const extra = await claim(file, beside, me, true);
      if (extra) {
        servers.push(extra);
      }
    }
    return held(real, address, servers);
  } catch (err) {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
    heldHere.delete(real);
    throw err;
  }
}

function held(real: string, address: string, servers: Server[]): DatabaseLock {
  let released: Promise<void> | null = null;
  return {
    address,
    release() {
      // close() stops accepting and (libuv) unlinks a socket file; answers in flight are dropped.
      released ??= Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve())))).then(
        () => {
          heldHere.delete(real);
        }
      );
      return released;
    },
  };
}
