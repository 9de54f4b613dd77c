/**
 * The history's SQLite engine today (node-sqlite3-wasm, the floor) beside Node's built-in
 * node:sqlite (native, Node 22.13+, already used for the owner lock), on the store's kind of work
 * in one run: polls committed one transaction per poll (as the fleet writes them), compacted
 * column blobs written and read back per camera, and a range aggregate over the raw rows. Both in
 * WAL with exclusive locking, as the store opens its file. Three alternating rounds; the median is
 * the figure. Printed only: whether to move the store is a decision for these figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNodeSqlite } from '../src/store/node-sqlite.ts';
import { loadSqlite } from '../src/store/wasm.ts';
import { fmt } from './_stats.ts';

const POLLS = 5_000;
const CAMERAS = 100;
const BLOB_BYTES = 16 * 1024;
const BLOBS = 1_000;
const ROUNDS = 3;

/** The few calls the work needs, over either engine. */
interface Engine {
  exec(sql: string): void;
  run(sql: string): (values: Array<number | Uint8Array>) => void;
  all(sql: string): (values: number[]) => Array<Record<string, unknown>>;
  close(): void;
}

type Figures = { commitsPerS: number; blobWriteMiBs: number; blobReadMiBs: number; aggregateMs: number };

async function wasmEngine(file: string): Promise<Engine> {
  const Database = await loadSqlite();
  const db = new Database(file);
  const stmts: Array<{ finalize(): void }> = [];
  return {
    exec: (sql) => db.exec(sql),
    run: (sql) => {
      const st = db.prepare(sql);
      stmts.push(st);
      return (v) => void st.run(v);
    },
    all: (sql) => {
      const st = db.prepare(sql);
      stmts.push(st);
      return (v) => st.all(v) as Array<Record<string, unknown>>;
    },
    close: () => {
      stmts.forEach((s) => s.finalize());
      db.close();
    },
  };
}

async function nativeEngine(file: string): Promise<Engine> {
  const { DatabaseSync } = await loadNodeSqlite();
  const db = new DatabaseSync(file);
  return {
    exec: (sql) => db.exec(sql),
    run: (sql) => {
      const st = db.prepare(sql);
      return (v) => void st.run(...v);
    },
    all: (sql) => {
      const st = db.prepare(sql);
      return (v) => st.all(...v) as Array<Record<string, unknown>>;
    },
    close: () => db.close(),
  };
}

async function work(open: (file: string) => Promise<Engine>): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-engines-'));
  try {
    const db = await open(join(dir, 'h.sqlite'));
    db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
    db.exec(
      'CREATE TABLE polls (cam INTEGER, time INTEGER, status INTEGER, latency REAL, rssi REAL, uptime REAL, ' +
        'PRIMARY KEY (cam, time)) WITHOUT ROWID; ' +
        'CREATE TABLE chunks (cam INTEGER, col INTEGER, start INTEGER, data BLOB, PRIMARY KEY (cam, col, start)) WITHOUT ROWID'
    );
    const insert = db.run('INSERT INTO polls VALUES (?, ?, ?, ?, ?, ?)');
    let t0 = performance.now();
    for (let i = 0; i < POLLS; i++) {
      db.exec('BEGIN');
      insert([i % CAMERAS, 1_700_000_000_000 + i * 300, 1, 20 + (i % 40), -40 - (i % 30), i]);
      db.exec('COMMIT');
    }
    const commitsPerS = POLLS / ((performance.now() - t0) / 1000);

    const aggregate = db.all('SELECT cam, avg(latency) AS l, min(rssi) AS r FROM polls WHERE time >= ? GROUP BY cam');
    t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      aggregate([0]);
    }
    const aggregateMs = (performance.now() - t0) / 20;

    const blob = new Uint8Array(BLOB_BYTES).map((_, i) => (i * 31) & 255);
    const putChunk = db.run('INSERT INTO chunks VALUES (?, ?, ?, ?)');
    t0 = performance.now();
    db.exec('BEGIN');
    for (let i = 0; i < BLOBS; i++) {
      putChunk([i % CAMERAS, i % 8, i, blob]);
    }
    db.exec('COMMIT');
    const mibs = (BLOBS * BLOB_BYTES) / 2 ** 20;
    const blobWriteMiBs = mibs / ((performance.now() - t0) / 1000);
    const readCam = db.all('SELECT data FROM chunks WHERE cam = ?');
    t0 = performance.now();
    let bytes = 0;
    for (let cam = 0; cam < CAMERAS; cam++) {
      for (const row of readCam([cam])) {
        bytes += (row.data as Uint8Array).length;
      }
    }
    const blobReadMiBs = bytes / 2 ** 20 / ((performance.now() - t0) / 1000);
    db.close();
    return { commitsPerS, blobWriteMiBs, blobReadMiBs, aggregateMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const rounds: Record<'wasm' | 'native', Figures[]> = { wasm: [], native: [] };
  for (let r = 0; r < ROUNDS; r++) {
    rounds.wasm.push(await work(wasmEngine));
    rounds.native.push(await work(nativeEngine));
  }
  const rows: Array<[string, keyof Figures, string, boolean]> = [
    [`${POLLS} polls, one commit each`, 'commitsPerS', 'commits/s', true],
    [`${BLOBS} column blobs of ${BLOB_BYTES / 1024} KiB written`, 'blobWriteMiBs', 'MiB/s', true],
    ['the same blobs read back per camera', 'blobReadMiBs', 'MiB/s', true],
    [`aggregate over ${POLLS} raw rows, ${CAMERAS} cameras`, 'aggregateMs', 'ms', false],
  ];
  console.log(`node ${process.version}, SQLite engines, median of ${ROUNDS} alternating rounds`);
  console.log('work | node-sqlite3-wasm (floor) | node:sqlite | native vs floor');
  for (const [label, key, unit, higherIsBetter] of rows) {
    const floor = median(rounds.wasm.map((f) => f[key]));
    const native = median(rounds.native.map((f) => f[key]));
    const ratio = higherIsBetter ? native / floor : floor / native;
    console.log(`${label} | ${fmt(floor, 1)} ${unit} | ${fmt(native, 1)} ${unit} | ${fmt(ratio)}× faster`);
  }
}
