/**
 * SQLite for the history store: Node's built-in `node:sqlite` (native SQLite inside the node
 * binary, Node 22.13 or later), so the bundle still needs nothing but a node binary, with no
 * WebAssembly build and no JavaScript row layer between the store and SQLite (measured against
 * node-sqlite3-wasm in `npm run bench -- store`).
 *
 * The store sees a small synchronous interface (`SqliteDatabase`), with parameters as arrays.
 */
import { rmSync } from 'node:fs';
import { loadNodeSqlite } from './node-sqlite.ts';

/** A prepared statement; run and all run it to completion (see Connection.stmt). */
export interface SqliteStatement {
  run(params?: readonly unknown[]): { changes: number };
  all(params?: readonly unknown[]): unknown[];
  /** Steps lazily: a read left unfinished holds the WAL (tests provoke that on purpose). */
  iterate(params?: readonly unknown[]): IterableIterator<unknown>;
}

export interface SqliteDatabase {
  exec(sql: string): void;
  /** The first row (the statement is run to completion), or null. */
  get(sql: string, params?: readonly unknown[]): unknown;
  all(sql: string, params?: readonly unknown[]): unknown[];
  prepare(sql: string): SqliteStatement;
  readonly inTransaction: boolean;
  close(): void;
}

/** The part of node:sqlite the store uses (typed here: the sidecar's @types/node predates it). */
interface NativeStatement {
  run(...params: unknown[]): { changes: number | bigint };
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}
interface NativeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NativeStatement;
  readonly isTransaction: boolean;
  close(): void;
}
type NativeModule = { DatabaseSync: new (path: string) => NativeDatabase };

/** node:sqlite through the one loader (it drops Node's "experimental" notice from stderr). */
function loadNative(): NativeModule {
  return loadNodeSqlite() as unknown as NativeModule;
}

class Statement implements SqliteStatement {
  constructor(private readonly s: NativeStatement) {}

  run(params: readonly unknown[] = []): { changes: number } {
    return { changes: Number(this.s.run(...params).changes) };
  }

  all(params: readonly unknown[] = []): unknown[] {
    return this.s.all(...params);
  }

  iterate(params: readonly unknown[] = []): IterableIterator<unknown> {
    return this.s.iterate(...params);
  }
}

class Database implements SqliteDatabase {
  constructor(private readonly db: NativeDatabase) {}

  exec(sql: string): void {
    this.db.exec(sql);
  }

  get(sql: string, params: readonly unknown[] = []): unknown {
    return this.db.prepare(sql).all(...params)[0] ?? null;
  }

  all(sql: string, params: readonly unknown[] = []): unknown[] {
    return this.db.prepare(sql).all(...params);
  }

  prepare(sql: string): SqliteStatement {
    return new Statement(this.db.prepare(sql));
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  close(): void {
    this.db.close();
  }
}

/** Opens (or creates) the database file. */
export function openDatabase(file: string): SqliteDatabase {
  const { DatabaseSync } = loadNative();
  return new Database(new DatabaseSync(file));
}

/**
 * What sidecars on the WebAssembly build left beside the file: its VFS's lock directory
 * `<file>.lock` (left behind by a crash) and an older pid record `<file>.owner`. Native SQLite
 * ignores both; called by the owner-lock holder, so they are stale and only tidied away.
 */
export function removeOldEngineLeftovers(file: string): void {
  rmSync(`${file}.lock`, { recursive: true, force: true });
  rmSync(`${file}.owner`, { force: true });
}
