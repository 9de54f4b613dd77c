/**
 * RecordingsIndex: a dashboard refresh never floods a camera. Answers are kept per camera and day
 * (a past day longer than today), concurrent asks share one search, a failure is not kept (the card
 * may come back), and a camera's answers can be forgotten. The clock is passed in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCam, clientFor } from './helpers.ts';
import { RecordingsIndex } from '../../src/tapo/recordings-index.ts';
import { dayOf, dayWindow } from '../../src/util/zoned-day.ts';

test('cached per camera and day, shared while under way, failures not kept', async () => {
  const cam = await startCam({ name: 'Index Cam' });
  const card = cam.device.card;
  card.clear();
  let now = Date.now();
  const yesterday = dayOf('Europe/Berlin', Math.floor(now / 1000) - 86_400);
  const w = dayWindow('Europe/Berlin', yesterday);
  card.record({ start: w.start + 600, end: w.start + 660, videoType: 2, events: [2] });
  const client = clientFor(cam);
  const index = new RecordingsIndex(() => client, { todayTtlMs: 60_000, pastTtlMs: 600_000, now: () => now });
  const range = [w.start * 1000, w.end * 1000] as const;

  // Ten panels refresh at once: one search of each kind reaches the camera.
  const answers = await Promise.all(Array.from({ length: 10 }, () => index.clips('cam', ...range, 31)));
  assert.ok(answers.every((a) => a.clips.length === 1 && a.zone === 'Europe/Berlin'));
  const sent = index.searchesSent;
  assert.equal(sent, 3, 'zone, days, and the clips of the day: once each');
  const requests = cam.stats.apiRequests;

  // Within the past day's lifetime nothing is asked again, even after a new clip was recorded.
  card.record({ start: w.start + 900, end: w.start + 960, videoType: 2, events: [2, 6] });
  now += 300_000;
  assert.equal((await index.clips('cam', ...range, 31)).clips.length, 1);
  assert.equal(cam.stats.apiRequests, requests);
  // After it, the day is read again.
  now += 400_000;
  assert.equal((await index.clips('cam', ...range, 31)).clips.length, 2);
  assert.ok(index.searchesSent > sent);

  // A failure is not kept: the card comes back and the next refresh finds it.
  index.forget('cam');
  card.state = 'none';
  await assert.rejects(index.clips('cam', ...range, 31), /no SD card/);
  card.state = 'normal';
  assert.equal((await index.clips('cam', ...range, 31)).clips.length, 2);
});

test('askedSince: an answer asked before then is asked again (a clip closed since), one asked after is kept', async () => {
  const cam = await startCam({ name: 'Index Fresh' });
  const card = cam.device.card;
  card.clear();
  let now = Date.now();
  const client = clientFor(cam);
  const index = new RecordingsIndex(() => client, { now: () => now });
  const t = Math.floor(now / 1000) - 120;
  const range = [(t - 10) * 1000, (t + 30) * 1000] as const;
  assert.deepEqual((await index.clips('cam', ...range, 31)).clips, []);
  // The camera closes the event's clip after that answer.
  card.record({ start: t - 2, end: t + 8, videoType: 2, events: [2, 6] });
  now += 1000;
  assert.deepEqual((await index.clips('cam', ...range, 31)).clips, [], 'the cached answer, as any refresh gets');
  const asked = index.searchesSent;
  const fresh = await index.clips('cam', ...range, 31, { askedSince: now });
  assert.deepEqual(
    fresh.clips.map((c) => [c.start, c.end]),
    [[t - 2, t + 8]]
  );
  assert.ok(index.searchesSent > asked);
  // That fresh answer now serves whoever asks since an earlier time.
  const after = index.searchesSent;
  assert.equal((await index.clips('cam', ...range, 31, { askedSince: now - 500 })).clips.length, 1);
  assert.equal(index.searchesSent, after);
});
