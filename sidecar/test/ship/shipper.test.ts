import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.ts';
import { eventId } from '../../src/ship/loki-push.ts';
import { httpPush } from '../../src/ship/push-http.ts';
import { EventShipper, type ShipperClock, type StepResult } from '../../src/ship/shipper.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import { HUGE_BYTES, fakeEndpoint, type Answer } from './fake-endpoint.ts';

const T = 1_700_000_000_000;
const TOKEN = 'loki-token-0123456789abcdef';

async function tempStore(t: { after: (fn: () => Promise<void> | void) => void }): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-ship-'));
  const store = await openSqliteStore({ dataDir: dir });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

async function writeEvents(store: SqliteStore, n: number, from = 0) {
  for (let i = from; i < from + n; i++) {
    await store.writeEvent({
      cameraId: `cam${i % 3}`,
      start: T + i * 1000,
      end: null,
      kind: 'motion',
      source: 'onvif',
    });
  }
}

/** A clock that never waits: sleeps are recorded, and resolve on the next turn of the event loop. */
function fakeClock(): ShipperClock & { sleeps: number[]; at: number } {
  const c = {
    at: T,
    sleeps: [] as number[],
    now: () => c.at,
    sleep: (ms: number) => {
      c.sleeps.push(ms);
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
    random: () => 0.5,
  };
  return c;
}

function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const text: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { log: createLogger('debug', sink), lines, text };
}

/** The timeout is the 'slow' answer's wait; generous, so a loaded machine's answers are never taken for it. */
const TIMEOUT_MS = 2000;
const pushTo = (url: string) =>
  httpPush({ url, auth: { header: `Bearer ${TOKEN}` }, timeoutMs: TIMEOUT_MS, maxErrorBytes: 1024 });

test('the shipper rides out 500, 429, garbage, no answer and a huge error body, then delivers every line', async (t) => {
  const store = await tempStore(t);
  await writeEvents(store, 30);
  await store.writeStatusChange({ cameraId: 'cam1', time: T + 99, from: 'online', to: 'offline', error: 'refused' });
  const answers: Answer[] = ['500', '429', 'garbage', 'slow', 'huge', 'ok'];
  const endpoint = await fakeEndpoint(() => answers.shift() ?? 'ok');
  t.after(() => endpoint.close());
  const clock = fakeClock();
  const { log, lines, text } = captureLog();
  const shipper = new EventShipper(
    { site: 'north', maxLinesPerSecond: 1e6, batchLines: 100, minBackoffMs: 1000, maxBackoffMs: 8000 },
    { store, push: pushTo(endpoint.url), log, clock }
  );

  const steps: StepResult[] = [];
  for (let i = 0; i < 6; i++) {
    steps.push(await shipper.step());
  }
  assert.deepEqual(
    steps.map((s) => s.outcome),
    ['retry', 'retry', 'retry', 'retry', 'retry', 'shipped'],
    JSON.stringify(lines.map((l) => l['@message']))
  );
  // Exponential backoff with jitter (random 0.5: three quarters), capped; the 429's Retry-After (5 s) wins.
  assert.deepEqual(
    steps.slice(0, 5).map((s) => s.waitMs),
    [750, 5000, 3000, 6000, 6000]
  );
  assert.equal(steps[5]!.lines, 31);
  assert.equal((await shipper.step()).outcome, 'idle');

  // Every line arrived, once, with the token; the cursor is saved where the batch ended.
  assert.equal(endpoint.accepted.length, 31);
  assert.equal(new Set(endpoint.accepted).size, 31);
  assert.ok(endpoint.pushes.every((p) => p.authorization === `Bearer ${TOKEN}`));
  const saved = await store.shipCursor('loki');
  assert.deepEqual(saved, shipper.status().cursor);
  assert.ok(saved.events > 0 && saved.statusChanges > 0);

  // The huge body was not downloaded: the shipper read its first KiB and hung up.
  assert.ok(endpoint.hugeWritten() < HUGE_BYTES, `${endpoint.hugeWritten()} of ${HUGE_BYTES} bytes were sent`);

  // Clear log lines at doubling failure counts (1, 2, 4), each with its reason; never the token.
  const warns = lines.filter((l) => l['@level'] === 'warn');
  assert.deepEqual(
    warns.map((l) => l.failures),
    [1, 2, 4]
  );
  assert.match(String(warns[0]!['@message']), /will retry: HTTP 500: internal error/);
  assert.match(String(warns[1]!['@message']), /HTTP 429: too many requests/);
  assert.match(String(warns[2]!['@message']), /no answer within 2000 ms/);
  assert.ok(lines.some((l) => /delivers again/.test(String(l['@message']))));
  assert.ok(!text.join('').includes(TOKEN), 'the token never reaches the log');
});

test('each failure kind on its own gives a bounded, readable reason', async (t) => {
  const store = await tempStore(t);
  await writeEvents(store, 1);
  for (const [answer, reason] of [
    ['garbage', /HTTP\/|HPE_/],
    ['huge', /^HTTP 503: x x x .*… \(1024 of more bytes shown\)$/],
    ['slow', /^no answer within 2000 ms$/],
  ] as const) {
    const endpoint = await fakeEndpoint(() => answer);
    const push = pushTo(endpoint.url);
    const r = await push('{"streams":[]}', new AbortController().signal);
    await endpoint.close();
    assert.equal(r.ok, false, answer);
    if (!r.ok) {
      assert.equal(r.retry, true, `${answer} is worth retrying`);
      assert.match(r.reason, reason, answer);
      assert.ok(r.reason.length < 1200, `${answer}: a bounded reason (${r.reason.length} chars)`);
      assert.ok(!/[\u0000-\u001f]/.test(r.reason), `${answer}: no control characters`);
    }
  }
});

test('a backlog drains no faster than the rate bound', async (t) => {
  const store = await tempStore(t);
  await writeEvents(store, 1200);
  const endpoint = await fakeEndpoint(() => 'ok');
  t.after(() => endpoint.close());
  const clock = fakeClock();
  const shipper = new EventShipper(
    { site: 'north', maxLinesPerSecond: 100, batchLines: 500 },
    { store, push: pushTo(endpoint.url), log: captureLog().log, clock }
  );
  const steps: StepResult[] = [];
  for (let r = await shipper.step(); r.outcome !== 'idle'; r = await shipper.step()) {
    steps.push(r);
  }
  // 500 lines at 100 a second: 5 s per batch, less the time the push itself took.
  assert.deepEqual(
    steps.map((s) => [s.lines, s.waitMs]),
    [
      [500, 5000],
      [500, 5000],
      [200, 2000],
    ]
  );
  assert.equal(new Set(endpoint.accepted).size, 1200);
});

test('a line the endpoint refuses for good is split out and dropped with its id; the rest arrive', async (t) => {
  const store = await tempStore(t);
  await writeEvents(store, 9);
  await store.writeStatusChange({ cameraId: 'cam2', time: T + 7, from: 'online', to: 'offline', error: null });
  const bad = eventId('north', { cameraId: 'cam1', start: T + 4000, end: null, kind: 'motion', source: 'onvif' });
  const endpoint = await fakeEndpoint((p) => (p.ids.includes(bad) ? '400' : 'ok'));
  t.after(() => endpoint.close());
  const { log, lines } = captureLog();
  const shipper = new EventShipper(
    { site: 'north', maxLinesPerSecond: 1e6, batchLines: 100 },
    { store, push: pushTo(endpoint.url), log, clock: fakeClock() }
  );
  const outcomes: string[] = [];
  for (let r = await shipper.step(); r.outcome !== 'idle'; r = await shipper.step()) {
    outcomes.push(r.outcome);
    assert.ok(outcomes.length < 50, 'the split ends');
  }
  assert.ok(outcomes.includes('split') && outcomes.filter((o) => o === 'dropped').length === 1, outcomes.join());
  assert.equal(endpoint.accepted.length, 9, 'eight events and the status change');
  assert.ok(!endpoint.accepted.includes(bad));
  assert.equal(shipper.status().dropped, 1);
  const dropped = lines.find((l) => /dropped a line/.test(String(l['@message'])));
  assert.equal(dropped?.id, bad);
  assert.match(String(dropped?.['@message']), /HTTP 400: entry too far behind/);
});

test('the loop delivers every line, new ones too, through random 429s, 500s and lost acknowledgements', async (t) => {
  const store = await tempStore(t);
  await writeEvents(store, 200);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let lostAckLines = 0;
  const endpoint = await fakeEndpoint((p) => {
    const r = endpoint?.pushes.length === 1 ? 0.45 : random(); // the first push's acknowledgement is lost
    const a: Answer = r < 0.2 ? '429' : r < 0.4 ? '500' : r < 0.5 ? 'lost-ack' : 'ok';
    lostAckLines += a === 'lost-ack' ? p.ids.length : 0;
    return a;
  });
  t.after(() => endpoint.close());
  const shipper = new EventShipper(
    { site: 'north', maxLinesPerSecond: 1e6, batchLines: 25 },
    { store, push: pushTo(endpoint.url), log: captureLog().log, clock: fakeClock() }
  );
  shipper.start();
  t.after(() => shipper.stop());
  await endpoint.until('the first 100 lines', () => new Set(endpoint.accepted).size >= 100);
  await writeEvents(store, 100, 200);
  const want = new Set<string>();
  for (const { event } of (await store.shipLogAfter({ events: 0, statusChanges: 0 }, 1000)).events) {
    want.add(eventId('north', event));
  }
  assert.equal(want.size, 300);
  await endpoint.until('all 300 lines', () => [...want].every((id) => endpoint.accepted.includes(id)));
  await shipper.stop();
  // At least once: duplicates only from lost acknowledgements, and detectable by id.
  assert.equal(new Set(endpoint.accepted).size, 300);
  assert.ok(lostAckLines > 0);
  assert.equal(
    endpoint.accepted.length,
    300 + lostAckLines,
    'lines are sent again only when their acknowledgement was lost'
  );
});

test('stopping during a push abandons it quietly: no failure logged, the lines stay for next time', async (t) => {
  const store = await tempStore(t);
  await writeEvents(store, 5);
  const endpoint = await fakeEndpoint(() => 'slow');
  t.after(() => endpoint.close());
  const { log, lines } = captureLog();
  const shipper = new EventShipper(
    { site: 'north', maxLinesPerSecond: 1e6 },
    { store, push: httpPush({ url: endpoint.url, auth: null, timeoutMs: 60_000 }), log, clock: fakeClock() }
  );
  shipper.start();
  await endpoint.until('the push to arrive', () => endpoint.pushes.length === 1);
  await shipper.stop();
  assert.deepEqual(
    lines.filter((l) => l['@level'] !== 'debug').map((l) => l['@message']),
    []
  );
  assert.deepEqual(await store.shipCursor('loki'), { events: 0, statusChanges: 0 });
  assert.equal(shipper.status().failures, 0);
});
