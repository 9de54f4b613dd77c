/**
 * The head (store/head.ts): an hour of a thousand cameras at 30 s not compacted yet (120,000 raw
 * polls, one battery camera in ten). Prints the store's open time (the head is filled then) beside
 * its floor (the same rows read through SQL, which the fill starts with), the bytes it
 * holds, and an hour's query of every camera read through the head and through SQL (the path
 * before the head), in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLUMNS } from '../src/store/columns.ts';
import { openDatabase, type SqliteDatabase } from '../src/store/engine.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { realisticPolls } from '../test/helpers/realistic-polls.ts';
import { fmt, summary } from './_stats.ts';

const CAMERAS = 1000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const ROUNDS = 15;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS + 3; i++) {
    const a = performance.now();
    await f();
    if (i >= 3) {
      samples.push(performance.now() - a);
    }
  }
  return summary(samples).p50;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-head-'));
  const file = join(dir, 'h.sqlite');
  try {
    const seed = await openSqliteStore({ file, commitDelayMs: 0 });
    for (let c = 0; c < CAMERAS; c++) {
      // `now` inside the hour: every poll is of the current window, so all stay raw.
      await seed.importPolls(
        realisticPolls({ cameraId: `cam${c}`, battery: c % 10 === 9 }, T0, T0 + HOUR, 30_000, c + 1),
        T0 + HOUR - 1
      );
    }
    await seed.close();

    let db: SqliteDatabase | null = null;
    const keep = (f: string) => (db = openDatabase(f));
    const a = performance.now();
    const store = await openSqliteStore({ file, openDatabase: keep });
    const openMs = performance.now() - a;
    const head = store.rawHead()!;
    const floorMs = await timed(async () => db!.all(`SELECT camera, ${COLUMNS.join(', ')} FROM polls`));
    const ids = Array.from({ length: CAMERAS }, (_, c) => `cam${c}`);
    const req = { cameraIds: ids, metrics: ['latency_ms' as const], from: T0, to: T0 + HOUR, maxPoints: 1000 };
    const viaHead = await timed(() => store.historyColumns(req));
    await store.close();
    const sqlStore = await openSqliteStore({ file, rawHead: false });
    const viaSql = await timed(() => sqlStore.historyColumns(req));
    await sqlStore.close();

    console.log(`an hour of ${CAMERAS} cameras at 30 s, raw: ${head.size.toLocaleString('en')} polls`);
    console.log(
      `  open (the head filled): ${fmt(openMs, 1)} ms, beside its floor, the rows read through SQL: p50 ${fmt(floorMs, 1)} ms`
    );
    console.log(
      `  head held: ${fmt(head.bytes() / 2 ** 20)} MiB, ${fmt(head.bytes() / head.size, 0)} bytes a poll (typed columns, capacity included)`
    );
    console.log(
      `  an hour's latency of every camera (1,000 points): through the head p50 ${fmt(viaHead, 1)} ms, through SQL p50 ${fmt(viaSql, 1)} ms`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
