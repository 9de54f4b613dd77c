import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/engine.ts';
import { PollBuffer } from '../../src/store/group-commit.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { StoreError } from '../../src/store/types.ts';
import type { PollResult } from '../../src/model.ts';
import { poll } from '../helpers/memory-fleet.ts';
import { writeThenKill } from './fixtures/kill-writer.ts';

const BASE = 1_700_000_040_000;

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-group-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'h.sqlite');
}

const ids = (batch: PollResult[]) => batch.map((p) => `${p.cameraId}@${p.time - BASE}`);

test('polls wait until a camera polls again, then go in one commit; at most one poll per camera waits', (t) => {
  const commits: PollResult[][] = [];
  const buffer = new PollBuffer(
    (polls) => commits.push([...polls]),
    10_000,
    () => {}
  );
  t.after(() => buffer.stop());
  buffer.add([poll('a', BASE)]);
  buffer.add([poll('b', BASE + 1)]);
  buffer.add([poll('c', BASE + 2)]);
  assert.equal(commits.length, 0);
  assert.equal(buffer.size, 3);
  buffer.add([poll('a', BASE + 10)]);
  assert.deepEqual(commits.map(ids), [['a@0', 'b@1', 'c@2']]);
  assert.equal(buffer.size, 1, "a's new poll waits alone");
  buffer.add([poll('b', BASE + 11), poll('b', BASE + 12)]);
  assert.deepEqual(commits.map(ids).slice(1), [['a@10'], ['b@11', 'b@12']], 'two polls of one camera go at once');
  buffer.flush();
  assert.equal(commits.length, 3, 'nothing waits, nothing is committed');
});

test('once maxWaiting polls wait they go in one commit; a failed one keeps them waiting and says so once', (t) => {
  const commits: PollResult[][] = [];
  let full = false;
  const failures: number[] = [];
  const buffer = new PollBuffer(
    (polls) => {
      if (full) {
        throw new Error('disk full');
      }
      commits.push([...polls]);
    },
    60_000,
    (_err, waiting) => failures.push(waiting),
    3
  );
  t.after(() => buffer.stop());
  buffer.add([poll('a', BASE)]);
  buffer.add([poll('b', BASE + 1)]);
  assert.equal(commits.length, 0);
  buffer.add([poll('c', BASE + 2), poll('d', BASE + 3)]);
  assert.deepEqual(commits.map(ids), [['a@0', 'b@1', 'c@2', 'd@3']]);
  assert.equal(buffer.size, 0);
  full = true;
  buffer.add([poll('e', BASE + 4), poll('f', BASE + 5), poll('g', BASE + 6)]);
  buffer.add([poll('h', BASE + 7)]);
  assert.deepEqual(failures, [3], 'one failed commit at the bound, not one per poll after it');
  assert.equal(buffer.size, 4, 'nothing accepted is dropped');
  full = false;
  buffer.flush();
  assert.deepEqual(commits.map(ids)[1], ['e@4', 'f@5', 'g@6', 'h@7']);
});

test('a poll waits at most maxDelayMs; 0 commits every write at once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const commits: PollResult[][] = [];
  const buffer = new PollBuffer(
    (polls) => commits.push([...polls]),
    10_000,
    () => {}
  );
  buffer.add([poll('a', BASE)]);
  t.mock.timers.tick(9_999);
  assert.equal(commits.length, 0);
  t.mock.timers.tick(1);
  assert.deepEqual(commits.map(ids), [['a@0']]);
  const through: PollResult[][] = [];
  const direct = new PollBuffer(
    (polls) => through.push([...polls]),
    0,
    () => {}
  );
  direct.add([poll('a', BASE)]);
  assert.deepEqual(through.map(ids), [['a@0']]);
});

test('a commit that fails refuses the write that needed it and keeps what waits for the next try', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let fail = true;
  const commits: PollResult[][] = [];
  const timed: Array<[string, number]> = [];
  const buffer = new PollBuffer(
    (polls) => {
      if (fail) {
        throw new StoreError('cannot store polls: disk full');
      }
      commits.push([...polls]);
    },
    10_000,
    (err, waiting) => timed.push([(err as Error).message, waiting])
  );
  buffer.add([poll('a', BASE), poll('b', BASE + 1)]);
  assert.throws(() => buffer.add([poll('a', BASE + 10)]), /disk full/);
  assert.equal(buffer.size, 2, 'the refused poll was not taken; the waiting ones stay');
  t.mock.timers.tick(10_000);
  assert.deepEqual(
    timed,
    [['cannot store polls: disk full', 2]],
    'a timed commit that fails is reported with what waits'
  );
  fail = false;
  buffer.add([poll('a', BASE + 20)]);
  assert.deepEqual(commits.map(ids), [['a@0', 'b@1']]);
  buffer.flush();
  assert.deepEqual(commits.map(ids).at(-1), ['a@20']);
});

test('the store reads the polls that wait, and commits them at close', async (t) => {
  const file = tempFile(t);
  const store = await openSqliteStore({ file });
  await store.writePoll(poll('a', BASE, { latencyMs: 5 }));
  await store.writePoll(poll('b', BASE + 1, { latencyMs: 6 }));
  assert.deepEqual(
    (await store.points('a', BASE - 1, BASE + 1)).map((p) => p.latencyMs),
    [5],
    'a read sees a waiting poll'
  );
  await store.writePoll(poll('b', BASE + 2, { latencyMs: 7 }));
  await store.close();
  const again = await openSqliteStore({ file });
  t.after(() => again.close());
  assert.deepEqual(
    (await again.points('b', BASE - 1, BASE + 3)).map((p) => p.latencyMs),
    [6, 7]
  );
});

test('kill -9 during writes and compaction: the database is intact and each camera lost at most its last poll', async (t) => {
  const file = tempFile(t);
  // 10 s windows: 250 rounds of 1 s are 25 windows compacted meanwhile.
  const out = await writeThenKill(t, file, BASE, 250);
  const rounds = out.split('\n').filter(Boolean).map(Number);
  const lastReported = rounds.at(-1)!;
  const db = openDatabase(file);
  assert.equal((db.get('PRAGMA integrity_check') as { integrity_check: string }).integrity_check, 'ok');
  assert.ok((db.get('SELECT count(*) AS n FROM chunks') as { n: number }).n >= 20, 'windows were compacted meanwhile');
  db.close();
  const store = await openSqliteStore({ file, chunkMs: 10_000 });
  t.after(() => store.close());
  for (let c = 0; c < 20; c++) {
    const pts = await store.points(`cam${c}`, BASE, BASE + 10_000_000, 1e6);
    const times = pts.map((p) => p.time);
    assert.equal(new Set(times).size, times.length, `cam${c}: no poll twice`);
    // Rounds 0..lastReported were all accepted: all but each camera's last one are on disk.
    assert.ok(pts.length >= lastReported, `cam${c}: ${pts.length} polls stored, ${lastReported + 1} accepted`);
    for (let round = 0; round < lastReported; round++) {
      assert.equal(pts[round]?.time, BASE + round * 1000 + c, `cam${c} round ${round}`);
      assert.equal(pts[round]?.latencyMs, round);
    }
  }
});
