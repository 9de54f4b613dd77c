/**
 * Event pictures under pressure (issue 21): an event storm of 1,000 events across 40 cameras keeps
 * the folder under its size bound on disk (the oldest go), one picture per event, while polling and
 * history go on; a full disk is "no picture" and nothing else; privacy mode gets no picture; the
 * index survives a restart. The cameras are fake probes and a fake event source (the fleet, its
 * recorder and SQLite history are real); pictures come from a fake frame source, since what is
 * under test is what happens to them, not how ffmpeg makes them (event-pictures.test.ts does that).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_KINDS } from '../../../src/shared/query.ts';
import { writeFileAtomic } from '../../src/atomic-file.ts';
import type { FrameProvider } from '../../src/datasource/deps.ts';
import type { MotionSourceCallbacks } from '../../src/fleet/motion.ts';
import { EventPictureTaker } from '../../src/app/event-pictures.ts';
import { createLogger } from '../../src/log.ts';
import { eventPictureId } from '../../src/media/event-pictures/ids.ts';
import { EventPictureStore, type PictureFiles } from '../../src/media/event-pictures/store.ts';
import type { JpegPicture } from '../../src/media/types.ts';
import { startFleet, tempStore, until } from '../fleet/helpers.ts';
import { fakeCameraConfig, fakePoll } from '../helpers/fake-camera.ts';

const log = createLogger('silent');
const MiB = 1024 * 1024;

const pollOf = (privacyMode: boolean) => fakePoll({ personDetectionEnabled: true, privacyMode });
const cam = (id: string) => fakeCameraConfig(id, { pollIntervalMs: 100 });

/** A JPEG-framed buffer of about `size` bytes (the store does not decode pictures). */
function picture(cameraId: string, size: number, width: number): JpegPicture {
  const jpeg = Buffer.alloc(size, 0x55);
  jpeg.writeUInt16BE(0xffd8, 0);
  jpeg.writeUInt16BE(0xffd9, size - 2);
  return { cameraId, time: Date.now(), width, height: (width * 9) / 16, jpeg };
}

/** The frame source: the running stream's latest picture, and snapshots at the asked width. */
function fakeFrames(): FrameProvider & { snapshots: number } {
  const f = {
    snapshots: 0,
    subscribe: () => () => undefined,
    latest: (id: string) => picture(id, 20_000 + Math.floor(Math.random() * 10_000), 640),
    snapshot: async (id: string, o: { width?: number }) => {
      f.snapshots++;
      return picture(id, o.width === 160 ? 3000 : 25_000, o.width ?? 640);
    },
  };
  return f;
}

/** Bytes of the picture files in the folder, read from the disk. */
function diskBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.jpg')) {
      n += statSync(join(dir, name)).size;
    }
  }
  return n;
}

async function setup(t: { after: (fn: () => unknown) => void }, count: number, files?: (dir: string) => PictureFiles) {
  const root = mkdtempSync(join(tmpdir(), 'tapo-pictures-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'event-pictures');
  const { store } = await tempStore(t);
  const sources = new Map<string, MotionSourceCallbacks>();
  const privacy = new Set<string>();
  const cams = Array.from({ length: count }, (_v, i) => cam(`cam-${i}`));
  const { fleet, rec } = await startFleet(t, store, cams, {
    probeFactory: (c) => ({ poll: async () => pollOf(privacy.has(c.id)), close: async () => undefined }),
    motionSourceFactory: (c, cb) => {
      sources.set(c.id, cb);
      cb.state(true);
      return { source: 'onvif', stop: async () => undefined };
    },
  });
  await until(fleet, () => cams.every((c) => rec.polls.some((p) => p.cameraId === c.id)), 'a poll of every camera');
  const pictures = await EventPictureStore.open({
    dir,
    log,
    maxBytes: 2 * MiB,
    ...(files ? { files: files(dir) } : {}),
  });
  const frames = fakeFrames();
  const taker = new EventPictureTaker({ fleet, frames, store: pictures, log });
  taker.start();
  t.after(async () => {
    await taker.stop();
    await pictures.close();
  });
  return { dir, fleet, rec, store, sources, privacy, pictures, taker, frames, cams };
}

test('an event storm (1,000 events across 40 cameras) keeps the folder under its bound; polling and history go on', async (t) => {
  let maxOnDisk = 0;
  const measured: PictureFiles = {
    write: async (file, data) => {
      await writeFileAtomic(file, data);
      maxOnDisk = Math.max(maxOnDisk, diskBytes(join(file, '..')));
    },
    remove: (file) => import('node:fs/promises').then((fs) => fs.rm(file, { force: true })),
  };
  const s = await setup(t, 40, () => measured);
  const pollsBefore = new Map(s.cams.map((c) => [c.id, s.rec.polls.filter((p) => p.cameraId === c.id).length]));
  const t0 = Date.now();
  const sent: Array<{ cameraId: string; start: number; kind: (typeof EVENT_KINDS)[number] }> = [];
  for (let round = 0; round < 25; round++) {
    for (const [i, c] of s.cams.entries()) {
      const e = { cameraId: c.id, start: t0 + round * 10, kind: EVENT_KINDS[(round + i) % EVENT_KINDS.length]! };
      sent.push(e);
      s.sources.get(c.id)!.event({ ...e, end: null });
    }
    // Let polls and writes interleave with the storm, as they would on a real sidecar.
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(sent.length, 1000);
  await until(s.fleet, () => s.rec.events.length >= 1000, 'every event recorded');
  await s.taker.idle();

  assert.equal(s.taker.stats.taken, 1000, `one picture per event (${JSON.stringify(s.taker.stats)})`);
  assert.ok(
    maxOnDisk > 0 && maxOnDisk <= s.pictures.maxBytes,
    `at most ${s.pictures.maxBytes} B on disk, saw ${maxOnDisk}`
  );
  assert.ok(diskBytes(s.dir) <= s.pictures.maxBytes);
  const { count, bytes } = s.pictures.usage();
  assert.equal(bytes, diskBytes(s.dir), 'the store counts what is on disk');
  assert.ok(count > 20 && count < 1000, `${count} pictures kept`);
  assert.equal(s.pictures.stats.evicted, 1000 - count);
  // The oldest went, the newest stayed.
  assert.ok(!s.pictures.has(eventPictureId(sent[0]!)), 'the first picture went');
  assert.ok(
    sent.slice(-20).every((e) => s.pictures.has(eventPictureId(e))),
    'the newest are kept'
  );

  // History has every event, and every camera went on being polled during and after the storm.
  const stored = await s.fleet.events(
    s.cams.map((c) => c.id),
    t0 - 1,
    Date.now() + 1000
  );
  assert.equal(stored.length, 1000);
  await until(
    s.fleet,
    () => s.cams.every((c) => s.rec.polls.filter((p) => p.cameraId === c.id).length >= pollsBefore.get(c.id)! + 2),
    'two more polls of every camera'
  );
  const points = await s.fleet.points('cam-39', 0, Date.now() + 1000);
  assert.equal(points.length, s.rec.polls.filter((p) => p.cameraId === 'cam-39').length, 'every poll in history');
});

test('a full disk is "no picture": events, polls and history go on, and nothing is thrown', async (t) => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const s = await setup(t, 3, () => ({
    write: async () => {
      throw full;
    },
    remove: async () => undefined,
  }));
  const t0 = Date.now();
  for (let k = 0; k < 30; k++) {
    s.sources.get(`cam-${k % 3}`)!.event({ start: t0 + k, end: null, kind: 'motion' });
  }
  await until(s.fleet, () => s.rec.events.length >= 30, 'every event recorded');
  await s.taker.idle();
  assert.equal(s.taker.stats.taken, 0);
  assert.equal(s.taker.stats.notStored, 30);
  assert.equal(s.pictures.usage().count, 0);
  assert.equal((await s.fleet.events(['cam-0', 'cam-1', 'cam-2'], t0 - 1, Date.now() + 1000)).length, 30);
  const n = s.rec.polls.length;
  await until(s.fleet, () => s.rec.polls.length >= n + 6, 'polling goes on');
});

test('no picture while privacy mode is on, none for a late event, one per event otherwise', async (t) => {
  const s = await setup(t, 2, undefined);
  s.privacy.add('cam-1');
  await until(
    s.fleet,
    () => s.fleet.camera('cam-1')?.last?.privacyMode === true,
    "a poll that reports cam-1's privacy mode"
  );
  const now = Date.now();
  s.sources.get('cam-0')!.event({ start: now, end: null, kind: 'person' });
  s.sources.get('cam-0')!.event({ start: now, end: now + 500, kind: 'person' }); // its end: no second picture
  s.sources.get('cam-1')!.event({ start: now, end: null, kind: 'person' });
  s.sources.get('cam-0')!.event({ start: now - 3_600_000, end: null, kind: 'motion' }); // learnt an hour late
  await until(s.fleet, () => s.rec.events.length >= 4, 'the events');
  await s.taker.idle();
  assert.deepEqual(s.taker.stats, { taken: 1, privacy: 1, late: 1, failed: 0, notStored: 0 });
  assert.ok(s.pictures.has(eventPictureId({ cameraId: 'cam-0', start: now, kind: 'person' })));
  assert.ok(!s.pictures.has(eventPictureId({ cameraId: 'cam-1', start: now, kind: 'person' })));
  assert.equal(s.pictures.meta(eventPictureId({ cameraId: 'cam-0', start: now, kind: 'person' }))!.thumbnail, true);

  // The index survives a restart; files the index does not name are removed.
  await s.pictures.close();
  const again = await EventPictureStore.open({ dir: s.dir, log, maxBytes: 2 * MiB });
  assert.deepEqual(again.usage(), s.pictures.usage());
  assert.ok(again.has(eventPictureId({ cameraId: 'cam-0', start: now, kind: 'person' })));
  await again.close();
});
