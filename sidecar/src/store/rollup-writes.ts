/**
 * Keeping the rollup tiers (rollup.ts) in step with the polls: after polls of a camera land in
 * chunks (compaction, import, migration), the tier buckets they fall in are computed again from
 * every poll of those buckets and replace the old ones. Runs inside the caller's transaction.
 */
import { decodeChunk, encodeChunk } from './codec/chunk.ts';
import { NCOLS, rowsToBlock, type Block } from './columns.ts';
import type { Connection } from './connection.ts';
import {
  NSTATS,
  RAW_KEEP_MS,
  ROLLUP_NCOLS,
  STAT,
  STORED_NCOLS,
  TIERS,
  rollUp,
  statColumn,
  type Tier,
} from './rollup.ts';
import { StoreError } from './types.ts';

const COARSEST = TIERS.at(-1)!.bucketMs;

/** Recomputes every tier's buckets overlapping [from, to) for one camera from its chunks. */
export function rollUpRange(c: Connection, cam: number, from: number, to: number): void {
  // Whole buckets of the coarsest tier are whole buckets of every tier.
  const lo = Math.floor(from / COARSEST) * COARSEST;
  const hi = Math.ceil(to / COARSEST) * COARSEST;
  const polls = readPolls(c, cam, lo, hi);
  for (const tier of TIERS) {
    const rows = rollUp(polls, tier.bucketMs);
    for (let w = Math.floor(lo / tier.windowMs) * tier.windowMs; w < hi; w += tier.windowMs) {
      const mine = rows.filter((r) => r[0]! >= w && r[0]! < w + tier.windowMs);
      const kept = readTierRows(c, tier, cam, w).filter((r) => r[0]! < lo || r[0]! >= hi);
      writeTierRows(
        c,
        tier,
        cam,
        w,
        [...kept, ...mine].sort((a, b) => a[0]! - b[0]!)
      );
    }
  }
}

/** Every column of the camera's chunked polls with t in [lo, hi), as one block. */
function readPolls(c: Connection, cam: number, lo: number, hi: number): Block {
  const rows = c
    .stmt('SELECT data FROM chunks WHERE camera = ? AND start > ? AND start < ?')
    .all([cam, lo - c.chunkMs, hi]) as Array<{ data: Uint8Array }>;
  const all: number[][] = [];
  for (const r of rows) {
    const b = decodeChunk(r.data, NCOLS);
    for (let i = 0; i < b.n; i++) {
      const t = b.cols[0]![i]!;
      if (t >= lo && t < hi) {
        all.push(b.cols.map((col) => col![i]!));
      }
    }
  }
  return all.length > 0 ? rowsToBlock(all) : { n: 0, cols: Array.from({ length: NCOLS }, () => new Float64Array(0)) };
}

/** A tier window's rows (every column, rollup.ts's layout), assembled from its per-column chunks. */
function readTierRows(c: Connection, tier: Tier, cam: number, start: number): number[][] {
  const stored = c
    .stmt('SELECT col, data FROM rollups WHERE tier = ? AND camera = ? AND start = ?')
    .all([tier.id, cam, start]) as Array<{ col: number; data: Uint8Array }>;
  let rows: number[][] = [];
  for (const r of stored) {
    const b = decodeChunk(r.data, STORED_NCOLS);
    if (rows.length === 0) {
      rows = Array.from({ length: b.n }, (_, i) => {
        const row = new Array<number>(ROLLUP_NCOLS).fill(NaN);
        row[0] = b.cols[0]![i]!;
        for (let col = 1; col < NCOLS; col++) {
          row[statColumn(col, STAT.n)] = 0;
        }
        return row;
      });
    }
    if (b.n !== rows.length || r.col < 1 || r.col >= NCOLS) {
      throw new StoreError(`rollup of camera ${cam} at ${start}: column ${r.col} does not match its window`);
    }
    for (let i = 0; i < b.n; i++) {
      for (let k = 0; k < NSTATS; k++) {
        rows[i]![statColumn(r.col, k)] = b.cols[1 + k]![i]!;
      }
    }
  }
  return rows;
}

/** Stores a tier window's rows, a chunk per poll column that has values: [start, n, sum, min, max, last]. */
function writeTierRows(c: Connection, tier: Tier, cam: number, start: number, rows: number[][]): void {
  c.stmt('DELETE FROM rollups WHERE tier = ? AND camera = ? AND start = ?').run([tier.id, cam, start]);
  if (rows.length === 0) {
    return;
  }
  const t = Float64Array.from(rows, (r) => r[0]!);
  const insert = c.stmt('INSERT INTO rollups (tier, camera, start, col, data) VALUES (?,?,?,?,?)');
  for (let col = 1; col < NCOLS; col++) {
    const stats = Array.from({ length: NSTATS }, (_, k) => Float64Array.from(rows, (r) => r[statColumn(col, k)]!));
    if (stats[STAT.n]!.every((n) => n === 0)) {
      continue;
    }
    insert.run([tier.id, cam, start, col, encodeChunk([t, ...stats])]);
  }
}

/** Rolls up every camera's chunks (after a migration from a store without tiers). */
export function rollUpAll(c: Connection): void {
  const spans = c.db.all('SELECT camera, min(start) AS lo, max(start) AS hi FROM chunks GROUP BY camera') as Array<{
    camera: number;
    lo: number;
    hi: number;
  }>;
  for (const s of spans) {
    rollUpRange(c, s.camera, s.lo, s.hi + c.chunkMs);
  }
}

/**
 * Deletes rollup buckets older than `cutoff` in every tier: whole windows, at most `limit` per
 * call, then the rows before the cutoff of the windows straddling it. True when nothing is left.
 */
export function pruneRollups(c: Connection, cutoff: number, limit: number): { deleted: number; done: boolean } {
  let deleted = 0;
  for (const tier of TIERS) {
    const whole = c
      .stmt('SELECT DISTINCT camera, start FROM rollups WHERE tier = ? AND start <= ? ORDER BY start LIMIT ?')
      .all([tier.id, cutoff - tier.windowMs, limit]) as Array<{ camera: number; start: number }>;
    for (const w of whole) {
      deleted += c
        .stmt('DELETE FROM rollups WHERE tier = ? AND camera = ? AND start = ?')
        .run([tier.id, w.camera, w.start]).changes;
    }
    if (whole.length === limit) {
      return { deleted, done: false };
    }
    const straddling = c
      .stmt('SELECT DISTINCT camera, start FROM rollups WHERE tier = ? AND start > ? AND start < ?')
      .all([tier.id, cutoff - tier.windowMs, cutoff]) as Array<{ camera: number; start: number }>;
    for (const w of straddling) {
      const rows = readTierRows(c, tier, w.camera, w.start);
      const kept = rows.filter((r) => r[0]! >= cutoff);
      if (kept.length < rows.length) {
        writeTierRows(c, tier, w.camera, w.start, kept);
        deleted += rows.length - kept.length;
      }
    }
  }
  return { deleted, done: true };
}

/**
 * Thins history out as it ages (rollup.ts): chunks of polls whose window ended `RAW_KEEP_MS` ago,
 * and rollup windows of a tier older than its `keepMs`, go whole (their data lives on in the next
 * coarser tier), at most `limit` per call. True when nothing is left to thin.
 */
export function thinOut(c: Connection, now: number, limit: number): { deleted: number; done: boolean } {
  let deleted = 0;
  const old = c
    .stmt('SELECT camera, start FROM chunks WHERE start <= ? ORDER BY start LIMIT ?')
    .all([now - RAW_KEEP_MS - c.chunkMs, limit]) as Array<{ camera: number; start: number }>;
  for (const w of old) {
    deleted += c.stmt('DELETE FROM chunks WHERE camera = ? AND start = ?').run([w.camera, w.start]).changes;
  }
  if (old.length === limit) {
    return { deleted, done: false };
  }
  for (const tier of TIERS.slice(0, -1)) {
    const oldTier = c
      .stmt('SELECT DISTINCT camera, start FROM rollups WHERE tier = ? AND start <= ? ORDER BY start LIMIT ?')
      .all([tier.id, now - tier.keepMs - tier.windowMs, limit]) as Array<{ camera: number; start: number }>;
    for (const w of oldTier) {
      deleted += c
        .stmt('DELETE FROM rollups WHERE tier = ? AND camera = ? AND start = ?')
        .run([tier.id, w.camera, w.start]).changes;
    }
    if (oldTier.length === limit) {
      return { deleted, done: false };
    }
  }
  return { deleted, done: true };
}
