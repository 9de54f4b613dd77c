/**
 * The camera's own recordings through the composition root, against a simulated camera with an SD
 * card and its port-8800 media server (the camera entry names its media port, as the demo's do):
 * the recordings query (clips and timeline, a refresh served from the cache without asking the
 * camera again, a camera without a card as a notice), a clip played on its Live playback channel
 * as fMP4 that ffprobe decodes and that ends with PLAYBACK_END, the busy message while the Tapo app
 * holds the camera's media session, and the MP4 download for Editors (refused for Viewers).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { startPlaybackServer, type PlaybackServer } from '../../src/simulator/playback8800.ts';
import {
  PLAYBACK_END,
  RECORDING_FIELDS as F,
  channels,
  resources,
  type EventRecording,
  type EventRecordingRefusal,
} from '../../../src/shared/query.ts';
import { topLevelBoxes } from '../helpers/mp4-boxes.ts';
import { ffprobeJson } from '../helpers/ffprobe.ts';
import { SMALL_STREAM, yesterdayWindow } from '../helpers/sim-hub.ts';
import { getRequest } from '../helpers/resource-request.ts';
import {
  cameraEntry,
  cameraList,
  playToEnd,
  recordingsQuery,
  startStandaloneApp,
  streamRows,
  waitFor,
  type StandaloneApp,
} from '../helpers/standalone-app.ts';

const resource = (path: string, role = 'Viewer') => getRequest(path, role);

let sidecar: StandaloneApp;
let dir: string;
let cam: SimulatedCamera;
let bare: SimulatedCamera;
let media: PlaybackServer;
let app: StandaloneApp['app'];
// Yesterday in the camera's zone: a past day (cached for minutes), fully recorded.
const w = yesterdayWindow();
const CLIPS = [
  { start: w.start + 3600, end: w.start + 3604, videoType: 2, events: [2] },
  { start: w.start + 7200, end: w.start + 7203, videoType: 2, events: [2, 6] },
  { start: w.start + 7204, end: w.start + 7210, videoType: 2, events: [2, 8] },
];

before(async () => {
  cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Porch' });
  cam.device.card.clear();
  CLIPS.forEach((c) => cam.device.card.record(c));
  bare = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Attic' });
  bare.device.card.state = 'none';
  media = await startPlaybackServer({
    host: '127.0.0.1',
    port: 0,
    password: cam.cloudPassword,
    card: cam.device.card,
    name: cam.name,
    spec: SMALL_STREAM,
    playbackSpeed: 4,
    downloadSpeed: 20,
  });
  sidecar = await startStandaloneApp([
    cameraEntry('porch', cam, [`    stream_port: ${media.port}`]),
    cameraEntry('attic', bare),
  ]);
  ({ app, dir } = sidecar);
});
after(async () => {
  await sidecar?.stop();
  await Promise.allSettled([media?.close(), cam?.close(), bare?.close()]);
});

/** Arrow time values are nanoseconds (BigInt). */
const ms = (v: unknown) => Number(BigInt(v as bigint) / 1_000_000n);

const query = async (json: { cameras: string[] } & Record<string, unknown>) =>
  (await recordingsQuery(app, json.cameras, w.start, w.end, json)).frames;

/** Waits (bounded) until the fleet has logged in to both cameras: the searches use its clients. */
async function connected(): Promise<void> {
  await waitFor(
    async () => {
      const list = await cameraList(app);
      return list.length === 2 && list.every((c) => c.status === 'online');
    },
    'both cameras online',
    15_000
  );
}

test('the recordings query: the day clips with their events, a timeline, the cache, a card-less camera as a notice', async () => {
  await connected();
  const [clips] = await query({ cameras: ['porch', 'attic'] });
  assert.deepEqual(
    clips.col(F.time).map(ms),
    CLIPS.map((c) => c.start * 1000)
  );
  assert.deepEqual(clips.col(F.event), ['Motion', 'Person', 'Vehicle']);
  assert.deepEqual(clips.col(F.events), ['Motion', 'Person, Motion', 'Vehicle, Motion']);
  assert.deepEqual(clips.col(F.durationS).map(Number), [5, 4, 7]);
  assert.equal(
    clips.col(F.playbackChannel)[0],
    `ds//${channels.cameraPlayback('porch', CLIPS[0].start, CLIPS[0].end)}`
  );
  assert.equal(clips.col(F.download)[1], resources.recordingDownload('porch', CLIPS[1].start, CLIPS[1].end));
  assert.deepEqual(clips.meta.notices, [{ severity: 'warning', text: 'Attic: the camera has no SD card' }]);

  // A refresh is answered from the cache: the camera is not asked again.
  const before = cam.stats.apiRequests;
  await query({ cameras: ['porch'] });
  assert.equal(cam.stats.apiRequests, before, 'no request reached the camera');

  // Timeline: the label from each start, a gap (null) after a clip unless the next one follows at once.
  const [timeline] = await query({ cameras: ['porch'], recordings: { format: 'timeline' } });
  assert.deepEqual(timeline.col(F.time).map(ms), [
    CLIPS[0].start * 1000,
    (CLIPS[0].end + 1) * 1000,
    CLIPS[1].start * 1000,
    CLIPS[2].start * 1000,
    (CLIPS[2].end + 1) * 1000,
  ]);
  assert.deepEqual(timeline.col('Porch'), ['Motion', null, 'Person', 'Vehicle', null]);
});

test("an event's recording: the clip that holds its time from a few seconds before, from the cache; nothing there, no card", async () => {
  await connected();
  const at = async (id: string, t: number, role = 'Viewer') => {
    const r = await app.handlers.callResource(resource(resources.recordingAt(id, t), role));
    return { code: r.code, body: JSON.parse(r.body.toString()) as EventRecording & EventRecordingRefusal };
  };
  // An event 6 s into the vehicle clip: that clip, from the lead (5 s) before the event.
  const inside = await at('porch', CLIPS[2].start + 6);
  assert.equal(inside.code, 200);
  assert.deepEqual(inside.body, {
    cameraId: 'porch',
    cameraName: 'Porch',
    start: CLIPS[2].start,
    end: CLIPS[2].end,
    event: 'Vehicle',
    events: 'Vehicle, Motion',
    offsetS: 1,
    channel: channels.cameraPlayback('porch', CLIPS[2].start, CLIPS[2].end),
    download: resources.recordingDownload('porch', CLIPS[2].start, CLIPS[2].end),
  });
  // Learnt a little before the camera began its clip: that clip, from its start.
  const before = await at('porch', CLIPS[0].start - 12);
  assert.equal(before.body.start, CLIPS[0].start);
  assert.equal(before.body.offsetS, 0);
  // The same day again: no request reaches the camera.
  const asked = cam.stats.apiRequests;
  await at('porch', CLIPS[1].start + 1);
  assert.equal(cam.stats.apiRequests, asked, 'answered from the cached searches');

  const nothing = await at('porch', CLIPS[0].end + 600);
  assert.equal(nothing.code, 404);
  assert.deepEqual(nothing.body, { error: 'Porch: nothing on the SD card at that time', reason: 'nothing' });
  const none = await at('attic', CLIPS[0].start);
  assert.equal(none.code, 404);
  assert.deepEqual(none.body, { error: 'Attic: the camera has no SD card', reason: 'no_card' });
  // A recent event whose clip the camera closed after the last search: found by a fresh one.
  const t = Math.floor(Date.now() / 1000) - 30;
  assert.equal((await at('porch', t)).code, 404);
  cam.device.card.record({ start: t - 3, end: t + 9, videoType: 2, events: [2, 6] });
  const closed = await at('porch', t);
  assert.equal(closed.code, 200);
  assert.deepEqual([closed.body.start, closed.body.end, closed.body.event], [t - 3, t + 9, 'Person']);
  assert.equal((await at('garden', CLIPS[0].start)).code, 404);
  assert.equal((await at('porch', CLIPS[0].start, '')).code, 403);
});

test('a clip plays on its Live channel as fMP4 that ffprobe decodes, and ends with PLAYBACK_END', async () => {
  await connected();
  const clip = CLIPS[1];
  const { rows, problems } = await playToEnd(app, channels.cameraPlayback('porch', clip.start, clip.end));
  assert.deepEqual(problems, [PLAYBACK_END]);
  const first = rows.findIndex((r) => r.kind === 'init');
  assert.equal(first, 0, 'an init segment first');
  const fragments = rows.filter((r) => r.kind === 'fragment');
  // 4 s at 15 fps; playback stops at the first picture of the next clip.
  assert.ok(fragments.length >= 58 && fragments.length <= 60, `${fragments.length} pictures`);
  assert.ok(fragments.every((r) => Number(r.time) >= clip.start * 1000 && Number(r.time) < (clip.end + 1) * 1000));
  const file = join(dir, 'playback.mp4');
  const pieces = rows.filter((r, i) => (r.kind === 'init' && i === 0) || r.kind === 'fragment');
  writeFileSync(file, Buffer.concat(pieces.map((r) => Buffer.from(r.data as string, 'base64'))));
  const { frames } = await ffprobeJson<{ frames: Array<{ width: number }> }>(file, 'frame=width');
  assert.ok(frames.length >= 58, `ffprobe decoded ${frames.length} pictures`);
  assert.ok(frames.every((f) => f.width === 320));
});

test("busy (the Tapo app holds the session) and no card are the channel's message, never a hung stream", async () => {
  await connected();
  media.holdSession(true);
  try {
    const { problems } = await playToEnd(app, channels.cameraPlayback('porch', CLIPS[0].start, CLIPS[0].end));
    assert.match(String(problems[0]), /another client holds the camera's one media session/);
  } finally {
    media.holdSession(false);
  }
  const { rows: none } = await playToEnd(app, channels.cameraPlayback('attic', CLIPS[0].start, CLIPS[0].end));
  assert.match(String(none[0].error), /media port cannot be reached|SD card/);
  const tooLong = await streamRows(app, channels.cameraPlayback('porch', 100, 100 + 7200), (r) => r.length > 0);
  assert.match(String(tooLong[0].error), /at most 60 minutes/);
});

test('the MP4 download: Editors get a progressive MP4 (ffprobe reads its duration), Viewers are refused', async () => {
  await connected();
  const clipDirsBefore = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('tapo-clip-')));
  const clip = CLIPS[0];
  const path = resources.recordingDownload('porch', clip.start, clip.end);
  const viewer = await app.handlers.callResource(resource(path, 'Viewer'));
  assert.equal(viewer.code, 403);
  assert.match(viewer.body.toString(), /Editor or Admin/);
  const res = await app.handlers.callResource(resource(path, 'Editor'));
  assert.equal(res.code, 200);
  assert.deepEqual(res.headers['Content-Type']?.values, ['video/mp4']);
  assert.match(res.headers['Content-Disposition']!.values[0], /^attachment; filename="porch-\d{8}T\d{6}Z\.mp4"$/);
  const parts: Buffer[] = [res.body];
  for await (const b of res.stream!) {
    parts.push(b);
  }
  const mp4 = Buffer.concat(parts);
  assert.deepEqual(res.headers['Content-Length']?.values, [String(mp4.length)]);
  const file = join(dir, 'download.mp4');
  writeFileSync(file, mp4);
  const probed = await ffprobeJson<{
    streams: Array<{ nb_read_frames: string; width: number }>;
    format: { duration: string };
  }>(file, 'stream=nb_read_frames,width:format=duration', { countFrames: true });
  const s = probed.streams[0]!;
  assert.equal(s.width, 320);
  // 5 s at 15 fps, and a file that says how long it is.
  assert.ok(Number(s.nb_read_frames) >= 74 && Number(s.nb_read_frames) <= 75, `${s.nb_read_frames} pictures`);
  const duration = Number(probed.format.duration);
  assert.ok(duration >= 4.9 && duration <= 5.1, `duration ${probed.format.duration} s`);
  // A regular MP4 with its index in front (+faststart): ftyp, moov, then the pictures; no fragments.
  assert.deepEqual(topLevelBoxes(mp4).slice(0, 2), ['ftyp', 'moov']);
  assert.ok(topLevelBoxes(mp4).includes('mdat'));
  assert.ok(!topLevelBoxes(mp4).includes('moof'), 'not fragmented');

  // A browser that goes away stops the camera's download: its one media session is freed early.
  const long = { start: w.start + 20_000, end: w.start + 20_059, videoType: 2, events: [2] };
  cam.device.card.record(long);
  const partsBefore = media.stats().parts;
  const sessionsBefore = media.stats().sessions;
  // The end of this download's session (ids are 20 + its number), not of an earlier one.
  const ended = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the camera session did not end within 10 s')), 10_000);
    const onEnd = (id: string) => {
      if (Number(id) - 20 > sessionsBefore) {
        clearTimeout(timer);
        media.events.off('end', onEnd);
        resolve();
      }
    };
    media.events.on('end', onEnd);
  });
  // Grafana cancels the call once the camera has sent a few pictures.
  const cancel = new AbortController();
  const onPart = () => {
    if (media.stats().parts - partsBefore >= 30) {
      media.events.off('part', onPart);
      cancel.abort();
    }
  };
  media.events.on('part', onPart);
  const gone = await app.handlers.callResource(
    resource(resources.recordingDownload('porch', long.start, long.end), 'Editor'),
    cancel.signal
  );
  assert.equal(gone.code, 499);
  assert.equal(gone.stream, undefined);
  await ended;
  const sent = media.stats().parts - partsBefore;
  assert.ok(sent < 60 * 15, `the camera stopped early (${sent} of ${60 * 15} pictures sent)`);
  assert.deepEqual(
    readdirSync(tmpdir())
      .filter((f) => f.startsWith('tapo-clip-'))
      .filter((f) => !clipDirsBefore.has(f)),
    [],
    'no temporary MP4 left behind'
  );

  const bad = await app.handlers.callResource(resource(resources.recordingDownload('porch', 200, 100), 'Admin'));
  assert.equal(bad.code, 400);
  const outside = await app.handlers.callResource(resource('cameras/porch/recordings/../../etc/passwd.mp4', 'Admin'));
  assert.equal(outside.code, 404);
});

test('without a working ffmpeg the download is the fragmented MP4 as the camera sends it, still playable', async () => {
  await connected();
  const noFfmpeg = await startStandaloneApp(
    [cameraEntry('porch', cam, [`    stream_port: ${media.port}`], { pollSeconds: null })],
    { args: (other) => ['--ffmpeg', join(other, 'no-ffmpeg')] }
  );
  const { app: bare, dir: other } = noFfmpeg;
  try {
    const clip = CLIPS[1];
    const res = await bare.handlers.callResource(
      resource(resources.recordingDownload('porch', clip.start, clip.end), 'Editor')
    );
    assert.equal(res.code, 200, res.body.toString());
    const parts: Buffer[] = [res.body];
    for await (const b of res.stream!) {
      parts.push(b);
    }
    const mp4 = Buffer.concat(parts);
    assert.ok(topLevelBoxes(mp4).includes('moof'), 'fragments, as the camera sent them');
    const file = join(other, 'fragmented.mp4');
    writeFileSync(file, mp4);
    const { streams } = await ffprobeJson<{ streams: Array<{ nb_read_frames: string }> }>(
      file,
      'stream=nb_read_frames',
      { countFrames: true }
    );
    // 4 s at 15 fps.
    const n = Number(streams[0]!.nb_read_frames);
    assert.ok(n >= 59 && n <= 60, `${n} pictures`);
  } finally {
    await noFfmpeg.stop();
  }
});
