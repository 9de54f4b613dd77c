/**
 * Loading node-sqlite3-wasm (SQLite compiled to WebAssembly: no native addon, so the bundle runs on
 * any host that has a node binary), and clearing what its VFS leaves behind after a crash.
 *
 * Where the .wasm comes from: the package's JS reads `__dirname + '/node-sqlite3-wasm.wasm'`
 * synchronously at load (no hook to pass another path). Run from node_modules that is the
 * package's own dist/. In an esbuild bundle in CommonJS format, `__dirname` is the bundle's
 * directory, so the build copies `node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm` next
 * to the bundle. (An ESM bundle must define `__dirname` in a banner.) `sqliteWasmPath()` says where
 * it is expected so that a missing file is a clear error, not an emscripten abort.
 */
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StoreError } from './types.ts';

export type SqliteDatabase = import('node-sqlite3-wasm').Database;
type DatabaseCtor = typeof import('node-sqlite3-wasm').Database;

let ctor: DatabaseCtor | undefined;

/** Where node-sqlite3-wasm will look for its .wasm, when that can be known (null inside a bundle). */
export function sqliteWasmPath(): string | null {
  let self = '';
  try {
    self = import.meta.url ?? '';
  } catch {
    /* CommonJS bundle: no import.meta */
  }
  if (self.endsWith('/store/wasm.ts')) {
    // Running from source: the package is loaded from node_modules.
    try {
      return join(dirname(createRequire(self).resolve('node-sqlite3-wasm')), 'node-sqlite3-wasm.wasm');
    } catch {
      return null;
    }
  }
  // Bundled: the package's code sits in the bundle and reads the file next to it.
  return typeof __dirname === 'string' ? join(__dirname, 'node-sqlite3-wasm.wasm') : null;
}

export async function loadSqlite(): Promise<DatabaseCtor> {
  if (ctor) {
    return ctor;
  }
  const expected = sqliteWasmPath();
  if (expected && !existsSync(expected)) {
    throw new StoreError(
      `SQLite WebAssembly file not found at ${expected} (copy node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm next to the sidecar bundle)`
    );
  }
  try {
    const mod = (await import('node-sqlite3-wasm')) as unknown as {
      default?: { Database: DatabaseCtor };
      Database?: DatabaseCtor;
    };
    ctor = mod.Database ?? mod.default?.Database;
  } catch (err) {
    throw new StoreError(`cannot load SQLite (node-sqlite3-wasm): ${(err as Error).message}`, { cause: err });
  }
  if (!ctor) {
    throw new StoreError('node-sqlite3-wasm did not export Database');
  }
  return ctor;
}

/**
 * The WASM VFS locks a database by creating the directory `<file>.lock` (held for the connection's
 * life in EXCLUSIVE mode), and a process that dies leaves it behind. Called only by the holder of
 * the owner lock (lock.ts), so whatever is there is stale; `<file>.owner` is the pid record of
 * older sidecars, which trusted it.
 */
export function clearStaleVfsLock(file: string): void {
  rmSync(`${file}.lock`, { recursive: true, force: true });
  rmSync(`${file}.owner`, { force: true });
}
