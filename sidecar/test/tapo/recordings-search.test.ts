/**
 * The recordings search (tapo/recordings.ts) against the simulated camera's SD card: days with
 * video asked month by month, a day's clips in the camera's own zone (UTC clip times), paging past
 * 100 clips, event types joined from the detection list, and the card's troubles as typed errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCam, clientFor } from './helpers.ts';
import { RecordingsError, RecordingsSearch } from '../../src/tapo/recordings.ts';
import { dayOf, dayWindow } from '../../src/util/zoned-day.ts';

const PLAYER = '0123456789ABCDEF0123456789ABCDEF';
const utc = (iso: string) => Date.parse(iso) / 1000;

async function setup() {
  const cam = await startCam({ name: 'Rec Cam' });
  cam.device.card.clear();
  const search = new RecordingsSearch(clientFor(cam), PLAYER);
  return { cam, card: cam.device.card, search };
}

test('days are camera-local: a clip at 23:30 UTC belongs to the next day in Berlin', async () => {
  const { card, search } = await setup();
  card.record({ start: utc('2026-03-10T12:00:00Z'), end: utc('2026-03-10T12:00:40Z'), videoType: 2, events: [2] });
  card.record({ start: utc('2026-03-10T23:30:00Z'), end: utc('2026-03-10T23:31:00Z'), videoType: 2, events: [2, 6] });
  const zone = await search.zone();
  assert.equal(zone, 'Europe/Berlin');
  assert.deepEqual(await search.days('20260301', '20260331'), ['20260310', '20260311']);
  const late = await search.clipsOfDay('20260311', zone);
  assert.deepEqual(late, [
    { start: utc('2026-03-10T23:30:00Z'), end: utc('2026-03-10T23:31:00Z'), videoType: 2, events: [6, 2] },
  ]);
  const noon = await search.clipsOfDay('20260310', zone);
  assert.deepEqual(
    noon.map((c) => c.start),
    [utc('2026-03-10T12:00:00Z')]
  );
  // The same day asked in UTC (the host's zone in pytapo) would have mixed them up.
  assert.equal((await search.clipsOfDay('20260310', 'UTC')).length, 2);
});

test('a DST day has 23 hours, and its clips are all found', async () => {
  const { card, search } = await setup();
  const w = dayWindow('Europe/Berlin', '20260329');
  assert.equal(w.end - w.start + 1, 23 * 3600);
  card.record({ start: w.start, end: w.start + 30, videoType: 2, events: [2] });
  card.record({ start: w.end - 30, end: w.end, videoType: 2, events: [2] });
  card.record({ start: w.end + 1, end: w.end + 20, videoType: 2, events: [2] });
  const clips = await search.clipsOfDay('20260329', 'Europe/Berlin');
  assert.deepEqual(
    clips.map((c) => c.start),
    [w.start, w.end - 30]
  );
  assert.equal(dayOf('Europe/Berlin', w.end + 1), '20260330');
});

test('a wide range is asked month by month (the card refuses more than two months at once)', async () => {
  const { card, search } = await setup();
  const days = ['20260105', '20260214', '20260320', '20260402'];
  for (const d of days) {
    const w = dayWindow('Europe/Berlin', d);
    card.record({ start: w.start + 3600, end: w.start + 3660, videoType: 2, events: [2] });
  }
  // One request for the whole range fails on the simulated card, as on a filled real one.
  assert.equal(card.call('searchDateWithVideo', wideRange('20260101', '20260430'))?.error_code, -71105);
  assert.deepEqual(await search.days('20260101', '20260430'), days);
});

function wideRange(from: string, to: string) {
  return { playback: { search_year_utility: { channel: [0], start_date: from, end_date: to } } };
}

test('a day with 250 clips comes in pages of 100, each clip once, with its event types', async () => {
  const { card, search } = await setup();
  const w = dayWindow('Europe/Berlin', '20260601');
  for (let i = 0; i < 250; i++) {
    const start = w.start + 60 + i * 300;
    card.record({ start, end: start + 20, videoType: 2, events: i % 10 === 0 ? [2, 6] : [2] });
  }
  const clips = await search.clipsOfDay('20260601', 'Europe/Berlin');
  assert.equal(clips.length, 250);
  assert.equal(new Set(clips.map((c) => c.start)).size, 250);
  assert.ok(clips.every((c, i) => i === 0 || c.start > clips[i - 1].start));
  assert.equal(clips.filter((c) => c.events.includes(6)).length, 25);
  // The simulator pages as the camera does: at most 100 per answer, to_be_continued while more.
  const page = card.call('searchVideoWithUTC', {
    playback: {
      search_video_with_utc: {
        channel: 0,
        start_time: w.start,
        end_time: w.end,
        start_index: 0,
        end_index: 999,
        id: 1,
      },
    },
  });
  const result = page?.result as { playback: { search_video_results: unknown[]; to_be_continued: number } };
  assert.equal(result.playback.search_video_results.length, 100);
  assert.equal(result.playback.to_be_continued, 1);
});

test('no card, a broken card and a camera without a card are typed errors with words', async () => {
  const { card, search } = await setup();
  card.state = 'none';
  const none = await search.days('20260101', '20260131').then(
    () => assert.fail('should fail'),
    (e: unknown) => e
  );
  assert.ok(none instanceof RecordingsError);
  assert.equal(none.kind, 'no_card');
  assert.match(none.message, /no SD card/);
  card.state = 'broken';
  const broken = await search.clipsOfDay('20260101', 'Europe/Berlin').then(
    () => assert.fail('should fail'),
    (e: unknown) => e
  );
  assert.ok(broken instanceof RecordingsError);
  assert.equal(broken.kind, 'card_error');
  assert.match(broken.message, /not usable/);

  const battery = await startCam({ name: 'No Card', model: 'C400' });
  const e = await new RecordingsSearch(clientFor(battery), PLAYER).days('20260101', '20260102').then(
    () => assert.fail('should fail'),
    (err: unknown) => err
  );
  assert.ok(e instanceof RecordingsError);
  assert.equal(e.kind, 'no_card');
});

test('an empty day is an empty list, and a window without detections ({}) is "no events"', async () => {
  const { card, search } = await setup();
  const w = dayWindow('Europe/Berlin', '20260701');
  card.record({ start: w.start + 100, end: w.start + 160, videoType: 1, events: [] });
  assert.deepEqual(await search.clipsOfDay('20260702', 'Europe/Berlin'), []);
  const answer = card.call('searchDetectionList', {
    playback: {
      search_detection_list: { channel: 0, start_time: w.start, end_time: w.end, start_index: 0, end_index: 999 },
    },
  });
  assert.deepEqual(answer, { error_code: 0, result: {} });
  assert.deepEqual(await search.clipsOfDay('20260701', 'Europe/Berlin'), [
    { start: w.start + 100, end: w.start + 160, videoType: 1, events: [] },
  ]);
});
