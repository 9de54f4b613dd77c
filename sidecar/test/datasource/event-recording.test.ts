/**
 * Which clip an event plays (clipForEvent): the one that holds its time, from EVENT_CLIP.leadSeconds
 * before; one that starts a little later or ended a little earlier; none beyond those bounds; and a
 * clip longer than a channel may play cut to a window from the lead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_CLIP, RECORDINGS_LIMITS } from '../../../src/shared/query.ts';
import { clipForEvent } from '../../src/datasource/event-recording.ts';

const clip = (start: number, end: number) => ({ start, end, videoType: 2, events: [2] });
const CLIPS = [clip(1000, 1059), clip(2000, 2019), clip(2030, 2090)];

test('the clip that holds the event, from a few seconds before it', () => {
  const p = clipForEvent(CLIPS, 1030)!;
  assert.equal(p.clip, CLIPS[0]);
  assert.deepEqual([p.start, p.end, p.offsetS], [1000, 1059, 30 - EVENT_CLIP.leadSeconds]);
  // Within the lead of the clip's start: from the start.
  assert.equal(clipForEvent(CLIPS, 1002)!.offsetS, 0);
  // Between two clips 10 s apart: the one that starts after it, not the one that ended.
  assert.equal(clipForEvent(CLIPS, 2025)!.clip, CLIPS[2]);
});

test('a clip that starts a little later or ended a little earlier; nothing beyond those bounds', () => {
  assert.equal(clipForEvent(CLIPS, 1000 - EVENT_CLIP.lateStartSeconds)!.clip, CLIPS[0]);
  assert.equal(clipForEvent(CLIPS, 1000 - EVENT_CLIP.lateStartSeconds - 1), null);
  const late = clipForEvent(CLIPS, 2090 + EVENT_CLIP.earlyEndSeconds)!;
  assert.equal(late.clip, CLIPS[2]);
  // Its last seconds: the lead before its end.
  assert.equal(late.offsetS, 2090 - 2030 - EVENT_CLIP.leadSeconds);
  assert.equal(clipForEvent(CLIPS, 2090 + EVENT_CLIP.earlyEndSeconds + 1), null);
  assert.equal(clipForEvent([], 1000), null);
});

test('a continuous clip longer than a channel plays is cut to a window from the lead', () => {
  const long = clip(0, 3 * 3600);
  const p = clipForEvent([long], 7200)!;
  assert.deepEqual([p.start, p.offsetS], [7200 - EVENT_CLIP.leadSeconds, 0]);
  assert.equal(p.end - p.start + 1, RECORDINGS_LIMITS.maxClipSeconds);
  const nearEnd = clipForEvent([long], 3 * 3600 - 2)!;
  assert.equal(nearEnd.end, long.end);
  assert.ok(nearEnd.start <= nearEnd.end);
});
