/** The frame pipeline's failures: typed, secret-free, never a crash. Plus snapshots. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { checkFfmpeg } from '../../src/media/ffmpeg.ts';
import { jpegSize } from '../../src/media/jpeg.ts';
import { MediaError } from '../../src/media/types.ts';
import { buildRtspUrl, maskUrl } from '../../src/tapo/rtsp.ts';
import { nextEvent, deadline, until } from './helpers.ts';

const PASSWORD = 'S3cret:Pass@word';
let sim: SimRtspServer;

before(async () => {
  sim = await startSimRtspServer({ name: 'Drive', username: 'viewer', password: PASSWORD });
  // The clips are encoded once per camera name and cached: not inside a test's deadline.
  await sim.prepare();
});
after(async () => {
  await sim.close();
});

function src(id: string, password = PASSWORD, port = sim.port, stream: 'stream1' | 'stream2' = 'stream2') {
  const url = buildRtspUrl({ host: '127.0.0.1', port, username: 'viewer', password, stream });
  return { cameraId: id, url, maskedUrl: maskUrl(url) };
}

function noSecret(e: MediaError, secret: string): void {
  for (const s of [secret, encodeURIComponent(secret)]) {
    assert.ok(!e.message.includes(s), `secret in message: ${e.message}`);
    assert.ok(!JSON.stringify(e).includes(s));
  }
}

function firstError(
  p: FramePipeline,
  source: ReturnType<typeof src>
): Promise<{ err: MediaError; unsubscribe: () => void }> {
  return new Promise((resolve) => {
    const unsubscribe = p.subscribe(
      source,
      { fps: 2, width: 160, onError: (err) => resolve({ err, unsubscribe }) },
      () => undefined
    );
  });
}

test('checkFfmpeg reports a working ffmpeg, a missing one, and a binary that is not ffmpeg', async () => {
  const ok = await checkFfmpeg('ffmpeg');
  assert.equal(ok.ok, true);
  assert.ok(ok.ok && /^ffmpeg version/.test(ok.version));
  const missing = await checkFfmpeg('/nonexistent/bin/ffmpeg');
  assert.equal(missing.ok, false);
  assert.ok(!missing.ok && missing.error instanceof MediaError && missing.error.kind === 'ffmpeg_missing');
  const wrong = await checkFfmpeg('/bin/false');
  assert.ok(!wrong.ok && wrong.error.kind === 'ffmpeg_failed');
});

test('a missing ffmpeg is a clear typed error for subscribers and snapshots, never a crash', async () => {
  const p = new FramePipeline({ ffmpegPath: '/nonexistent/bin/ffmpeg', backoffInitialMs: 50, backoffMaxMs: 200 });
  try {
    const { err, unsubscribe } = await deadline(firstError(p, src('nof')), 5000, 'the missing ffmpeg error');
    assert.equal(err.kind, 'ffmpeg_missing');
    assert.match(err.message, /ffmpeg not found at "\/nonexistent\/bin\/ffmpeg"/);
    assert.equal(err.cameraId, 'nof');
    // It keeps retrying with backoff without throwing anywhere.
    await until(() => p.cameraStats('nof')[0].restarts >= 2, 5000, 'retries');
    unsubscribe();
    const snap = await p.snapshot(src('nof2')).then(
      () => null,
      (e: unknown) => e
    );
    assert.ok(snap instanceof MediaError && snap.kind === 'ffmpeg_missing');
    assert.equal(p.stats().ffmpegRunning, 0);
  } finally {
    await p.close();
  }
});

test('a wrong camera password is auth_failed, with the URL masked and the password nowhere', async () => {
  const p = new FramePipeline({ backoffInitialMs: 100, backoffMaxMs: 400 });
  try {
    const wrong = 'Wr0ng:P@ss';
    const s = src('auth', wrong);
    const { err, unsubscribe } = await deadline(firstError(p, s), 15_000, 'the auth error');
    assert.equal(err.kind, 'auth_failed');
    assert.match(err.message, /camera account/);
    assert.ok(err.message.includes(s.maskedUrl), err.message);
    noSecret(err, wrong);
    // Retried with backoff.
    const again = await nextEvent<{ error?: MediaError }>(p.events, 'ffmpeg-exit', 15_000, (e) => !!e.error);
    assert.equal(again.error?.kind, 'auth_failed');
    assert.ok(p.cameraStats('auth')[0].restarts >= 1);
    unsubscribe();
  } finally {
    await p.close();
  }
});

test('a camera that serves no more streams is stream_busy; nothing listening is unreachable', async () => {
  const full = await startSimRtspServer({ name: 'Full', username: 'viewer', password: PASSWORD, maxSessions: 0 });
  const p = new FramePipeline({ backoffInitialMs: 1000 });
  try {
    const busy = await deadline(firstError(p, src('busy', PASSWORD, full.port)), 15_000, 'the busy error');
    assert.equal(busy.err.kind, 'stream_busy');
    assert.match(busy.err.message, /maximum of streams/);
    busy.unsubscribe();
    // A port with nothing behind it.
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const gone = await deadline(firstError(p, src('gone', PASSWORD, free)), 15_000, 'the unreachable error');
    assert.equal(gone.err.kind, 'unreachable');
    gone.unsubscribe();
  } finally {
    await p.close();
    await full.close();
  }
});

test('invalid sources and a closed pipeline throw typed errors at once', async () => {
  const p = new FramePipeline();
  assert.throws(
    () => p.subscribe({ cameraId: '', url: 'rtsp://h/x', maskedUrl: '' }, {}, () => undefined),
    (e: unknown) => e instanceof MediaError && e.kind === 'invalid_source'
  );
  assert.throws(
    () => p.subscribe({ cameraId: 'c', url: 'http://h/x', maskedUrl: 'http://h/x' }, {}, () => undefined),
    (e: unknown) => e instanceof MediaError && e.kind === 'invalid_source'
  );
  await assert.rejects(
    p.snapshot({ cameraId: 'c', url: 'file:///etc/passwd', maskedUrl: '' }),
    (e: unknown) => e instanceof MediaError && e.kind === 'invalid_source'
  );
  await p.close();
  assert.throws(
    () => p.subscribe(src('x'), {}, () => undefined),
    (e: unknown) => e instanceof MediaError && e.kind === 'closed'
  );
  await assert.rejects(p.snapshot(src('x')), (e: unknown) => e instanceof MediaError && e.kind === 'closed');
});

test('snapshot grabs a fresh picture at the asked width, then serves the latest while it is fresh', async () => {
  const p = new FramePipeline({ idleMs: 5000, snapshotMaxAgeMs: 10_000 });
  try {
    let starts = 0;
    p.events.on('ffmpeg-start', () => starts++);
    const a = await p.snapshot(src('snap', PASSWORD, sim.port, 'stream1'), { width: 400 });
    assert.deepEqual(jpegSize(a.jpeg), { width: 400, height: 226 });
    assert.deepEqual([a.width, a.height], [400, 226]);
    const b = await p.snapshot(src('snap', PASSWORD, sim.port, 'stream1'), { width: 400 });
    assert.ok(b.time >= a.time);
    assert.equal(starts, 1, 'the second snapshot reused the running stream or its latest frame');
    assert.equal(p.latest('snap', 400)?.width, 400);
    // A picture that cannot arrive in time is a timeout error.
    const late = await p.snapshot(src('snap-late'), { timeoutMs: 1 }).catch((e: unknown) => e);
    assert.ok(late instanceof MediaError && late.kind === 'timeout', String(late));
    // A refused camera account fails the snapshot with the reason.
    const slow = await p.snapshot(src('snap-auth', 'bad'), { timeoutMs: 20_000 }).catch((e: unknown) => e);
    assert.ok(slow instanceof MediaError && slow.kind === 'auth_failed', String(slow));
    noSecret(slow, 'bad');
  } finally {
    await p.close();
  }
});

test('a consumer that throws does not break the pipeline or other consumers', async () => {
  const p = new FramePipeline({ idleMs: 100 });
  try {
    let good = 0;
    let bad = 0;
    const u1 = p.subscribe(src('throw'), { fps: 5, width: 160 }, () => {
      bad++;
      throw new Error('consumer bug');
    });
    const u2 = p.subscribe(src('throw'), { fps: 5, width: 160 }, async () => {
      good++;
      throw new Error('async consumer bug');
    });
    await deadline(
      new Promise<void>((resolve) => {
        const u3 = p.subscribe(src('throw'), { fps: 5, width: 160 }, () => {
          if (good >= 3 && bad >= 3) {
            u3();
            resolve();
          }
        });
      }),
      15_000,
      'frames despite throwing consumers'
    );
    u1();
    u2();
  } finally {
    await p.close();
  }
});
