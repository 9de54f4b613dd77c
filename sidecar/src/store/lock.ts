/**
 * The history database's owner lock: one sidecar per database file, across processes, containers
 * (network, PID and mount namespaces on a shared volume) and path lengths, released by the kernel
 * when the owner dies (kill -9, OOM, reboot), never by trusting a recorded pid.
 *
 * The lock is an OS file lock on `<database>-lock`, a small empty database in the same directory,
 * taken through Node's built-in SQLite: `locking_mode=EXCLUSIVE` and a `BEGIN EXCLUSIVE` that is
 * never ended. SQLite's unix VFS holds that as POSIX fcntl locks on the file (LockFileEx on
 * Windows), which the kernel keeps per file (inode), whatever namespace or path the holder came
 * through, and drops with the holder's last descriptor. SQLite opens the file close-on-exec and
 * fcntl locks are not inherited, so children (ffmpeg) never keep it.
 *
 * Two rules keep it sound: the lock file is never deleted (a contender locking a new file while the
 * owner holds the unlinked one would make two owners), and nothing else in this process opens it
 * (closing any descriptor of a file drops the process's fcntl locks on it).
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { DatabaseSync } from 'node:sqlite';
import { loadNodeSqlite } from './node-sqlite.ts';
import { currentOwner, describeOwner, readOwnerRecord, removeOwnerRecord, writeOwnerRecord } from './owner-record.ts';
import { StoreError } from './types.ts';

export type { LockOwner } from './owner-record.ts';

export interface DatabaseLock {
  /** The lock file. */
  readonly path: string;
  release(): Promise<void>;
}

const heldHere = new Set<string>();
// SQLite's result codes (https://sqlite.org/rescode.html).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_NOTADB = 26;

/** The database file's real path (its directory resolved through symlinks; the file may not exist yet). */
export function canonicalDatabasePath(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  return join(realpathSync(dirname(file)), basename(file));
}

/** The lock file and the owner record for the database `file`. */
export function ownerLockPaths(file: string): { lock: string; record: string } {
  const real = canonicalDatabasePath(file);
  return { lock: `${real}-lock`, record: `${real}-owner.json` };
}

/**
 * A killed owner keeps its locks until its last thread has exited, a moment after its pid already
 * shows as a zombie: a busy lock is tried again over about 1 s before the refusal.
 */
const BUSY_RETRY_MS = [25, 50, 100, 200, 300, 300];

const errcode = (err: unknown) => (err as { errcode?: unknown }).errcode;
const isBusy = (err: unknown) => errcode(err) === SQLITE_BUSY || errcode(err) === SQLITE_LOCKED;

/** Takes the lock on `file`, or throws a StoreError that names the owner. */
export async function lockDatabase(file: string): Promise<DatabaseLock> {
  const real = canonicalDatabasePath(file);
  if (heldHere.has(real)) {
    throw new StoreError(`database ${file} is already open in this process`);
  }
  const { DatabaseSync } = loadNodeSqlite();
  const paths = ownerLockPaths(file);
  heldHere.add(real);
  for (let attempt = 0; ; attempt++) {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(paths.lock);
      // Exclusive mode: SQLite keeps every lock it takes until the connection closes. The
      // transaction is never ended, so its EXCLUSIVE lock is held for the connection's life.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      try {
        db?.close();
      } catch {
        /* the lock error is the one to report */
      }
      if (isBusy(err) && attempt < BUSY_RETRY_MS.length) {
        await delay(BUSY_RETRY_MS[attempt]!);
        continue;
      }
      heldHere.delete(real);
      throw lockError(file, paths, err);
    }
    try {
      writeOwnerRecord(paths.record, currentOwner());
    } catch {
      // A full disk: the lock is ours all the same, and a contender is refused without a name.
    }
    return held(real, paths, db);
  }
}

function lockError(file: string, paths: { lock: string; record: string }, err: unknown): StoreError {
  if (isBusy(err)) {
    const owner = readOwnerRecord(paths.record);
    return new StoreError(
      owner
        ? `database ${file} is in use by another sidecar (${describeOwner(owner)})`
        : `database ${file} is in use by another process (it holds the lock ${paths.lock} and left no owner record at ${paths.record})`
    );
  }
  if (errcode(err) === SQLITE_NOTADB) {
    return new StoreError(
      `cannot lock database ${file}: ${paths.lock} is not the sidecar's lock file (something else wrote to it); remove it while no sidecar runs on this data directory`,
      { cause: err }
    );
  }
  return new StoreError(`cannot lock database ${file} (lock file ${paths.lock}): ${(err as Error).message}`, {
    cause: err,
  });
}

function held(real: string, paths: { lock: string; record: string }, db: DatabaseSync): DatabaseLock {
  let released: Promise<void> | null = null;
  return {
    path: paths.lock,
    release() {
      released ??= Promise.resolve().then(() => {
        // The record goes first, while the lock still keeps a new owner from writing its own.
        try {
          removeOwnerRecord(paths.record);
        } finally {
          db.close();
          heldHere.delete(real);
        }
      });
      return released;
    },
  };
}
