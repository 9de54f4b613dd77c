/** The status page says why a camera has no picture (asleep, offline, wrong password, privacy, battery) instead of a broken image. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderStatusPage, whyNoPicture } from '../../src/http/status-page.ts';
import type { HttpFleetView } from '../../src/http/deps.ts';
import type { CameraSnapshot, PollResult } from '../../src/model.ts';
import { poll } from '../helpers/memory-fleet.ts';

const NOW = 1_750_000_000_000;

function cam(id: string, last: Partial<PollResult> | null, extra: Partial<CameraSnapshot> = {}): CameraSnapshot {
  return {
    id,
    name: `Cam ${id}`,
    host: '192.0.2.1',
    ptz: false,
    lastSeen: NOW - 1000,
    last: last === null ? null : poll(id, NOW - 1000, last),
    motionEventsLastMinute: 0,
    lastMotion: null,
    ...extra,
  };
}

const CAMERAS = [
  cam('live', {}),
  cam('door', { status: 'sleeping', batteryPercent: 80, batteryCharging: false, powerSource: 'BATTERY' }),
  cam('yard', { status: 'offline', error: 'timeout after 5000 ms' }),
  cam('attic', { status: 'auth_failed', error: 'login refused' }),
  cam('nursery', { privacyMode: true }),
  cam('solo', { batteryPercent: 60 }),
  cam('hubchild', { batteryPercent: 60, batteryCharging: false, powerSource: 'BATTERY' }),
  cam('new', null),
  cam('locked', { status: 'locked_out' }),
  cam('hub', { model: 'H200' }, { hub: true }),
  cam('cellar', { model: 'T315' }, { sensor: 'temp_humidity' }),
];

function fleetOf(cameras: CameraSnapshot[]): HttpFleetView {
  return {
    cameras: () => cameras,
    camera: (id: string) => cameras.find((c) => c.id === id),
    on: () => undefined,
    model: () => 'C210',
    counters: () => undefined,
    points: async () => [],
  } as unknown as HttpFleetView;
}

/** The picture cell of a camera's row: an <img> or the words saying why there is none. */
function pictureCell(html: string, id: string): string {
  const row = html.split('<tr>').find((r) => r.includes(`<code>${id}</code>`));
  assert.ok(row, `a row for ${id}`);
  return /<td>(.*?)<\/td>/s.exec(row)![1]!;
}

test('each camera without a picture says why, in words a user can act on, and gets no <img>', () => {
  const html = renderStatusPage(fleetOf(CAMERAS), { canSnapshot: true, hasFrame: (id) => id === 'yard', now: NOW });
  const expect: Record<string, RegExp> = {
    door: /Asleep: a battery camera behind a hub sends no stream/,
    yard: /Offline: the camera does not answer/,
    attic: /Login failed: wrong password, or Third-Party Compatibility is off/,
    nursery: /Privacy mode is on/,
    solo: /Battery camera: it has no RTSP stream/,
    new: /Not polled yet/,
    locked: /Locked out after failed logins/,
    hub: /A hub: no camera of its own/,
    cellar: /A sensor behind a hub: no camera/,
  };
  for (const [id, words] of Object.entries(expect)) {
    const cell = pictureCell(html, id);
    if (id === 'yard') {
      // An offline camera whose last picture is in hand still shows it.
      assert.match(cell, /<img src="\/frames\/yard\.jpg"/);
      continue;
    }
    assert.doesNotMatch(cell, /<img/, `${id}: no image that would be broken`);
    assert.match(cell, words, id);
  }
  assert.match(
    pictureCell(html, 'live'),
    /<img src="\/frames\/live\.jpg"/,
    'an online camera takes a picture on demand'
  );
  assert.match(pictureCell(html, 'hubchild'), /<img/, 'an awake hub child streams through the hub');
});

test('without on-demand pictures, an online camera with no picture in hand says so instead of a broken image', () => {
  const html = renderStatusPage(fleetOf([cam('live', {})]), { now: NOW });
  assert.match(pictureCell(html, 'live'), /No picture yet/);
  assert.doesNotMatch(html, /<img/);
});

test('privacy and disabled outrank a picture in hand; the words are escaped', () => {
  assert.match(whyNoPicture(cam('p', { privacyMode: true }), { hasFrame: true, canSnapshot: true })!, /Privacy/);
  assert.match(whyNoPicture(cam('d', {}, { disabled: true }), { hasFrame: true, canSnapshot: true })!, /Disabled/);
  const html = renderStatusPage(fleetOf([cam('e', { status: 'error', error: '<b>bad</b> answer' })]), { now: NOW });
  assert.match(pictureCell(html, 'e'), /No picture: &lt;b&gt;bad&lt;\/b&gt; answer/);
});
