/**
 * The open history database as the store's parts use it: cached statements run to completion,
 * the integer keys of camera ids, and the encoded chunk of one (camera, window).
 */
import { decodeChunk, encodeChunk } from './codec/chunk.ts';
import { COLUMNS, NCOLS, rowsToBlock, type Block } from './columns.ts';
import type { SqliteDatabase, SqliteStatement } from './engine.ts';
import { headFromRows, RawHead } from './head.ts';

/** What the store may do with a cached statement (see Connection.stmt). */
type CachedStatement = Pick<SqliteStatement, 'run' | 'all'>;

export class Connection {
  private readonly ids = new Map<string, number>();
  /** Camera id of each integer key. */
  readonly keys = new Map<number, string>();
  private stmts: Record<string, SqliteStatement> = {};
  /** The polls table in memory (head.ts), filled at open (or by the next read after dropHead). */
  private rawHead: RawHead | null = null;

  constructor(
    readonly db: SqliteDatabase,
    readonly file: string,
    /** Width of a compacted chunk. */
    readonly chunkMs: number,
    /** False reads raw polls through SQL (tests compare both paths). */
    private readonly useHead = true
  ) {
    for (const row of db.all('SELECT id, key FROM cameras') as Array<{ id: number; key: string }>) {
      this.ids.set(row.key, row.id);
      this.keys.set(row.id, row.key);
    }
  }

  /**
   * A cached statement, offering only the calls that run it to completion. An unfinished
   * `iterate()` would leave it stepped but not reset: an open read that keeps every checkpoint
   * from finishing, so the WAL would grow until the process exits.
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
    const row = this.first<{ data: Uint8Array }>('SELECT data FROM chunks WHERE camera = ? AND start = ?', [
      cam,
      start,
    ]);
    return row ? decodeChunk(row.data, NCOLS) : null;
  }

  /** Replaces one chunk with `rows` (sorted by time); no rows deletes it. */
  writeChunk(cam: number, start: number, rows: number[][]): void {
    if (rows.length === 0) {
      this.stmt('DELETE FROM chunks WHERE camera = ? AND start = ?').run([cam, start]);
      return;
    }
    const blob = encodeChunk(rowsToBlock(rows).cols as Float64Array[]);
    this.stmt(
      'INSERT INTO chunks (camera, start, data) VALUES (?,?,?) ON CONFLICT (camera, start) DO UPDATE SET data = excluded.data'
    ).run([cam, start, blob]);
  }

  /** The head for a read, filled from the polls table (one read) if it is not, or null when reads go through SQL. */
  head(): RawHead | null {
    if (!this.useHead) {
      return null;
    }
    if (!this.rawHead) {
      this.rawHead = headFromRows(
        this.db.all(`SELECT camera, ${COLUMNS.join(', ')} FROM polls`) as Array<Record<string, number | null>>
      );
    }
    return this.rawHead;
  }

  /** The head if it is filled, for the writers to keep it equal to the table (null: nothing to keep). */
  filledHead(): RawHead | null {
    return this.rawHead;
  }

  /** Forgets the head (the table changed in a way it cannot follow): the next read fills it again. */
  dropHead(): void {
    this.rawHead = null;
  }

  /** Drops the cached statements (before the database closes: node:sqlite finalizes them with it). */
  finalize(): void {
    this.stmts = {};
  }
}

/** `?,?,…` for an IN list of `n` values. */
export function marks(n: number): string {
  return new Array(n).fill('?').join(',');
}
