/**
 * A camera's SD-card recordings over port 8800 (media/hubstream/recording-session.ts) against the
 * simulated camera's playback server: download (fast, stops at end_time with `finished`) and
 * playback (runs on past the end: we stop it), window acks and the `do stop`, the camera's one
 * media session (a second one, or the Tapo app holding it, is refused as busy), no card, a
 * garbled part, a clip that ends early, a corrupt segment, and nothing recorded in the window.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { startPlaybackServer } from '../../src/simulator/playback8800.ts';
import { RecordingSession, type RecordingMode } from '../../src/media/hubstream/recording-session.ts';
import { hashedPassword } from '../../src/media/hubstream/cipher.ts';
import type { MediaError } from '../../src/media/types.ts';
import type { AccessUnit, StreamInfo } from '../../src/media/video/types.ts';
import { waitFor } from '../tapo/helpers.ts';

const PASSWORD = 'Cl0ud pa$$:word';
// Small and quick to encode once (cached on disk like every simulated clip): 30 fps, a keyframe a second.
const SPEC = { width: 320, height: 180, fps: 30, kbps: 300, gop: 30 };
const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Card Cam', cloudPassword: PASSWORD });
const card = cam.device.card;
const server = await startPlaybackServer({
  host: '127.0.0.1',
  port: 0,
  password: PASSWORD,
  card,
  name: cam.name,
  spec: SPEC,
  // Real cameras play at 1× and download at ~10×; the test hurries both (the pace is not what it checks).
  playbackSpeed: 4,
  downloadSpeed: 20,
});
after(async () => {
  await server.close();
  await cam.close();
});

const T0 = Date.parse('2026-05-04T10:00:00Z') / 1000;

interface Run {
  session: RecordingSession;
  aus: Array<{ au: AccessUnit; pts: number | null }>;
  infos: StreamInfo[];
  /** Settles when the session is done or ended: null for a complete clip, else why it ended. */
  outcome: Promise<MediaError | null>;
}

function open(mode: RecordingMode, start: number, end: number, o: { password?: string; window?: number } = {}): Run {
  const aus: Run['aus'] = [];
  const infos: StreamInfo[] = [];
  let settle!: (e: MediaError | null) => void;
  const outcome = new Promise<MediaError | null>((r) => (settle = r));
  const session = new RecordingSession({
    cameraId: 'card-cam',
    host: '127.0.0.1',
    port: server.port,
    password: o.password ?? PASSWORD,
    mode,
    start,
    end,
    window: o.window ?? 10,
    timeoutMs: 5000,
    onInfo: (i) => infos.push(i),
    onAccessUnit: (au, pts) => aus.push({ au: { ...au, nalus: au.nalus.map((n) => Buffer.from(n)) }, pts }),
    onDone: () => settle(null),
    onEnd: (e) => settle(e),
  });
  return { session, aus, infos, outcome };
}

async function refusal(run: Run): Promise<MediaError> {
  return run.session.start().then(
    () => assert.fail('the camera should refuse'),
    (e: MediaError) => e
  );
}

function assertNoSecret(text: string): void {
  for (const s of [
    PASSWORD,
    encodeURIComponent(PASSWORD),
    hashedPassword(PASSWORD, true),
    hashedPassword(PASSWORD, false),
  ]) {
    assert.ok(!text.includes(s), `a secret leaked into: ${text}`);
  }
}

function reset(): void {
  card.clear();
  card.state = 'normal';
  server.holdSession(false);
}

test('download: the window, every picture from a keyframe on, acked within the window, then stop', async () => {
  reset();
  card.record({ start: T0, end: T0 + 2, videoType: 2, events: [2] });
  const acksBefore = server.stats().acks;
  const run = open('download', T0, T0 + 2, { window: 10 });
  const stopped = waitFor(server.events, 'stop');
  await run.session.start();
  assert.equal(await run.outcome, null);
  await stopped; // our `do stop` reached the camera, which frees its media session
  assert.equal(run.infos[0]?.codec, 'h264');
  assert.equal(run.infos[0]?.width, 320);
  // 3 s at 30 fps (the last picture may stay in the demuxer's hands until flushed).
  assert.ok(run.aus.length >= 89 && run.aus.length <= 90, `${run.aus.length} pictures`);
  assert.equal(run.aus[0].au.keyframe, true);
  assert.ok(run.aus.every((a) => a.pts !== null && a.pts >= T0 * 1000 && a.pts < (T0 + 3) * 1000));
  assert.ok(server.stats().acks - acksBefore >= 8, 'acked every half window');
  assert.ok(server.stats().maxUnacked <= 10, `never more than the window unacked (${server.stats().maxUnacked})`);
  assert.ok(run.session.stats.acks >= 8);
});

test('playback runs on into the next recording; we stop at the end of the clip asked for', async () => {
  reset();
  card.record({ start: T0, end: T0 + 1, videoType: 2, events: [2] });
  card.record({ start: T0 + 2, end: T0 + 5, videoType: 2, events: [2, 6] });
  const run = open('playback', T0, T0 + 1);
  const stopped = waitFor(server.events, 'stop');
  await run.session.start();
  assert.equal(await run.outcome, null);
  await stopped;
  assert.ok(run.aus.length >= 55 && run.aus.length <= 60, `${run.aus.length} pictures`);
  assert.ok(
    run.aus.every((a) => a.pts !== null && a.pts < (T0 + 2) * 1000),
    'nothing of the next clip'
  );
});

test('one media session per camera: a second one is refused as busy, and so is one while the Tapo app holds it', async () => {
  reset();
  card.record({ start: T0, end: T0 + 600, videoType: 2, events: [2] });
  const first = open('playback', T0, T0 + 600);
  await first.session.start();
  await waitFor(server.events, 'part');
  const second = await refusal(open('download', T0, T0 + 10));
  assert.equal(second.kind, 'stream_busy');
  assert.match(second.message, /another client holds the camera's one media session/);
  const ended = waitFor(server.events, 'end');
  first.session.close();
  await ended;
  // Free again: a third session plays.
  const third = open('download', T0, T0 + 1);
  await third.session.start();
  assert.equal(await third.outcome, null);

  server.holdSession(true);
  const held = await refusal(open('playback', T0, T0 + 1));
  assert.equal(held.kind, 'stream_busy');
  assertNoSecret(held.message);
});

test('no card and a broken card are refused with words; a wrong password is auth_failed without the secret', async () => {
  reset();
  card.state = 'none';
  const none = await refusal(open('download', T0, T0 + 1));
  assert.equal(none.kind, 'no_card');
  assert.match(none.message, /SD card is missing or unreadable/);
  card.state = 'broken';
  assert.equal((await refusal(open('playback', T0, T0 + 1))).kind, 'no_card');
  card.state = 'normal';
  const wrong = await refusal(open('download', T0, T0 + 1, { password: 'not-it' }));
  assert.equal(wrong.kind, 'auth_failed');
  assertNoSecret(wrong.message);
});

test('a garbled media part costs its pictures up to the next keyframe; the clip still completes', async () => {
  reset();
  card.record({ start: T0, end: T0 + 2, videoType: 2, events: [2] });
  const run = open('download', T0, T0 + 2);
  server.corruptParts(3);
  const before = server.stats().corruptedParts;
  await run.session.start();
  assert.equal(await run.outcome, null);
  assert.equal(server.stats().corruptedParts - before, 3);
  assert.equal(run.session.stats.corruptParts, 3);
  // The first three parts were garbled: the first picture shown is the next keyframe (1 s in).
  assert.equal(run.aus[0].au.keyframe, true);
  assert.ok(run.aus[0].pts! >= (T0 + 1) * 1000, 'resumed at the next keyframe');
});

test('a clip that ends early, a corrupt segment and an empty window end with words, never a hang', async () => {
  reset();
  card.record({ start: T0, end: T0 + 3, videoType: 2, events: [2], readable: 0.5 });
  const early = open('download', T0, T0 + 3);
  await early.session.start();
  const e1 = await early.outcome;
  assert.equal(e1?.kind, 'stream_ended');
  assert.match(e1!.message, /ended early.*after 2 of 4 s/);

  reset();
  card.record({ start: T0, end: T0 + 3, videoType: 2, events: [2], corrupt: true });
  const corrupt = open('playback', T0, T0 + 3);
  await corrupt.session.start();
  const e2 = await corrupt.outcome;
  assert.equal(e2?.kind, 'stream_ended');
  assert.match(e2!.message, /internal_error/);

  reset();
  card.record({ start: T0 + 100, end: T0 + 110, videoType: 2, events: [2] });
  const empty = open('download', T0, T0 + 50);
  await empty.session.start();
  const e3 = await empty.outcome;
  assert.equal(e3?.kind, 'not_found');
  assert.match(e3!.message, /nothing recorded there/);
});
