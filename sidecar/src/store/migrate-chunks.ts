/**
 * Schema 3's migration of stored history: schemas 1 and 2 kept one blob of raw Float64s per
 * camera, column and window (8 bytes a value, empty and constant columns included); schema 3 keeps
 * one encoded chunk per camera and window (codec/chunk.ts). Runs inside the caller's transaction,
 * so a crash midway leaves the old tables as they were and the next start runs it again.
 */
import { encodeChunk } from './codec/chunk.ts';
import { NCOLS } from './columns.ts';
import type { SqliteDatabase } from './engine.ts';
import { StoreError } from './types.ts';

/** True when the database holds schema 1/2's `chunks` table (one row per column). */
export function hasColumnChunks(db: SqliteDatabase): boolean {
  return (db.all("SELECT name FROM pragma_table_info('chunks')") as Array<{ name: string }>).some(
    (r) => r.name === 'col'
  );
}

/** Moves the old table aside (its index name is taken by the new one); convert after the new table exists. */
export function setAsideColumnChunks(db: SqliteDatabase): void {
  db.exec('DROP INDEX IF EXISTS chunks_start; ALTER TABLE chunks RENAME TO chunks_v2;');
}

/** Re-encodes every window of `chunks_v2` into `chunks`, then drops it. Returns the windows moved. */
export function convertColumnChunks(db: SqliteDatabase): number {
  const insert = db.prepare('INSERT INTO chunks (camera, start, data) VALUES (?,?,?)');
  const windows = db.all('SELECT DISTINCT camera, start FROM chunks_v2 ORDER BY camera, start') as Array<{
    camera: number;
    start: number;
  }>;
  const read = db.prepare('SELECT col, data FROM chunks_v2 WHERE camera = ? AND start = ?');
  for (const w of windows) {
    const rows = read.all([w.camera, w.start]) as Array<{ col: number; data: Uint8Array }>;
    const cols = new Array<Float64Array>(NCOLS);
    let n = -1;
    for (const r of rows) {
      const values = float64s(r.data);
      if (n >= 0 && values.length !== n) {
        throw new StoreError(`chunk of camera ${w.camera} at ${w.start}: columns of ${n} and ${values.length} values`);
      }
      n = values.length;
      if (r.col >= 0 && r.col < NCOLS) {
        cols[r.col] = values;
      }
    }
    if (!cols[0]) {
      continue; // no timestamps: nothing a query could have read
    }
    // Columns the old chunk did not have (schema 1 had no battery columns) are nulls.
    for (let c = 0; c < NCOLS; c++) {
      cols[c] ??= new Float64Array(n).fill(NaN);
    }
    insert.run([w.camera, w.start, encodeChunk(cols)]);
  }
  db.exec('DROP TABLE chunks_v2');
  return windows.length;
}

/** A schema-2 column: Float64s in platform order (little-endian on every Node target). */
function float64s(blob: Uint8Array): Float64Array {
  if (blob.byteLength % 8 !== 0) {
    throw new StoreError(`corrupt chunk column: ${blob.byteLength} bytes`);
  }
  const aligned = blob.byteOffset % 8 === 0 ? blob : blob.slice();
  return new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8);
}
