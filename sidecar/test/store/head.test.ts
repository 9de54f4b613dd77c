/**
 * The head (store/head.ts) against the polls table it mirrors: after every step of random writes
 * (in and out of order), group commits, failed commits, compactions, prunes and reopens, it holds
 * the table's rows, and history read through it answers as history read through SQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricName, PollResult } from '../../src/model.ts';
import { COLUMNS, colIndex, pollToRow } from '../../src/store/columns.ts';
import { RawHead } from '../../src/store/head.ts';
import { Connection } from '../../src/store/connection.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/engine.ts';
import { historyColumns, points } from '../../src/store/queries.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import { writePolls } from '../../src/store/writes.ts';
import type { Aggregate, StoreHistoryRequest } from '../../src/store/types.ts';
import { poll } from '../helpers/memory-fleet.ts';
import { writeThenKill } from './fixtures/kill-writer.ts';

const CHUNK = 10_000;
const BASE = Date.UTC(2026, 0, 5, 12);
const CAMERAS = ['wired0', 'wired1', 'wired2', 'batt0', 'batt1', 'sensor0'];
const METRICS: MetricName[] = ['online', 'latency_ms', 'rssi_dbm', 'battery_pct', 'humidity_pct', 'privacy_mode'];
const AGGREGATES: Array<Aggregate | 'auto'> = ['auto', 'avg', 'min', 'max', 'last'];

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-head-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'h.sqlite');
}

/** mulberry32: a seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The store's database, with commits that fail on demand as a full disk fails them: the
 * statement throws and the caller rolls back.
 */
class FailingCommits {
  db: SqliteDatabase | null = null;
  failNext = false;

  open = (file: string): SqliteDatabase => {
    const db = openDatabase(file);
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => {
      if (this.failNext && (sql === 'COMMIT' || sql === 'RELEASE write_polls')) {
        this.failNext = false;
        throw new Error('disk I/O error');
      }
      exec(sql);
    };
    this.db = db;
    return db;
  };
}

const key = (cam: number, row: ArrayLike<number>) =>
  [cam, ...Array.from(row, (v) => (Object.is(v, -0) ? '-0' : String(v)))].join('|');

function tableRows(db: SqliteDatabase): string[] {
  const rows = db.all(`SELECT camera, ${COLUMNS.join(', ')} FROM polls`) as Array<Record<string, number | null>>;
  return rows
    .map((r) =>
      key(
        r.camera!,
        COLUMNS.map((c) => (r[c] === null ? NaN : Number(r[c])))
      )
    )
    .sort();
}

function headRows(store: SqliteStore): string[] {
  const out: string[] = [];
  for (const [cam, rows] of store.rawHead()!.rows()) {
    for (const r of rows) {
      out.push(key(cam, r));
    }
  }
  return out.sort();
}

/** One random poll; times are unique per camera, so the last value of a bucket is one poll's. */
function randomPoll(rnd: () => number, cameraId: string, time: number): PollResult {
  const pick = <T>(...vs: T[]) => vs[Math.floor(rnd() * vs.length)]!;
  const battery = cameraId.startsWith('batt');
  const offline = rnd() < 0.15;
  return poll(cameraId, time, {
    status: offline ? pick('offline', 'error', 'sleeping') : 'online',
    // Whole and half numbers: sums are exact in any order, so both paths' averages are equal to the bit.
    latencyMs: offline ? null : Math.round(rnd() * 800) / 2,
    rssiDbm: rnd() < 0.1 ? null : -Math.round(rnd() * 90),
    storageUsedBytes: Math.round(rnd() * 1e11),
    privacyMode: pick(true, false, null),
    batteryPercent: battery ? Math.round(rnd() * 100) : null,
    batteryCharging: battery ? rnd() < 0.5 : null,
    powerSource: battery ? pick('BATTERY', 'SOLAR') : null,
    humidityPct: cameraId.startsWith('sensor') ? Math.round(rnd() * 200) / 2 : null,
    temperatureC: rnd() < 0.05 ? Math.round(rnd() * 80) / 2 : null,
  });
}

/** Every aggregate, with and without min/max, over ranges of the whole, the raw part, and both. */
function compareHistory(store: SqliteStore, db: SqliteDatabase, rnd: () => number, now: number, label: string) {
  const sql = new Connection(db, store.file, CHUNK, false);
  const head = (store as unknown as { conn: Connection }).conn;
  const ranges = [
    [BASE - CHUNK, now + CHUNK],
    [now - 2 * CHUNK, now],
    [BASE + Math.floor(rnd() * (now - BASE)), now - Math.floor(rnd() * CHUNK)],
    [now - Math.floor(rnd() * 3 * CHUNK), now - Math.floor(rnd() * CHUNK)],
  ];
  for (const [from, to] of ranges) {
    if (!(to! >= from!)) {
      continue;
    }
    for (const aggregate of AGGREGATES) {
      const req: StoreHistoryRequest = {
        cameraIds: [...CAMERAS, 'never-seen'],
        metrics: METRICS,
        from: from!,
        to: to!,
        maxPoints: 1 + Math.floor(rnd() * 60),
        aggregate,
        withMinMax: rnd() < 0.5,
      };
      assert.deepStrictEqual(historyColumns(head, req), historyColumns(sql, req), `${label}: ${JSON.stringify(req)}`);
    }
    const cam = CAMERAS[Math.floor(rnd() * CAMERAS.length)]!;
    const limit = 1 + Math.floor(rnd() * 40);
    assert.deepStrictEqual(
      points(head, cam, from!, to!, limit),
      points(sql, cam, from!, to!, limit),
      `${label}: points ${cam} ${from}..${to}`
    );
  }
}

for (const seed of [1, 2, 3]) {
  test(`the head equals the polls table after every step, and history through it equals SQL's (seed ${seed})`, async (t) => {
    const rnd = random(seed);
    const file = tempFile(t);
    const dbs = new FailingCommits();
    const open = () =>
      openSqliteStore({ file, chunkMs: CHUNK, commitDelayMs: rnd() < 0.5 ? 0 : 60_000, openDatabase: dbs.open });
    let store = await open();
    t.after(() => store.close());
    const used = new Map<string, Set<number>>(CAMERAS.map((c) => [c, new Set()]));
    let now = BASE;
    let head = store.rawHead();
    const counts = { writes: 0, late: 0, failed: 0, compacted: 0, pruned: 0, rawPruned: 0, refilled: 0, reopened: 0 };
    for (let step = 0; step < 250; step++) {
      const label = `seed ${seed} step ${step}`;
      const r = rnd();
      let refills = false;
      if (r < 0.55) {
        now += Math.floor(rnd() * 3000);
        const late = rnd() < 0.2;
        // Late polls (a window compacted already) and a clock stepped back, as the fleet may send them.
        const at = late ? now - Math.floor(rnd() * 4 * CHUNK) : now;
        const polls: PollResult[] = [];
        for (const cam of CAMERAS) {
          if (rnd() < 0.6) {
            let time = at + Math.floor(rnd() * 1000);
            while (used.get(cam)!.has(time)) {
              time++;
            }
            used.get(cam)!.add(time);
            polls.push(randomPoll(rnd, cam, time));
          }
        }
        dbs.failNext = rnd() < 0.1;
        try {
          await store.writePolls(polls);
        } catch {
          // Refused: the commit failed; the polls may still wait for the next one (group-commit.ts).
          counts.failed++;
        }
        counts.writes += polls.length;
        counts.late += late ? 1 : 0;
      } else if (r < 0.75) {
        dbs.failNext = rnd() < 0.15;
        const fail = dbs.failNext;
        try {
          while (store.compactStep(now)) {
            counts.compacted++;
          }
        } catch {
          counts.failed += fail ? 1 : 0;
        }
      } else if (r < 0.88) {
        await store.flush().catch(() => undefined);
        // Retention shorter than a window or two (as a test may set it), so that raw polls go too.
        const cutoff = now - Math.floor(rnd() * 3 * CHUNK);
        const maxRows = rnd() < 0.3 ? 2 + Math.floor(rnd() * 10) : 1000;
        const before = (dbs.db!.get('SELECT count(*) AS n FROM polls WHERE t < ?', [cutoff]) as { n: number }).n;
        dbs.failNext = rnd() < 0.1;
        const fail = dbs.failNext;
        try {
          await store.prune(cutoff, maxRows);
          counts.pruned++;
          // SQLite chose which of the old polls went: the head is filled again.
          refills = before >= maxRows;
          counts.rawPruned += before > 0 && before < maxRows ? 1 : 0;
        } catch {
          counts.failed += fail ? 1 : 0;
        }
      } else if (r < 0.94) {
        await store.close();
        store = await open();
        counts.reopened++;
        refills = true;
      } else {
        dbs.failNext = true;
        await store.flush().catch(() => counts.failed++);
        dbs.failNext = false;
      }
      dbs.failNext = false;
      assert.deepEqual(headRows(store), tableRows(dbs.db!), `${label}: the head holds the table's rows`);
      const now_ = store.rawHead();
      if (refills) {
        counts.refilled++;
      } else {
        assert.equal(now_, head, `${label}: the head was kept up to date, not filled again`);
      }
      head = now_;
      if (step % 8 === 7) {
        compareHistory(store, dbs.db!, rnd, now, label);
      }
    }
    compareHistory(store, dbs.db!, rnd, now, `seed ${seed} end`);
    // The run went through what it is meant to: otherwise the test above proves little.
    assert.ok(counts.writes > 200, `writes ${counts.writes}`);
    assert.ok(counts.late > 5, `late rounds ${counts.late}`);
    assert.ok(counts.compacted > 10, `compactions ${counts.compacted}`);
    assert.ok(counts.failed > 2, `failed commits ${counts.failed}`);
    assert.ok(counts.rawPruned > 2 && counts.reopened > 2, JSON.stringify(counts));
    assert.ok(store.rawHead()!.size > 0, 'polls remain raw at the end');
  });
}

test("kill -9 during writes and compaction, then reopen: the head holds exactly the table's rows", async (t) => {
  const file = tempFile(t);
  // Mid-window (windows are 10 rounds): some rounds are raw, the ones before compacted.
  await writeThenKill(t, file, BASE, 125);
  const dbs = new FailingCommits();
  const store = await openSqliteStore({ file, chunkMs: 10_000, openDatabase: dbs.open });
  t.after(() => store.close());
  const rows = tableRows(dbs.db!);
  assert.ok(rows.length > 0, 'polls of the current window are raw');
  assert.ok(
    (dbs.db!.get('SELECT count(*) AS n FROM chunks') as { n: number }).n > 0,
    'windows were compacted before the kill'
  );
  assert.deepEqual(headRows(store), rows);
  const sql = new Connection(dbs.db!, file, 10_000, false);
  const conn = (store as unknown as { conn: Connection }).conn;
  for (let c = 0; c < 20; c++) {
    assert.deepStrictEqual(
      points(conn, `cam${c}`, BASE, BASE + 1e7, 1e6),
      points(sql, `cam${c}`, BASE, BASE + 1e7, 1e6)
    );
  }
});

test('a column costs nothing until a value arrives: a wired camera holds no battery or sensor column', () => {
  const head = new RawHead();
  const wired = poll('w', BASE, { temperatureC: null });
  head.append(1, pollToRow(wired));
  const held = (cols: number) => cols * 16 * 8; // 16 rows allocated at first
  const wiredCols = pollToRow(wired).filter((v) => v === v).length;
  assert.equal(head.bytes(), held(wiredCols));
  head.append(1, pollToRow({ ...wired, time: BASE + 1, batteryPercent: 80 }));
  assert.equal(head.bytes(), held(wiredCols + 1), 'the battery column came with its first value');
  assert.deepEqual(
    head
      .rows()
      .get(1)!
      .map((r) => r[colIndex('batt')]),
    [NaN, 80],
    'and reads null (NaN) before it'
  );
  head.removeRange(1, BASE, BASE + 1);
  assert.deepEqual(
    head
      .rows()
      .get(1)!
      .map((r) => r[0]),
    [BASE + 1]
  );
  head.removeBefore(BASE + 2);
  assert.equal(head.size, 0);
  assert.equal(head.bytes(), 0, 'a camera with no rows left is dropped');
});

test("polls written inside a caller's transaction reach the head only once committed: a rollback leaves no trace", async (t) => {
  const dbs = new FailingCommits();
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK, commitDelayMs: 0, openDatabase: dbs.open });
  t.after(() => store.close());
  await store.writePoll(poll('a', BASE));
  const conn = (store as unknown as { conn: Connection }).conn;
  assert.equal(store.rawHead()!.size, 1);
  dbs.db!.exec('BEGIN');
  writePolls(conn, [poll('a', BASE + 1000)]);
  dbs.db!.exec('ROLLBACK');
  assert.deepEqual(headRows(store), tableRows(dbs.db!));
  assert.equal(store.rawHead()!.size, 1, 'the rolled-back poll is not in the head');
  dbs.db!.exec('BEGIN');
  writePolls(conn, [poll('a', BASE + 2000)]);
  dbs.db!.exec('COMMIT');
  assert.deepEqual(headRows(store), tableRows(dbs.db!));
  assert.equal(store.rawHead()!.size, 2, 'the committed one is');
});

test("importPolls: the current window's polls reach the head (after their commit), the older ones go into chunks", async (t) => {
  const dbs = new FailingCommits();
  const store = await openSqliteStore({ file: tempFile(t), chunkMs: CHUNK, openDatabase: dbs.open });
  t.after(() => store.close());
  await store.writePoll(poll('a', BASE - 5 * CHUNK));
  assert.equal(store.rawHead()!.size, 1, 'the head is filled before the import');
  const rnd = random(7);
  const now = BASE + 3 * CHUNK + 500;
  const polls = Array.from({ length: 40 }, (_, k) => randomPoll(rnd, k % 2 ? 'a' : 'batt0', BASE + k * 1000));
  await store.importPolls(polls, now);
  const raw = polls.filter((p) => p.time >= BASE + 3 * CHUNK).length;
  assert.ok(raw > 0 && raw < polls.length);
  assert.equal(store.rawHead()!.size, 1 + raw);
  assert.deepEqual(headRows(store), tableRows(dbs.db!));
  compareHistory(store, dbs.db!, rnd, now, 'import');
});
