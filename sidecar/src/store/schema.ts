/**
 * The history database's tables and settings: the schema, its version (and the one migration from
 * version 1), and the journal's bounds. Run once on a freshly opened connection.
 */
import type { SqliteDatabase } from './wasm.ts';
import { StoreError } from './types.ts';

export const SCHEMA_VERSION = 3;
/**
 * The journal's bounds. SQLite checkpoints by itself once the WAL holds this many pages (16 MiB at
 * 16 KiB pages), and after a checkpoint that emptied it, cuts the file back to JOURNAL_LIMIT_BYTES.
 * Housekeeping also runs a TRUNCATE checkpoint each pass and warns when one cannot complete.
 */
const WAL_AUTOCHECKPOINT_PAGES = 1000;
const JOURNAL_LIMIT_BYTES = 16 * 2 ** 20;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cameras (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
-- Polls of the current chunk window (and any not yet compacted).
CREATE TABLE IF NOT EXISTS polls (camera INTEGER NOT NULL, t INTEGER NOT NULL, status INTEGER NOT NULL,
  latency REAL, rssi REAL, signal REAL, uptime REAL, storage REAL, temp REAL, md INTEGER, pd INTEGER, pm INTEGER,
  batt REAL, chg INTEGER, low INTEGER, pwr INTEGER, hum REAL, open INTEGER, mot INTEGER, leak INTEGER);
CREATE INDEX IF NOT EXISTS polls_camera_t ON polls(camera, t);
CREATE INDEX IF NOT EXISTS polls_t ON polls(t);
-- Compacted polls: one blob of Float64s per camera, column and window. 16 KiB pages keep a
-- window's column (120 polls at 30 s: 960 bytes) inside its b-tree cell, without overflow pages.
CREATE TABLE IF NOT EXISTS chunks (camera INTEGER NOT NULL, col INTEGER NOT NULL, start INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (camera, col, start)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_start ON chunks(start);
-- The newest full poll per camera (strings included), to resume snapshots after a restart.
CREATE TABLE IF NOT EXISTS latest (camera INTEGER PRIMARY KEY, poll TEXT NOT NULL, last_seen INTEGER);
CREATE TABLE IF NOT EXISTS events (camera INTEGER NOT NULL, start INTEGER NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL, finish INTEGER,
  UNIQUE (camera, start, kind, source));
CREATE INDEX IF NOT EXISTS events_start ON events(start);
-- The words of failed polls (only those: most polls have none), kept with the poll's time.
CREATE TABLE IF NOT EXISTS poll_errors (camera INTEGER NOT NULL, t INTEGER NOT NULL, error TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS poll_errors_camera_t ON poll_errors(camera, t);
CREATE INDEX IF NOT EXISTS poll_errors_t ON poll_errors(t);
CREATE TABLE IF NOT EXISTS status_changes (camera INTEGER NOT NULL, t INTEGER NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL, error TEXT);
CREATE INDEX IF NOT EXISTS status_changes_camera_t ON status_changes(camera, t);
CREATE INDEX IF NOT EXISTS status_changes_t ON status_changes(t);
`;

/** Sets the connection's journal and cache, then creates or migrates the tables (one transaction). */
export function prepareDatabase(db: SqliteDatabase, file: string): void {
  // The WASM VFS has no shared-memory primitives (xShmMap), and WAL needs them for the wal-index
  // unless the connection holds an exclusive lock: then SQLite keeps the index in heap memory.
  // One sidecar owns the file anyway, so EXCLUSIVE costs nothing and WAL keeps writes cheap.
  db.exec('PRAGMA page_size=16384'); // takes effect only when the file is created
  db.exec('PRAGMA locking_mode=EXCLUSIVE');
  const mode = db.get('PRAGMA journal_mode=WAL') as { journal_mode?: string } | null;
  if (mode?.journal_mode !== 'wal') {
    throw new StoreError(`could not switch ${file} to WAL (got ${mode?.journal_mode})`);
  }
  db.exec('PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384; PRAGMA busy_timeout=0;');
  db.exec(`PRAGMA wal_autocheckpoint=${WAL_AUTOCHECKPOINT_PAGES}; PRAGMA journal_size_limit=${JOURNAL_LIMIT_BYTES};`);
  const version = Number((db.get('PRAGMA user_version') as { user_version: number }).user_version);
  if (version > SCHEMA_VERSION) {
    throw new StoreError(`${file} has schema version ${version}, newer than this sidecar's ${SCHEMA_VERSION}`);
  }
  db.exec('BEGIN');
  db.exec(SCHEMA);
  if (version === 1) {
    // Schema 2 adds the battery columns of hub children; old rows read them as null.
    db.exec('ALTER TABLE polls ADD COLUMN batt REAL; ALTER TABLE polls ADD COLUMN chg INTEGER;');
    db.exec('ALTER TABLE polls ADD COLUMN low INTEGER; ALTER TABLE polls ADD COLUMN pwr INTEGER;');
  }
  if (version === 1 || version === 2) {
    // Schema 3 adds the sensors' columns (humidity, contact, motion, leak); old rows read them as null.
    db.exec('ALTER TABLE polls ADD COLUMN hum REAL; ALTER TABLE polls ADD COLUMN open INTEGER;');
    db.exec('ALTER TABLE polls ADD COLUMN mot INTEGER; ALTER TABLE polls ADD COLUMN leak INTEGER;');
  }
  db.exec(`PRAGMA user_version=${SCHEMA_VERSION}`);
  db.exec('COMMIT');
}
