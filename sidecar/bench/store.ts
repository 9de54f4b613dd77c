/**
 * The history journal's size under load: an hour of 1,000 cameras at 30 s (120,000 polls, written
 * one at a time as the fleet writes them, group-committed by the store), accelerated: written as fast as the store takes them,
 * with a housekeeping pass (compaction, retention, checkpoint) every simulated minute as the
 * sidecar runs it. Prints the -wal file's peak and final size beside the 64 MiB bound, and the
 * database's size and rows; then, as the peer, the growth per poll when a read is left open (what
 * a stepped, never reset statement did), over one simulated minute only, extrapolated to the hour.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../src/log.ts';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.ts';
import { poll } from '../test/helpers/memory-fleet.ts';
import { fmt } from './_stats.ts';

const CAMERAS = 1000;
const INTERVAL_MS = 30_000;
const HOUR_MS = 3_600_000;
const POLLS_PER_MINUTE = (CAMERAS * 60_000) / INTERVAL_MS;
const BOUND_MIB = 64;

const mib = (bytes: number) => bytes / 2 ** 20;
function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Writes `polls` polls of the fleet's round-robin starting at `from`; calls `everyMinute` each simulated minute. */
async function writeFleet(
  store: SqliteStore,
  file: string,
  from: number,
  polls: number,
  everyMinute: (simNow: number) => Promise<void>
): Promise<{ peak: number; ms: number }> {
  let peak = 0;
  const t0 = performance.now();
  for (let i = 0; i < polls; i++) {
    const round = Math.floor(i / CAMERAS);
    const cam = i % CAMERAS;
    const time = from + round * INTERVAL_MS + Math.floor((cam * INTERVAL_MS) / CAMERAS);
    await store.writePoll(poll(`cam${cam}`, time, { latencyMs: 20 + (i % 40), rssiDbm: -40 - (i % 30) }));
    if (i % 100 === 99) {
      peak = Math.max(peak, size(`${file}-wal`));
    }
    if ((i + 1) % POLLS_PER_MINUTE === 0) {
      await everyMinute(time);
      peak = Math.max(peak, size(`${file}-wal`));
    }
  }
  return { peak, ms: performance.now() - t0 };
}

async function hour(dir: string): Promise<void> {
  const file = join(dir, 'hour.sqlite');
  const store = await openSqliteStore({ file });
  const from = Date.now() - HOUR_MS;
  const polls = (CAMERAS * HOUR_MS) / INTERVAL_MS;
  const { peak, ms } = await writeFleet(store, file, from, polls, (simNow) => store.maintain(24 * HOUR_MS, simNow));
  const beforeFinal = size(`${file}-wal`);
  let rows = 0;
  for (let c = 0; c < CAMERAS; c++) {
    rows += (await store.points(`cam${c}`, from - 1, Date.now() + 1, 1e6)).length;
  }
  console.log(
    `an hour of ${CAMERAS.toLocaleString('en')} cameras at 30 s: ${polls.toLocaleString('en')} polls, written one at a time (group commits), ` +
      `written in ${fmt(ms / 1000, 1)} s (${fmt(polls / (ms / 1000), 0)} polls/s), housekeeping every simulated minute`
  );
  console.log(
    `  -wal peak ${fmt(mib(peak), 1)} MiB, at the end ${fmt(mib(beforeFinal), 1)} MiB (bound ${BOUND_MIB} MiB); ` +
      `database ${fmt(mib(size(file)), 1)} MiB holding ${rows.toLocaleString('en')} polls`
  );
  await store.close();
}

async function leakedRead(dir: string): Promise<void> {
  const file = join(dir, 'leak.sqlite');
  const store = await openSqliteStore({ file });
  await store.writePoll(poll('cam0', Date.now() - HOUR_MS));
  await store.flush(); // committed: the camera's key is there to read
  // What the camera-key lookup did: a statement stepped to its first row and never reset.
  const db = (store as unknown as { db: import('../src/store/engine.ts').SqliteDatabase }).db;
  const open = db.prepare('SELECT id FROM cameras').iterate();
  open.next();
  const level = logger.level;
  logger.level = 'silent'; // the checkpoint warnings this provokes are the point, not the output
  const { peak } = await writeFleet(store, file, Date.now() - HOUR_MS, POLLS_PER_MINUTE, async (simNow) => {
    await store.maintain(24 * HOUR_MS, simNow);
  });
  logger.level = level;
  const perPoll = peak / POLLS_PER_MINUTE;
  console.log(
    `peer, a read left open (the old camera-key lookup): -wal ${fmt(mib(peak), 1)} MiB after one simulated minute ` +
      `(${POLLS_PER_MINUTE.toLocaleString('en')} polls, ${fmt(perPoll / 1024, 1)} KiB per poll) => ~${fmt((perPoll * POLLS_PER_MINUTE * 60) / 2 ** 30, 1)} GiB ` +
      `after the hour (extrapolated, not written)`
  );
  open.return?.();
  await store.close();
}

export async function run(): Promise<void> {
  const level = logger.level;
  logger.level = 'error';
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-store-'));
  try {
    await hour(dir);
    await leakedRead(dir);
  } finally {
    logger.level = level;
    rmSync(dir, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  await run();
}
