import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSite, encodeLokiPush, eventId, statusChangeId } from '../../src/ship/loki-push.ts';
import type { MotionEvent } from '../../src/model.ts';

const T = 1_700_000_000_123;
const motion: MotionEvent = { cameraId: 'door', start: T, end: T + 5000, kind: 'motion', source: 'onvif' };

test('a batch becomes one stream per site, camera and kind, with nanosecond times and JSON lines', () => {
  const body = encodeLokiPush('north', {
    events: [
      { seq: 1, event: motion },
      { seq: 2, event: { ...motion, start: T + 9000, end: null } },
      {
        seq: 3,
        event: { ...motion, cameraId: 'yard', kind: 'person', picture: 'https://g.example/pic/1.jpg' } as MotionEvent,
      },
    ],
    statusChanges: [
      { seq: 1, change: { cameraId: 'door', time: T + 1, from: 'online', to: 'offline', error: 'refused' } },
    ],
  });
  const parsed = JSON.parse(body.body) as { streams: Array<{ stream: Record<string, string>; values: string[][] }> };
  assert.equal(body.lines, 4);
  assert.deepEqual(
    parsed.streams.map((s) => [s.stream, s.values.length]),
    [
      [{ site: 'north', camera: 'door', kind: 'motion' }, 2],
      [{ site: 'north', camera: 'yard', kind: 'person' }, 1],
      [{ site: 'north', camera: 'door', kind: 'status' }, 1],
    ]
  );
  const [ts, line] = parsed.streams[0]!.values[0]!;
  assert.equal(ts, `${T}000000`);
  assert.deepEqual(JSON.parse(line!), {
    id: eventId('north', motion),
    message: 'motion on door',
    type: 'event',
    kind: 'motion',
    start: T,
    end: T + 5000,
    source: 'onvif',
  });
  assert.equal(JSON.parse(parsed.streams[1]!.values[0]![1]!).picture, 'https://g.example/pic/1.jpg');
  assert.equal(JSON.parse(parsed.streams[0]!.values[1]![1]!).picture, undefined, 'no picture, no key');
  const status = JSON.parse(parsed.streams[2]!.values[0]![1]!);
  assert.equal(status.message, 'door: online → offline (refused)');
  assert.deepEqual(
    new Set(body.ids),
    new Set(parsed.streams.flatMap((s) => s.values.map((v) => JSON.parse(v[1]!).id)))
  );
});

test('ids are stable for the same row, and differ by site, camera, kind, start, source and transition', () => {
  const id = eventId('north', motion);
  assert.match(id, /^[0-9a-f]{32}$/);
  // The end is not identity: an event shipped before its end is known keeps its id.
  assert.equal(eventId('north', { ...motion, end: null }), id);
  const others = [
    eventId('south', motion),
    eventId('north', { ...motion, cameraId: 'yard' }),
    eventId('north', { ...motion, kind: 'person' }),
    eventId('north', { ...motion, start: T + 1 }),
    eventId('north', { ...motion, source: 'last_alarm' }),
  ];
  assert.equal(new Set([id, ...others]).size, 6);
  const change = { cameraId: 'door', time: T, from: 'online', to: 'offline', error: null } as const;
  assert.notEqual(statusChangeId('north', change), statusChangeId('north', { ...change, to: 'auth_failed' }));
  assert.equal(statusChangeId('north', change), statusChangeId('north', { ...change, error: 'other words' }));
});

test('a site name must be usable as a label and a file name', () => {
  assert.equal(checkSite('north-1.eu_west'), 'north-1.eu_west');
  for (const bad of ['', 'a b', '../x', 'x'.repeat(65), '"quoted"']) {
    assert.throws(() => checkSite(bad), /site must be/);
  }
});
