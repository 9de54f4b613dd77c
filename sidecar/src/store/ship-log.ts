/**
 * The shipping log: events and status changes written after a cursor, in write order (rowid), and
 * the cursors themselves, one row per shipper name. Its table is created on first use, so the
 * schema and its version stay as they are.
 *
 * Rowids of these tables only grow while rows remain; when retention has emptied a table, SQLite
 * may start again from 1. A cursor beyond the table's newest rowid is therefore reset to 0 (the
 * rows are shipped again, which at-least-once delivery with ids allows).
 */
import type { CameraStatus, EventKind, MotionEvent } from '../model.ts';
import type { Connection } from './connection.ts';
import type { ShipBatch, ShipCursor } from './types.ts';

const TABLE = `CREATE TABLE IF NOT EXISTS ship_cursors (name TEXT PRIMARY KEY, events INTEGER NOT NULL,
  status_changes INTEGER NOT NULL)`;

const prepared = new WeakSet<Connection>();

function ensureTable(c: Connection): void {
  if (!prepared.has(c)) {
    c.db.exec(TABLE);
    prepared.add(c);
  }
}

export function shipCursor(c: Connection, name: string): ShipCursor {
  ensureTable(c);
  const row = c.first<{ events: number; status_changes: number }>(
    'SELECT events, status_changes FROM ship_cursors WHERE name = ?',
    [name]
  );
  return { events: Number(row?.events ?? 0), statusChanges: Number(row?.status_changes ?? 0) };
}

export function saveShipCursor(c: Connection, name: string, cursor: ShipCursor): void {
  ensureTable(c);
  c.stmt(
    `INSERT INTO ship_cursors (name, events, status_changes) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET events = excluded.events, status_changes = excluded.status_changes`
  ).run([name, cursor.events, cursor.statusChanges]);
}

/** At most `limit` events and `limit` status changes written after `cursor`, oldest write first. */
export function shipLogAfter(c: Connection, cursor: ShipCursor, limit: number): ShipBatch {
  const after = {
    events: restartedAt(c, 'events', cursor.events),
    statusChanges: restartedAt(c, 'status_changes', cursor.statusChanges),
  };
  const events = c
    .stmt('SELECT rowid AS seq, camera, start, kind, source, finish FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?')
    .all([after.events, limit]) as Array<{
    seq: number;
    camera: number;
    start: number;
    kind: string;
    source: string;
    finish: number | null;
  }>;
  const changes = c
    .stmt(
      `SELECT rowid AS seq, camera, t, from_status, to_status, error FROM status_changes
         WHERE rowid > ? ORDER BY rowid LIMIT ?`
    )
    .all([after.statusChanges, limit]) as Array<{
    seq: number;
    camera: number;
    t: number;
    from_status: string;
    to_status: string;
    error: string | null;
  }>;
  const cameraOf = (key: number) => c.keys.get(key) ?? `#${key}`;
  return {
    after,
    events: events.map((r) => ({
      seq: Number(r.seq),
      event: {
        cameraId: cameraOf(r.camera),
        start: Number(r.start),
        end: r.finish === null ? null : Number(r.finish),
        kind: r.kind as EventKind,
        source: r.source as MotionEvent['source'],
      },
    })),
    statusChanges: changes.map((r) => ({
      seq: Number(r.seq),
      change: {
        cameraId: cameraOf(r.camera),
        time: Number(r.t),
        from: r.from_status as CameraStatus,
        to: r.to_status as CameraStatus,
        error: r.error,
      },
    })),
  };
}

/** The cursor to read after: 0 when the table's rowids started again below it (see above). */
function restartedAt(c: Connection, table: 'events' | 'status_changes', cursor: number): number {
  if (cursor === 0) {
    return 0;
  }
  const max = Number(c.first<{ m: number | null }>(`SELECT max(rowid) AS m FROM ${table}`, [])?.m ?? 0);
  return max < cursor ? 0 : cursor;
}
