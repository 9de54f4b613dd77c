/**
 * The history database's tables and settings: the schema, its version (and the migrations from
 * versions 1, 2 and 3), and the journal's bounds. Run once on a freshly opened connection.
 */
import type { SqliteDatabase } from './engine.ts';
import { Connection } from './connection.ts';
import { rollUpAll } from './rollup-writes.ts';
import { convertColumnChunks, hasColumnChunks, setAsideColumnChunks } from './migrate-chunks.ts';
import { StoreError } from './types.ts';
import { logger } from '../log.ts';

export const SCHEMA_VERSION = 4;
/**
 * The journal's bounds. SQLite checkpoints by itself once the WAL holds this many pages (16 MiB at
 * 4 KiB pages), and after a checkpoint that emptied it, cuts the file back to JOURNAL_LIMIT_BYTES.
 * Housekeeping also runs a TRUNCATE checkpoint each pass and warns when one cannot complete.
 */
const WAL_AUTOCHECKPOINT_PAGES = 4096;
const JOURNAL_LIMIT_BYTES = 16 * 2 ** 20;
/**
 * Small pages: a commit appends every page it touched to the WAL, so the page is what a poll
 * costs the disk. Encoded chunks are a few hundred bytes, well inside a 4 KiB page's cells.
 * Files made with 16 KiB pages (schema 2) keep them.
 */
const PAGE_SIZE = 4096;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cameras (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
-- Polls of the current chunk window (and any not yet compacted).
CREATE TABLE IF NOT EXISTS polls (camera INTEGER NOT NULL, t INTEGER NOT NULL, status INTEGER NOT NULL,
  latency REAL, rssi REAL, signal REAL, uptime REAL, storage REAL, temp REAL, md INTEGER, pd INTEGER, pm INTEGER,
  batt REAL, chg INTEGER, low INTEGER, pwr INTEGER, hum REAL, open INTEGER, mot INTEGER, leak INTEGER);
-- Only by time: polls arrive in time order, so a commit appends to one leaf of each b-tree
-- (an index by camera would touch a page per camera). The table holds at most a window or two.
CREATE INDEX IF NOT EXISTS polls_t ON polls(t);
-- Compacted polls: one encoded chunk (every column, codec/chunk.ts) per camera and window. A rowid
-- table: its cells hold up to ~4 KiB of a 4 KiB page, where a WITHOUT ROWID table's spill to an
-- overflow page past ~1 KiB (an hour at 30 s is 1-2 KiB encoded).
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, camera INTEGER NOT NULL, start INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS chunks_camera_start ON chunks(camera, start);
-- Downsampled polls (rollup.ts): per tier, camera, window and poll column (a query reads only its
-- own), one chunk of the buckets' start, count, sum, min, max and last; columns without values have no row.
CREATE TABLE IF NOT EXISTS rollups (id INTEGER PRIMARY KEY, tier INTEGER NOT NULL, camera INTEGER NOT NULL, start INTEGER NOT NULL,
  col INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS rollups_tier_camera_start_col ON rollups(tier, camera, start, col);
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
export function prepareDatabase(db: SqliteDatabase, file: string, chunkMs: number): void {
  // One sidecar owns the file (lock.ts), so an exclusive lock costs nothing, and with it SQLite
  // keeps the WAL index in heap memory: no -shm file beside the database.
  db.exec(`PRAGMA page_size=${PAGE_SIZE}`); // takes effect only when the file is created
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
  try {
    // Schema 3 encodes chunks (one row per window instead of one per column): the old ones are re-encoded.
    const oldChunks = version >= 1 && version < 4 && hasColumnChunks(db);
    if (oldChunks) {
      setAsideColumnChunks(db);
    }
    db.exec(SCHEMA);
    db.exec('DROP INDEX IF EXISTS polls_camera_t'); // schema 2's, see SCHEMA
    if (version === 1) {
      // Schema 2 adds the battery columns of hub children; old rows read them as null.
      db.exec('ALTER TABLE polls ADD COLUMN batt REAL; ALTER TABLE polls ADD COLUMN chg INTEGER;');
      db.exec('ALTER TABLE polls ADD COLUMN low INTEGER; ALTER TABLE polls ADD COLUMN pwr INTEGER;');
    }
    if (version >= 1 && version < 4) {
      addSensorColumns(db);
    }
    if (oldChunks) {
      const windows = convertColumnChunks(db);
      rollUpAll(new Connection(db, file, chunkMs));
      logger.info({ file, windows, from: version, to: SCHEMA_VERSION }, 'history migrated to compact chunks');
    }
    db.exec(`PRAGMA user_version=${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw new StoreError(`cannot migrate ${file} from schema ${version}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Schema 4 adds the sensors' columns (humidity, contact, motion, leak) to `polls`; old rows read
 * them as null. Chunks need nothing: the codec reads a column a chunk lacks as null. Checked by
 * name, because the devices branch's unreleased schema 3 already had them.
 */
function addSensorColumns(db: SqliteDatabase): void {
  const have = new Set(
    (db.all("SELECT name FROM pragma_table_info('polls')") as Array<{ name: string }>).map((r) => r.name)
  );
  for (const [col, type] of [
    ['hum', 'REAL'],
    ['open', 'INTEGER'],
    ['mot', 'INTEGER'],
    ['leak', 'INTEGER'],
  ] as const) {
    if (!have.has(col)) {
      db.exec(`ALTER TABLE polls ADD COLUMN ${col} ${type}`);
    }
  }
}
