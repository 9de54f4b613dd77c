/**
 * The simulated SD card answers the recording searches in the shapes real devices sent (the
 * recorded answers in test/fixtures/reference/recordings-answers.json, sources named there), asked
 * through the production client over the real protocol; and our decoders read those recorded
 * answers: wrapper maps, `vedio_type` as an int and `video_type` as a string, the H200's answer
 * without `to_be_continued`, the H500's `events_1` bitmask, and `{}` for no detections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clientFor, startCam } from '../tapo/helpers.ts';
import { shapeDiff, shapeOf } from '../helpers/shapes.ts';
import {
  decodeClipPage,
  decodeDays,
  decodeDetections,
  eventCodes,
  recordingRequests,
} from '../../src/tapo/recordings.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';

const real = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/reference/recordings-answers.json', import.meta.url)), 'utf8')
) as Record<string, unknown>;

/** Wrapper keys carry their index (`search_results_2`): one name for all, to compare shapes. */
function unnumbered(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(unnumbered);
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_\d+$/, '_N'), unnumbered(x)]));
  }
  return v;
}

const shape = (v: unknown) => shapeOf(unnumbered(v));

test('the simulated card answers the searches in the recorded shapes, through the real protocol', async () => {
  const cam = await startCam({ name: 'Shapes Cam' });
  const card = cam.device.card;
  card.clear();
  const w = dayWindow('Europe/Berlin', '20260701');
  card.record({ start: w.start + 60, end: w.start + 144, videoType: 2, events: [2] });
  card.record({ start: w.start + 600, end: w.start + 660, videoType: 2, events: [2, 6] });
  const client = clientFor(cam);
  const ask = async (req: ReturnType<typeof recordingRequests.userId>) => {
    const [sub] = await client.multipleRequest([req]);
    assert.equal(sub!.errorCode, 0, `${req.method} answers`);
    return sub!.result;
  };
  const cases: Array<[string, unknown]> = [
    ['getUserID', await ask(recordingRequests.userId())],
    ['searchDateWithVideo', await ask(recordingRequests.days('20260601', '20260731'))],
    ['searchVideoWithUTC', await ask(recordingRequests.clips(w.start, w.end, 0, { id: 1 }))],
    [
      'searchVideoOfDay',
      await ask({
        method: 'searchVideoOfDay',
        params: {
          playback: { search_video_utility: { channel: 0, date: '20260701', start_index: 0, end_index: 99, id: 1 } },
        },
      }),
    ],
  ];
  for (const [method, simulated] of cases) {
    assert.deepEqual(shapeDiff(shape(real[method]), shape(simulated)), [], method);
  }
  // The detection list: every field the simulator sends is one the H500 sent, with its type
  // (the H500's face info is for face events, which the simulated card does not record).
  const detections = await ask(recordingRequests.detections(w.start, w.end, 0));
  const extra = shapeDiff(shape(real.searchDetectionList_H500), shape(detections)).filter(
    (d) => !/^missing playback\.search_detection_list\[\]\.event_info/.test(d) && d !== 'extra playback.to_be_continued'
  );
  assert.deepEqual(extra, []);
  const empty = await ask(recordingRequests.detections(w.start - 86_400, w.start - 1, 0));
  assert.deepEqual(empty, real.searchDetectionList_none);
});

test('the decoders read the recorded answers', () => {
  assert.deepEqual(decodeDays(real.searchDateWithVideo), ['20260701', '20260702']);
  assert.deepEqual(decodeClipPage(real.searchVideoWithUTC), {
    clips: [{ start: 1789683060, end: 1789683144, videoType: 2, events: [] }],
    more: false,
  });
  assert.deepEqual(decodeClipPage(real.searchVideoOfDay).clips[0]?.videoType, 2);
  assert.deepEqual(decodeClipPage(real.searchVideoWithUTC_H200), {
    clips: [{ start: 1787199656, end: 1787199667, videoType: 2, events: [] }],
    more: false,
  });
  // events_1 524450 = 2^19 + 2^7 + 2^5 + 2^1 → face (20), vehicle (8), person (6), motion (2);
  // alarm_type is the highest, as the sheet says of every observed record.
  const d = decodeDetections(real.searchDetectionList_H500);
  assert.deepEqual(d.byStart.get(1786542131), [20, 8, 6, 2]);
  assert.deepEqual(eventCodes(524450)[0], 20);
  assert.equal(decodeDetections(real.searchDetectionList_none).byStart.size, 0);
});
