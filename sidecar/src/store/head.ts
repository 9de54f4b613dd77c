/**
 * The head: the polls not compacted yet (the `polls` table), per camera key, as growing typed
 * columns in memory. Reading them through SQL cost ~2 us a row (node:sqlite makes an object per
 * row): half an hour of a thousand cameras doubled a day's query. The table stays the durable
 * copy; the head follows it: appended after a commit, trimmed after the rows leave the table
 * (see Connection's head hooks).
 *
 * A column is allocated when its first non-null value arrives (a wired camera's battery and
 * sensor columns cost nothing); NaN stands for null, as in a chunk.
 */
import { COLUMNS, NCOLS, colIndex, type Block, type Column } from './columns.ts';

const FIRST_CAPACITY = 16;

/** One camera's rows, in the order they were committed (not necessarily by time). */
class CameraHead {
  n = 0;
  capacity = FIRST_CAPACITY;
  /** By column index; undefined until a non-null value arrives. Column 0 (t) is always there. */
  readonly cols: Array<Float64Array | undefined> = new Array(NCOLS);
  minT = Infinity;
  maxT = -Infinity;

  constructor() {
    this.cols[0] = new Float64Array(this.capacity);
  }

  append(row: ArrayLike<number>): void {
    if (this.n === this.capacity) {
      this.grow();
    }
    const i = this.n++;
    for (let c = 0; c < NCOLS; c++) {
      const v = row[c] ?? NaN;
      let col = this.cols[c];
      if (!col) {
        if (v !== v) {
          continue;
        }
        col = this.cols[c] = new Float64Array(this.capacity).fill(NaN);
      }
      // + 0 turns -0 into 0, as SQLite stores it: the head reads as the table does.
      col[i] = v + 0;
    }
    const t = row[0]!;
    this.minT = Math.min(this.minT, t);
    this.maxT = Math.max(this.maxT, t);
  }

  private grow(): void {
    this.capacity *= 2;
    for (let c = 0; c < NCOLS; c++) {
      const old = this.cols[c];
      if (old) {
        const col = new Float64Array(this.capacity);
        col.set(old);
        if (c !== 0) {
          col.fill(NaN, old.length);
        }
        this.cols[c] = col;
      }
    }
  }

  /** Drops the rows whose time `drop` accepts, keeping the others' order; returns how many. */
  removeWhere(drop: (t: number) => boolean): number {
    const t = this.cols[0]!;
    let k = 0;
    let minT = Infinity;
    let maxT = -Infinity;
    for (let i = 0; i < this.n; i++) {
      if (drop(t[i]!)) {
        continue;
      }
      if (k !== i) {
        for (const col of this.cols) {
          if (col) {
            col[k] = col[i]!;
          }
        }
      }
      minT = Math.min(minT, t[k]!);
      maxT = Math.max(maxT, t[k]!);
      k++;
    }
    const removed = this.n - k;
    for (const col of this.cols) {
      col?.fill(NaN, k, this.n);
    }
    this.n = k;
    this.minT = minT;
    this.maxT = maxT;
    return removed;
  }

  bytes(): number {
    let b = 0;
    for (const col of this.cols) {
      b += col ? col.byteLength : 0;
    }
    return b;
  }
}

/** NaNs handed out for a column a camera's head has no value in (read-only by the readers). */
let nans = new Float64Array(0);
function nanColumn(n: number): Float64Array {
  if (nans.length < n) {
    nans = new Float64Array(Math.max(n, nans.length * 2)).fill(NaN);
  }
  return nans.subarray(0, n);
}

export class RawHead {
  private readonly cams = new Map<number, CameraHead>();
  private total = 0;

  /** Rows held, all cameras. */
  get size(): number {
    return this.total;
  }

  /** Appends one committed poll row (columns.ts order, NaN = null). */
  append(cam: number, row: ArrayLike<number>): void {
    let h = this.cams.get(cam);
    if (!h) {
      this.cams.set(cam, (h = new CameraHead()));
    }
    h.append(row);
    this.total++;
  }

  /** Drops one camera's rows with lo <= t < hi (they went into a chunk). */
  removeRange(cam: number, lo: number, hi: number): void {
    const h = this.cams.get(cam);
    if (h && h.maxT >= lo && h.minT < hi) {
      this.total -= h.removeWhere((t) => t >= lo && t < hi);
      this.dropIfEmpty(cam, h);
    }
  }

  /** Drops every camera's rows older than `cutoff` (retention). */
  removeBefore(cutoff: number): void {
    for (const [cam, h] of this.cams) {
      if (h.minT < cutoff) {
        this.total -= h.removeWhere((t) => t < cutoff);
        this.dropIfEmpty(cam, h);
      }
    }
  }

  private dropIfEmpty(cam: number, h: CameraHead): void {
    if (h.n === 0) {
      this.cams.delete(cam);
    }
  }

  /**
   * One camera's rows as a block holding `cols` (views on the head: read them before the next
   * write), or undefined when it has none in [from, to]. Rows outside the range are included:
   * the readers filter by time (buckets take the range, points() filters).
   */
  block(cam: number, cols: readonly Column[], from: number, to: number): Block | undefined {
    const h = this.cams.get(cam);
    if (!h || h.maxT < from || h.minT > to) {
      return undefined;
    }
    const out: Block = { n: h.n, cols: new Array(NCOLS) };
    for (const c of cols) {
      const i = colIndex(c);
      out.cols[i] = h.cols[i]?.subarray(0, h.n) ?? nanColumn(h.n);
    }
    return out;
  }

  /** The oldest time of a camera's rows at or before `upTo`, or Infinity. */
  oldest(cam: number, upTo: number): number {
    const h = this.cams.get(cam);
    if (!h || h.minT > upTo) {
      return Infinity;
    }
    return h.minT;
  }

  /** Every row per camera key, in the head's order (for tests and checks). */
  rows(): Map<number, number[][]> {
    const out = new Map<number, number[][]>();
    for (const [cam, h] of this.cams) {
      const rows: number[][] = [];
      for (let i = 0; i < h.n; i++) {
        rows.push(COLUMNS.map((_, c) => h.cols[c]?.[i] ?? NaN));
      }
      out.set(cam, rows);
    }
    return out;
  }

  /** Bytes of the typed columns held (capacity included). */
  bytes(): number {
    let b = 0;
    for (const h of this.cams.values()) {
      b += h.bytes();
    }
    return b;
  }
}

/** A head filled from rows of the polls table (`camera` and every column of columns.ts, null = NaN). */
export function headFromRows(rows: Iterable<Record<string, number | bigint | null>>): RawHead {
  const head = new RawHead();
  const row = new Array<number>(NCOLS);
  for (const r of rows) {
    for (let c = 0; c < NCOLS; c++) {
      const v = r[COLUMNS[c]!];
      row[c] = v === null || v === undefined ? NaN : Number(v);
    }
    head.append(Number(r.camera), row);
  }
  return head;
}
