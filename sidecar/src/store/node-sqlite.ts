/**
 * Node's built-in SQLite (`node:sqlite`, unflagged since Node 22.13): the one loader, used by the
 * history store's engine and by the owner lock.
 *
 * Taken with `process.getBuiltinModule` rather than a static import, so that an older Node reaches
 * main.ts's version check instead of failing to link the bundle. Node still marks the module
 * experimental and prints a one-off warning on stderr, outside our JSON log lines: that one warning
 * is dropped, any other passes.
 */
import { StoreError } from './types.ts';

export type NodeSqlite = typeof import('node:sqlite');

let loaded: NodeSqlite | undefined;

const isSqliteNotice = (warning: string | Error, type: unknown) =>
  (type === 'ExperimentalWarning' || (warning instanceof Error && warning.name === 'ExperimentalWarning')) &&
  /\bSQLite\b/.test(String(warning instanceof Error ? warning.message : warning));

export function loadNodeSqlite(): NodeSqlite {
  if (loaded) {
    return loaded;
  }
  const emit = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { type?: unknown }).type : rest[0];
    if (!isSqliteNotice(warning, type)) {
      Reflect.apply(emit, process, [warning, ...rest]);
    }
  } as typeof process.emitWarning;
  let mod: NodeSqlite | undefined;
  try {
    mod = process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined;
  } catch (err) {
    throw new StoreError(`cannot load node:sqlite: ${(err as Error).message}`, { cause: err });
  } finally {
    process.emitWarning = emit;
  }
  if (!mod?.DatabaseSync) {
    throw new StoreError(
      `Node's built-in SQLite (node:sqlite) is not available in Node ${process.version}: the sidecar needs Node 22.13 or later`
    );
  }
  loaded = mod;
  return mod;
}
