/**
 * The WebAssembly SQLite (node-sqlite3-wasm, the store's engine before node:sqlite) behind the
 * store's engine interface, so the benchmark runs the same store on both and compares. Bench only:
 * the product ships one engine (src/store/engine.ts).
 */
import type { SqliteDatabase, SqliteStatement } from '../src/store/engine.ts';

type Wasm = typeof import('node-sqlite3-wasm');

export async function wasmOpener(): Promise<(file: string) => SqliteDatabase> {
  const mod = (await import('node-sqlite3-wasm')) as unknown as Wasm & { default?: Wasm };
  const Database = mod.Database ?? mod.default!.Database;
  return (file) => {
    const db = new Database(file);
    const made: Array<{ finalize(): void; isFinalized: boolean }> = [];
    const statement = (sql: string): SqliteStatement => {
      const s = db.prepare(sql);
      made.push(s);
      return {
        run: (params = []) => ({ changes: Number(s.run(params as never).changes) }),
        all: (params = []) => s.all(params as never),
        iterate: (params = []) => s.iterate(params as never) as IterableIterator<unknown>,
      };
    };
    const once = (sql: string, params: readonly unknown[]) => {
      const s = db.prepare(sql);
      try {
        return s.all(params as never) as unknown[];
      } finally {
        s.finalize();
      }
    };
    return {
      exec: (sql) => db.exec(sql),
      // Through a statement finalized at once: the WASM build keeps a read open until then.
      get: (sql, params = []) => once(sql, params)[0] ?? null,
      all: (sql, params = []) => once(sql, params),
      prepare: statement,
      get inTransaction() {
        return db.inTransaction;
      },
      close: () => {
        for (const s of made) {
          if (!s.isFinalized) {
            s.finalize();
          }
        }
        db.close();
      },
    };
  };
}
