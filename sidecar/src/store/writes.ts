/**
 * Writing history: polls (with their errors and the newest full poll per camera), bulk imports
 * straight into chunks, motion events and status changes.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MotionEvent, PollResult } from '../model.ts';
import { COLUMNS, NCOLS, blockToRows, pollToRow } from './columns.ts';
import type { Connection } from './connection.ts';
import { rollUpRange } from './rollup-writes.ts';
import { StoreError, type StatusChange } from './types.ts';

const nn = (v: number) => (Number.isNaN(v) ? null : v);

/** Several polls in one transaction (the fleet batches polls that finish together). */
export function writePolls(c: Connection, polls: PollResult[]): void {
  if (polls.length === 0) {
    return;
  }
  // A savepoint nests inside a caller's transaction, and is a transaction of its own otherwise.
  /** Camera key and row of each poll, for the head once committed. */
  const committed: Array<[number, number[]]> = [];
  c.db.exec('SAVEPOINT write_polls');
  try {
    const insert = c.stmt(`INSERT INTO polls (camera, ${COLUMNS.join(', ')}) VALUES (?${',?'.repeat(NCOLS)})`);
    const latest = c.stmt(
      `INSERT INTO latest (camera, poll, last_seen) VALUES (?, ?, ?)
         ON CONFLICT(camera) DO UPDATE SET poll = excluded.poll, last_seen = COALESCE(excluded.last_seen, latest.last_seen)`
    );
    const errors = c.stmt('INSERT INTO poll_errors (camera, t, error) VALUES (?,?,?)');
    for (const poll of polls) {
      const cam = c.cameraKey(poll.cameraId, true);
      const row = pollToRow(poll);
      insert.run([cam, ...row.map(nn)]);
      if (poll.error) {
        errors.run([cam, poll.time, poll.error]);
      }
      latest.run([cam, JSON.stringify(poll), poll.status === 'online' ? poll.time : null]);
      committed.push([cam, row]);
    }
    c.db.exec('RELEASE write_polls');
  } catch (err) {
    c.db.exec('ROLLBACK TO write_polls; RELEASE write_polls');
    throw new StoreError(`cannot store polls: ${(err as Error).message}${diskHint(c.file)}`, { cause: err });
  }
  addToHead(c, committed);
}

/**
 * After the polls' commit, the head gets them too. Inside a caller's transaction they are not
 * committed yet (it may still roll back): the head is dropped and filled again by the next read.
 */
function addToHead(c: Connection, committed: Array<[number, number[]]>): void {
  const head = c.filledHead();
  if (!head) {
    return;
  }
  if (c.db.inTransaction) {
    c.dropHead();
    return;
  }
  for (const [cam, row] of committed) {
    head.append(cam, row);
  }
}

/**
 * Bulk import: polls of finished windows go straight into chunks (merged with what is there), in
 * one transaction. Returns the polls of the current window, which the caller writes as raw rows.
 */
export function importIntoChunks(c: Connection, polls: PollResult[], now: number): PollResult[] {
  const currentWindow = c.windowOf(now);
  const groups = new Map<string, { cam: number; start: number; rows: number[][] }>();
  const recent: PollResult[] = [];
  for (const p of polls) {
    if (p.time >= currentWindow) {
      recent.push(p);
      continue;
    }
    const cam = c.cameraKey(p.cameraId, true);
    const start = c.windowOf(p.time);
    const key = `${cam}:${start}`;
    let g = groups.get(key);
    if (!g) {
      groups.set(key, (g = { cam, start, rows: [] }));
    }
    g.rows.push(pollToRow(p));
  }
  c.db.exec('BEGIN');
  try {
    const spans = new Map<number, { lo: number; hi: number }>();
    for (const g of groups.values()) {
      const existing = c.readChunk(g.cam, g.start);
      const rows = existing ? [...blockToRows(existing), ...g.rows] : g.rows;
      rows.sort((a, b) => a[0] - b[0]);
      c.writeChunk(g.cam, g.start, rows);
      const span = spans.get(g.cam);
      spans.set(g.cam, {
        lo: Math.min(span?.lo ?? g.start, g.start),
        hi: Math.max(span?.hi ?? 0, g.start + c.chunkMs),
      });
    }
    for (const [cam, span] of spans) {
      rollUpRange(c, cam, span.lo, span.hi);
    }
    c.db.exec('COMMIT');
  } catch (err) {
    c.db.exec('ROLLBACK');
    throw new StoreError(`import failed: ${(err as Error).message}`, { cause: err });
  }
  return recent;
}

/** Inserts the event, or updates its end when the same (camera, start, kind, source) is stored. True when new. */
export function writeEvent(c: Connection, e: MotionEvent): boolean {
  const cam = c.cameraKey(e.cameraId, true);
  const r = c
    .stmt('INSERT OR IGNORE INTO events (camera, start, kind, source, finish) VALUES (?,?,?,?,?)')
    .run([cam, e.start, e.kind, e.source, e.end]);
  if (r.changes > 0) {
    return true;
  }
  if (e.end !== null) {
    c.stmt('UPDATE events SET finish = ? WHERE camera = ? AND start = ? AND kind = ? AND source = ?').run([
      e.end,
      cam,
      e.start,
      e.kind,
      e.source,
    ]);
  }
  return false;
}

export function writeStatusChange(c: Connection, s: StatusChange): void {
  const cam = c.cameraKey(s.cameraId, true);
  c.stmt('INSERT INTO status_changes (camera, t, from_status, to_status, error) VALUES (?,?,?,?,?)').run([
    cam,
    s.time,
    s.from,
    s.to,
    s.error,
  ]);
}

/**
 * The VFS reports a failed write as a plain "disk I/O error": when the disk under the database is
 * (nearly) full, say so.
 */
function diskHint(file: string): string {
  try {
    const fs = statfsSync(dirname(file));
    return fs.bavail * fs.bsize < 1024 * 1024 ? ` (no space left on the disk holding ${dirname(file)})` : '';
  } catch {
    return '';
  }
}
