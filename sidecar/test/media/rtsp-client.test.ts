/**
 * Our RTSP client and the shared video feeds, against the simulator (camera-sized H.264) and
 * against small bad servers: typed errors, reconnects, and no secret in any error.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import { RtspVideoFeeds } from '../../src/media/video/feeds.ts';
import type { AccessUnit, StreamInfo, StreamName } from '../../src/media/video/types.ts';
import { MediaError } from '../../src/media/types.ts';
import { buildRtspUrl, maskUrl } from '../../src/tapo/rtsp.ts';
import { deadline } from './helpers.ts';

const USER = 'viewer';
const PASSWORD = 'Cl1ent:S3cret@pw';
let sim: SimRtspServer;

before(async () => {
  sim = await startSimRtspServer({ name: 'Client Cam', model: 'C210', username: USER, password: PASSWORD });
  await sim.prepare();
});
after(async () => {
  await sim.close();
});

function feedsFor(port: number, password = PASSWORD, opts = {}) {
  return new RtspVideoFeeds(
    (_id, stream: StreamName) => {
      const url = buildRtspUrl({
        host: '127.0.0.1',
        port,
        username: USER,
        password,
        stream: stream === 'main' ? 'stream1' : 'stream2',
      });
      return { url, maskedUrl: maskUrl(url) };
    },
    { backoffInitialMs: 50, backoffMaxMs: 200, timeoutMs: 3000, ...opts }
  );
}

function noSecret(err: Error, secret = PASSWORD): void {
  for (const s of [secret, encodeURIComponent(secret)]) {
    assert.ok(!err.message.includes(s), err.message);
    assert.ok(!JSON.stringify(err).includes(s));
  }
}

function firstError(feeds: RtspVideoFeeds, stream: StreamName = 'sub'): Promise<MediaError> {
  return new Promise((resolve) => {
    const un = feeds.feed('cam', stream)!.subscribe({
      onInfo: () => undefined,
      onAccessUnit: () => undefined,
      onError: (e) => {
        un();
        resolve(e as MediaError);
      },
    });
  });
}

/** A one-connection server that runs `script` on each accepted socket. */
async function badServer(script: (sock: net.Socket, next: () => Promise<string>) => void) {
  const server = net.createServer((sock) => {
    let buf = '';
    const waiters: Array<(r: string) => void> = [];
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const req = buf.slice(0, i);
        buf = buf.slice(i + 4);
        waiters.shift()?.(req);
      }
    });
    sock.on('error', () => undefined);
    script(sock, () => new Promise((r) => waiters.push(r)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(r)) };
}

const cseq = (req: string) => /CSeq:\s*(\d+)/i.exec(req)?.[1] ?? '0';
const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAFtkAoC/5cBEAAAMAAQAAAwAeDxYuSA==,aMuDyyA=\r\na=control:track1\r\n';

async function playScript(sock: net.Socket, next: () => Promise<string>): Promise<void> {
  let r = await next(); // OPTIONS
  sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n`);
  r = await next(); // DESCRIBE
  sock.write(
    `RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nContent-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`
  );
  r = await next(); // SETUP
  sock.write(
    `RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nSession: abc;timeout=60\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n`
  );
  r = await next(); // PLAY
  sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nSession: abc\r\n\r\n`);
}

test('the simulator’s camera-sized H.264 arrives as access units: size, 15 fps, keyframe spacing, clock across loops', async () => {
  const feeds = feedsFor(sim.port);
  try {
    const infos: StreamInfo[] = [];
    const aus: AccessUnit[] = [];
    const feed = feeds.feed('cam', 'main')!;
    // Two watchers, one RTSP session.
    let other = 0;
    const un2 = feed.subscribe({ onInfo: () => undefined, onAccessUnit: () => void other++ });
    await deadline(
      new Promise<void>((resolve) => {
        const un = feed.subscribe({
          onInfo: (i) => infos.push(i),
          onAccessUnit: (au) => {
            aus.push(au);
            // 5 s: past the end of the 4 s clip, so the loop is in it.
            if (aus.length >= 76) {
              un();
              resolve();
            }
          },
        });
      }),
      30_000,
      '76 access units'
    );
    un2();
    assert.equal(sim.stats().sessions, 1, 'one RTSP session for both watchers');
    assert.ok(other >= 70);
    assert.deepEqual([infos[0].codec, infos[0].width, infos[0].height, infos[0].fps], ['h264', 2304, 1296, 15]);
    assert.equal(feed.info()?.sps.length, 1);
    assert.ok(aus[0].keyframe, 'starts at a keyframe');
    for (let i = 1; i < aus.length; i++) {
      assert.equal(aus[i].time90k - aus[i - 1].time90k, 6000, `90 kHz step at ${i}`);
    }
    const keys = aus.map((a, i) => (a.keyframe ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(keys.slice(0, 3), [0, 30, 60], 'a keyframe every 2 s');
    const bytes = aus.reduce((a, au) => a + au.nalus.reduce((b, n) => b + n.length, 0), 0);
    const kbps = (bytes * 8) / (aus.length / 15) / 1000;
    assert.ok(kbps > 1000 && kbps < 2200, `stream1 bit rate ${kbps} kbit/s`);
  } finally {
    feeds.close();
  }
});

test('a wrong password is auth_failed (Digest), with no secret in the error', async () => {
  const wrong = 'Wr0ng:pa@ss';
  const feeds = feedsFor(sim.port, wrong);
  try {
    const err = await deadline(firstError(feeds), 10_000, 'auth error');
    assert.equal(err.kind, 'auth_failed');
    assert.match(err.message, /camera account/);
    noSecret(err, wrong);
    assert.ok(err.message.includes('viewer:***@'), err.message);
  } finally {
    feeds.close();
  }
});

test('a third session is stream_busy (453); an unknown path not_found; a closed port unreachable', async () => {
  const holders = [feedsFor(sim.port), feedsFor(sim.port)];
  const third = feedsFor(sim.port);
  try {
    await Promise.all(
      holders.map(
        (f) =>
          new Promise<void>((resolve) => {
            f.feed('cam', 'sub')!.subscribe({ onInfo: () => undefined, onAccessUnit: () => resolve() });
          })
      )
    );
    const busy = await deadline(firstError(third), 10_000, 'busy error');
    assert.equal(busy.kind, 'stream_busy');
    noSecret(busy);
  } finally {
    holders.forEach((f) => f.close());
    third.close();
  }
  const nf = new RtspVideoFeeds(() => {
    const url = sim.url('stream1').replace('/stream1', '/stream9');
    return { url, maskedUrl: maskUrl(url) };
  });
  try {
    const e = await deadline(firstError(nf), 10_000, 'not found');
    assert.equal(e.kind, 'not_found');
    noSecret(e);
  } finally {
    nf.close();
  }
  const invalid = new RtspVideoFeeds(() => ({ url: 'rtsp://u:pw@[bad/x', maskedUrl: 'rtsp://u:***@[bad/x' }));
  try {
    const e = await deadline(firstError(invalid), 10_000, 'invalid URL');
    assert.equal(e.kind, 'invalid_source');
    noSecret(e, 'pw');
  } finally {
    invalid.close();
  }
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const gone = feedsFor(free);
  try {
    const e = await deadline(firstError(gone), 10_000, 'unreachable');
    assert.equal(e.kind, 'unreachable');
    noSecret(e);
  } finally {
    gone.close();
  }
});

test('garbage instead of RTSP, and garbage RTP after PLAY, are protocol errors', async () => {
  // Random bytes, but never a valid start by chance: not '$' (interleaved) for the first,
  // and RTP version 0 for the packets (a random one is v2 with payload type 96 one time in 512).
  const junk = await badServer((sock) => sock.write(Buffer.concat([Buffer.from('GARBAGE'), randomBytes(57)])));
  const rtp = await badServer((sock, next) => {
    void playScript(sock, next).then(() => {
      for (let i = 0; i < 300; i++) {
        const body = randomBytes(100);
        body[0] &= 0x3f;
        sock.write(Buffer.concat([Buffer.from([0x24, 0, 0, body.length]), body]));
      }
    });
  });
  const a = feedsFor(junk.port);
  const b = feedsFor(rtp.port);
  try {
    const e1 = await deadline(firstError(a), 10_000, 'junk error');
    assert.equal(e1.kind, 'protocol');
    const e2 = await deadline(firstError(b), 10_000, 'garbage RTP error');
    assert.equal(e2.kind, 'protocol');
    assert.match(e2.message, /not RTP video/);
    noSecret(e1);
    noSecret(e2);
  } finally {
    a.close();
    b.close();
    await junk.close();
    await rtp.close();
  }
});

test('a dropped TCP connection is stream_ended, and the feed reconnects and plays again', async () => {
  // What the feed tells its owner: playing, ended by itself, playing again (a hub child's status follows it).
  const playing: Array<[string, StreamName, boolean]> = [];
  const feeds = feedsFor(sim.port, PASSWORD, { onPlaying: (...a: [string, StreamName, boolean]) => playing.push(a) });
  try {
    const errors: MediaError[] = [];
    let n = 0;
    let dropped = false;
    await deadline(
      new Promise<void>((resolve) => {
        feeds.feed('cam', 'sub')!.subscribe({
          onInfo: () => undefined,
          onError: (e) => errors.push(e as MediaError),
          onAccessUnit: () => {
            n++;
            if (n === 5 && !dropped) {
              dropped = true;
              sim.dropClients();
            }
            if (dropped && errors.length > 0 && n > 10) {
              resolve();
            }
          },
        });
      }),
      20_000,
      'pictures after the drop'
    );
    assert.equal(errors[0].kind, 'stream_ended');
    noSecret(errors[0]);
    assert.ok(feeds.stats()[0].sessions >= 2, 'reconnected');
    assert.deepEqual(playing, [
      ['cam', 'sub', true],
      ['cam', 'sub', false],
      ['cam', 'sub', true],
    ]);
  } finally {
    feeds.close();
  }
  assert.equal(playing.length, 3, 'a session closed on purpose is not one that ended by itself');
});

test('no secret in any log line: a wrong password, a drop and a reconnect, logged at debug level', async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const fixture = fileURLToPath(new URL('./fixtures/feed-child.ts', import.meta.url));
  const run = async (url: string, until: (out: string) => boolean, during?: (out: string) => void) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, FIXTURE_RTSP_URL: url, TAPO_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await deadline(
        new Promise<void>((resolve, reject) => {
          child.once('exit', () => reject(new Error(`fixture exited: ${out} ${err}`)));
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            during?.(out);
            if (until(out)) {
              resolve();
            }
          });
        }),
        30_000,
        'the fixture'
      );
    } finally {
      child.kill('SIGKILL');
    }
    return { out, err };
  };
  const wrong = 'L0g:Wr0ng@pw';
  const bad = await run(sim.url('stream2', { username: USER, password: wrong }), (o) => /error auth_failed/.test(o));
  let dropped = false;
  const good = await run(
    sim.url('stream2'),
    (o) => dropped && /error stream_ended[\s\S]*au/.test(o),
    (o) => {
      if (!dropped && /au/.test(o)) {
        dropped = true;
        sim.dropClients();
      }
    }
  );
  assert.match(bad.err, /video feed failed/, 'the failure is logged');
  assert.match(good.err, /video feed (failed|playing)/);
  for (const [text, secret] of [
    [bad.err, wrong],
    [good.err, PASSWORD],
  ] as const) {
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
      assert.ok(!text.includes(form), `a secret (${form.length} chars) in the log`);
    }
  }
});

test('keep-alive within the session timeout, TEARDOWN a grace period after the last watcher, silence is stream_ended', async () => {
  const methods: string[] = [];
  const server = await badServer((sock, next) => {
    void (async () => {
      let r = await next();
      sock.write(
        `RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n\r\n`
      );
      r = await next();
      sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`);
      r = await next();
      sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nSession: k1;timeout=2\r\n\r\n`);
      for (;;) {
        r = await next();
        methods.push(r.split(' ')[0]);
        sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq(r)}\r\nSession: k1\r\n\r\n`);
      }
    })();
  });
  const feeds = feedsFor(server.port, PASSWORD, { idleMs: 100 });
  try {
    const un = feeds.feed('cam', 'sub')!.subscribe({ onInfo: () => undefined, onAccessUnit: () => undefined });
    const { until } = await import('./helpers.ts');
    await until(() => methods.includes('GET_PARAMETER'), 5000, 'a keep-alive within the 2 s session timeout');
    assert.equal(methods[0], 'PLAY');
    assert.equal(feeds.stats()[0].state, 'playing');
    un();
    await until(() => methods.includes('TEARDOWN'), 5000, 'TEARDOWN after the grace period');
    assert.equal(feeds.stats()[0].state, 'idle');
    // Keep-alive answers are not video: a camera that sends none is stream_ended after the timeout.
    const silent = await deadline(firstError(feeds), 10_000, 'the silence error');
    assert.equal(silent.kind, 'stream_ended');
    assert.match(silent.message, /no video for 3 s/);
  } finally {
    feeds.close();
    await server.close();
  }
});
