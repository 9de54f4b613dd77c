/**
 * The hub's port-8800 stream end to end against the simulated hub: Digest, key exchange, AES-CBC
 * parts, MPEG-TS demux, the loop carried on without a gap, a corrupted part, wrong password,
 * unknown and sleeping children, one HubStreamFeeds session for two subscribers, and a JPEG from
 * a child through the frame pipeline.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { decryptPart, hashedPassword, partCipher } from '../../src/media/hubstream/cipher.ts';
import { HubStreamSession, hubStreamUrl } from '../../src/media/hubstream/session.ts';
import { HubStreamFeeds } from '../../src/media/hubstream/feeds.ts';
import { PartReader, encodePart } from '../../src/media/hubstream/multipart.ts';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { MediaError } from '../../src/media/types.ts';
import type { AccessUnit, StreamInfo } from '../../src/media/video/types.ts';
import { startHubStreamServer } from '../../src/simulator/hub/stream8800.ts';

const PASSWORD = 'Cl0ud pa$$:word';
const SECRETS = [
  PASSWORD,
  encodeURIComponent(PASSWORD),
  hashedPassword(PASSWORD, true),
  hashedPassword(PASSWORD, false),
];
// Small and quick to encode once (cached on disk like every simulated clip): 4 s at 30 fps.
const SPEC = { width: 320, height: 180, fps: 30, kbps: 300, gop: 30 };
const children = [
  { deviceId: 'C420-DOOR', name: 'Front door', model: 'C420' },
  { deviceId: 'D230-BELL', name: 'Doorbell', model: 'D230' },
];

const server = await startHubStreamServer({
  host: '127.0.0.1',
  port: 0,
  password: PASSWORD,
  children,
  specs: { main: SPEC, sub: SPEC },
});
after(() => server.close());

function urlOf(deviceId: string, password = PASSWORD) {
  return hubStreamUrl({ host: '127.0.0.1', port: server.port, password, deviceId });
}

function assertNoSecret(text: string): void {
  for (const s of SECRETS) {
    assert.ok(!text.includes(s), `a secret leaked into: ${text}`);
  }
}

/** A session that collects until `until` says enough (bounded by the session's own timeouts). */
function session(deviceId: string, until: (aus: AccessUnit[]) => boolean, password = PASSWORD) {
  const aus: AccessUnit[] = [];
  const infos: StreamInfo[] = [];
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const s = new HubStreamSession({
    cameraId: `hub-${deviceId}`,
    stream: 'sub',
    ...urlOf(deviceId, password),
    timeoutMs: 60_000,
    onInfo: (i) => infos.push(i),
    onAccessUnit: (a) => {
      aus.push(a);
      if (until(aus)) {
        resolveDone();
      }
    },
    onEnd: (e) => rejectDone(e),
  });
  return { s, aus, infos, done };
}

test('password hash, part key and IV as the fact sheet derives them; a part decrypts; a cut part is refused', () => {
  assert.equal(hashedPassword('abc', false), '900150983CD24FB0D6963F7D28E17F72');
  assert.equal(hashedPassword('abc', true), createHash('sha256').update('abc').digest('hex').toUpperCase());
  const c = partCipher('00ff', 'HASH', 'admin');
  assert.deepEqual(c.key, createHash('md5').update('00ff:HASH').digest());
  assert.deepEqual(c.iv, createHash('md5').update('admin:00ff').digest());
  const plain = Buffer.alloc(188 * 3, 0x47);
  const e = createCipheriv('aes-128-cbc', c.key, c.iv);
  const body = Buffer.concat([e.update(plain), e.final()]);
  assert.deepEqual(decryptPart(c, body), plain);
  assert.throws(() => decryptPart(c, body.subarray(0, body.length - 5)), /AES blocks/);
});

test('parts are read in any chunking', () => {
  const wire = Buffer.concat([
    encodePart('--device-stream-boundary--', { 'Content-Type': 'application/json' }, Buffer.from('{"a":1}')),
    encodePart(
      '--device-stream-boundary--',
      { 'Content-Type': 'video/mp2t', 'X-If-Encrypt': '1' },
      Buffer.alloc(400, 9)
    ),
  ]);
  const r = new PartReader('--device-stream-boundary--');
  const parts = [];
  for (let i = 0; i < wire.length; i += 13) {
    parts.push(...r.push(wire.subarray(i, i + 13)));
  }
  assert.equal(parts.length, 2);
  assert.equal(parts[0].body.toString(), '{"a":1}');
  assert.equal(parts[1].headers.get('x-if-encrypt'), '1');
  assert.equal(parts[1].body.length, 400);
});

test('a child streams through the hub: Digest, key exchange, decryption, demux, and the loop carries on', async () => {
  const before = server.stats();
  // 4 s clip at 30 fps: 130 pictures cross the loop once.
  const { s, aus, infos, done } = session('C420-DOOR', (a) => a.length >= 130);
  await s.start();
  await done;
  s.close();
  const st = server.stats();
  assert.equal(st.challenges - before.challenges, 1);
  assert.equal(st.authFailures, before.authFailures);
  assert.equal(infos[0].codec, 'h264');
  assert.equal(infos[0].width, 320);
  assert.equal(infos[0].height, 180);
  assert.equal(aus[0].keyframe, true);
  assert.deepEqual(
    aus.flatMap((a, i) => (a.keyframe ? [i] : [])),
    [0, 30, 60, 90, 120]
  );
  // One picture every 3000 ticks across the loop: nothing lost, nothing dropped, time monotonic.
  assert.ok(aus.slice(1).every((a, i) => a.time90k - aus[i].time90k === 3000));
  assert.equal(s.demuxerStats()?.lost, 0);
  assert.equal(s.demuxerStats()?.droppedUnits, 0);
  assert.equal(s.stats.corruptParts, 0);
});

test('a corrupted part drops its picture and the stream resumes at the next keyframe', async () => {
  let corrupted = -1;
  const { s, aus, done } = session(
    'D230-BELL',
    (a) => corrupted >= 0 && a.length >= corrupted + 3 && a.at(-1)!.time90k > 0
  );
  await s.start();
  // after the first few pictures, corrupt the next part
  await new Promise<void>((resolve) => {
    const check = () => {
      if (aus.length >= 5) {
        server.events.off('part', check);
        corrupted = aus.length;
        server.corruptParts(1);
        resolve();
      }
    };
    server.events.on('part', check);
  });
  await done;
  s.close();
  assert.equal(s.stats.corruptParts, 1);
  const gapAt = aus.findIndex((a, i) => i > 0 && a.time90k - aus[i - 1].time90k > 3000);
  assert.ok(gapAt > 0, 'pictures were dropped after the corrupted part');
  assert.equal(aus[gapAt].keyframe, true);
  assert.ok(s.demuxerStats()!.droppedUnits >= 1);
});

test('wrong password: auth_failed, and neither the password nor its hashes in the error', async () => {
  const before = server.stats().authFailures;
  const { s } = session('C420-DOOR', () => false, 'not the password');
  const err = await s.start().then(
    () => assert.fail('started'),
    (e: unknown) => e as MediaError
  );
  assert.ok(err instanceof MediaError);
  assert.equal(err.kind, 'auth_failed');
  assert.match(err.message, /hub refused/);
  assert.equal(server.stats().authFailures, before + 1);
  assertNoSecret(err.message + JSON.stringify(err));
  assert.ok(!err.message.includes('not the password'));
});

test('unknown child: not_found; sleeping child: asleep; nothing listening: unreachable', async () => {
  const unknown = await session('NOPE', () => false)
    .s.start()
    .then(
      () => assert.fail('started'),
      (e: MediaError) => e
    );
  assert.equal(unknown.kind, 'not_found');
  assertNoSecret(unknown.message);

  server.setAsleep('D230-BELL', true);
  try {
    const sleeping = await session('D230-BELL', () => false)
      .s.start()
      .then(
        () => assert.fail('started'),
        (e: MediaError) => e
      );
    assert.equal(sleeping.kind, 'asleep');
    assertNoSecret(sleeping.message);
  } finally {
    server.setAsleep('D230-BELL', false);
  }

  const other = await startHubStreamServer({ host: '127.0.0.1', port: 0, password: 'x', children: [] });
  const port = other.port;
  await other.close();
  const s = new HubStreamSession({
    cameraId: 'gone',
    stream: 'main',
    ...hubStreamUrl({ host: '127.0.0.1', port, password: PASSWORD, deviceId: 'C420-DOOR' }),
    onInfo: () => undefined,
    onAccessUnit: () => undefined,
    onEnd: () => undefined,
  });
  const gone = await s.start().then(
    () => assert.fail('started'),
    (e: MediaError) => e
  );
  assert.equal(gone.kind, 'unreachable');
  assertNoSecret(gone.message);
});

test('HubStreamFeeds: two subscribers share one hub session per child stream', async () => {
  const feeds = new HubStreamFeeds(
    (id, stream) => (id === 'door' && stream === 'sub' ? urlOf('C420-DOOR') : undefined),
    {
      idleMs: 10,
    }
  );
  const before = server.stats().sessions;
  const feed = feeds.feed('door', 'sub');
  assert.ok(feed);
  assert.equal(feeds.feed('door', 'main'), undefined);
  const counts = [0, 0];
  const enough = (resolve: () => void) => () => counts[0] >= 10 && counts[1] >= 10 && resolve();
  let subs: Array<() => void> = [];
  await new Promise<void>((resolve) => {
    const check = enough(resolve);
    subs = [0, 1].map((k) =>
      feed.subscribe({
        onInfo: () => undefined,
        onAccessUnit: () => {
          counts[k]++;
          check();
        },
        onError: (e) => assert.fail(e.message),
      })
    );
  });
  assert.equal(server.stats().sessions - before, 1);
  assert.equal(feeds.stats()[0].sessions, 1);
  assert.equal(feeds.stats()[0].subscribers, 2);
  subs.forEach((u) => u());
  feeds.close();
});

test('the JPEG pipeline makes a picture of a child through HubStreamFeeds and the simulated hub', async () => {
  const feeds = new HubStreamFeeds((id) => (id === 'bell' ? urlOf('D230-BELL') : undefined));
  const pipeline = new FramePipeline({ ffmpegPath: 'ffmpeg', feeds });
  try {
    const frame = await pipeline.snapshot(
      { cameraId: 'bell', stream: 'sub', ...urlOf('D230-BELL') },
      { timeoutMs: 30_000 }
    );
    assert.equal(frame.cameraId, 'bell');
    assert.equal(frame.jpeg[0], 0xff);
    assert.equal(frame.jpeg[1], 0xd8);
    // the child's 16:9 picture (at the pipeline's output width)
    assert.equal(frame.width * 180, frame.height * 320);
  } finally {
    await pipeline.close();
    feeds.close();
  }
});
