/**
 * The open history database as the store's parts use it: cached statements run to completion,
 * the integer keys of camera ids, and the column blobs of one (camera, window) chunk.
 */
import type { SqliteDatabase } from './wasm.ts';
import { NCOLS, decodeColumn, encodeColumn, rowsToBlock, type Block } from './columns.ts';

/** What the store may do with a cached statement (see Connection.stmt). */
type CachedStatement = Pick<import('node-sqlite3-wasm').Statement, 'run' | 'all'>;

export class Connection {
  private readonly ids = new Map<string, number>();
  /** Camera id of each integer key. */
  readonly keys = new Map<number, string>();
  private readonly stmts: Record<string, import('node-sqlite3-wasm').Statement> = {};

  constructor(
    readonly db: SqliteDatabase,
    readonly file: string,
    /** Width of a compacted chunk. */
    readonly chunkMs: number
  ) {
    for (const row of db.all('SELECT id, key FROM cameras') as Array<{ id: number; key: string }>) {
      this.ids.set(row.key, row.id);
      this.keys.set(row.id, row.key);
    }
  }

  /**
   * A cached statement, offering only the calls that run it to completion. `get()` (and an
   * unfinished `iterate()`) would leave it stepped but not reset: an open read that keeps every
   * checkpoint from finishing, so the WAL would grow until the process exits.
   */
  stmt(sql: string): CachedStatement {
    let s = this.stmts[sql];
    if (!s) {
      s = this.stmts[sql] = this.db.prepare(sql);
    }
    return s;
  }

  /** The first row of a cached query (run to completion, see stmt), or null. */
  first<T>(sql: string, params: unknown[]): T | null {
    return (this.stmt(sql).all(params as never)[0] as T | undefined) ?? null;
  }

  /** The integer key of a camera id, created on first write. */
  cameraKey(id: string, create: true): number;
  cameraKey(id: string, create: false): number | undefined;
  cameraKey(id: string, create: boolean): number | undefined {
    let k = this.ids.get(id);
    if (k === undefined && create) {
      this.stmt('INSERT OR IGNORE INTO cameras(key) VALUES (?)').run([id]);
      k = Number(this.first<{ id: number }>('SELECT id FROM cameras WHERE key = ?', [id])!.id);
      this.ids.set(id, k);
      this.keys.set(k, id);
    }
    return k;
  }

  /** The keys of the cameras the store has seen, in order; unknown ids are left out. */
  knownKeys(ids: string[]): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const k = this.cameraKey(id, false);
      if (k !== undefined) {
        out.push(k);
      }
    }
    return out;
  }

  /** The start of the chunk window holding `t`. */
  windowOf(t: number): number {
    return Math.floor(t / this.chunkMs) * this.chunkMs;
  }

  /** All columns of one stored chunk, or null. */
  readChunk(cam: number, start: number): Block | null {
    const rows = this.stmt('SELECT col, data FROM chunks WHERE camera = ? AND start = ?').all([cam, start]) as Array<{
      col: number;
      data: Uint8Array;
    }>;
    if (rows.length === 0) {
      return null;
    }
    const b: Block = { n: 0, cols: new Array(NCOLS) };
    for (const r of rows) {
      b.cols[r.col] = decodeColumn(r.data);
      b.n = b.cols[r.col]!.length;
    }
    return b;
  }

  /** Replaces one chunk with `rows` (sorted by time); no rows deletes it. */
  writeChunk(cam: number, start: number, rows: number[][]): void {
    this.stmt('DELETE FROM chunks WHERE camera = ? AND start = ?').run([cam, start]);
    if (rows.length === 0) {
      return;
    }
    const block = rowsToBlock(rows);
    const ins = this.stmt('INSERT INTO chunks (camera, col, start, data) VALUES (?,?,?,?)');
    for (let c = 0; c < NCOLS; c++) {
      ins.run([cam, c, start, encodeColumn(block.cols[c]!)]);
    }
  }

  /** Finalizes the cached statements (before the database closes). */
  finalize(): void {
    for (const s of Object.values(this.stmts)) {
      if (!s.isFinalized) {
        s.finalize();
      }
    }
  }
}

/** `?,?,…` for an IN list of `n` values. */
export function marks(n: number): string {
  return new Array(n).fill('?').join(',');
}
