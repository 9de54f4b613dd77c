/** History storage: the Store interface and its SQLite (WASM) implementation. */
export {
  openSqliteStore,
  SqliteStore,
  DB_FILE_NAME,
  DEFAULT_RETENTION_HOURS,
  type SqliteStoreOptions,
} from './sqlite.ts';
export { sqliteWasmPath } from './wasm.ts';
export * from './types.ts';
