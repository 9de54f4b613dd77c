/** RTP → access units (single NAL, STAP-A, FU-A, loss), SPS sizes, SDP and Digest answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Depacketizer, ProtocolViolation } from '../../src/media/rtsp/depacketize.ts';
import { h264SpsSize } from '../../src/media/rtsp/sps.ts';
import { parseSdp } from '../../src/media/rtsp/sdp.ts';
import { authorization, parseChallenges } from '../../src/media/rtsp/auth.ts';
import type { AccessUnit, StreamInfo } from '../../src/media/video/types.ts';

// x264's parameter sets: baseline 640x360, and high profile 1920x1080 (coded 1088, cropped).
const SPS = Buffer.from('Z0LAFtkAoC/5cBEAAAMAAQAAAwAeDxYuSA==', 'base64');
const PPS = Buffer.from('aMuDyyA=', 'base64');
const SPS_HIGH_1080 = Buffer.from('Z2QAKKzZQHgCJ+XARAAAAwAEAAADAHg8YMZY', 'base64');

function rtp(seq: number, ts: number, payload: Buffer, marker = false, pt = 96): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(1234, 8);
  return Buffer.concat([h, payload]);
}

function fuA(nal: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 1; at < nal.length; at += size) {
    const end = Math.min(nal.length, at + size);
    const hdr = (at === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | (nal[0] & 0x1f);
    out.push(Buffer.concat([Buffer.from([(nal[0] & 0xe0) | 28, hdr]), nal.subarray(at, end)]));
  }
  return out;
}

function stapA(nals: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([24]), ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
}

function collect(opts: { sps?: Buffer[]; pps?: Buffer[] } = {}) {
  const aus: AccessUnit[] = [];
  const infos: StreamInfo[] = [];
  const d = new Depacketizer({
    codec: 'h264',
    payloadType: 96,
    ...opts,
    onInfo: (i) => infos.push(i),
    // As every subscriber does: the NAL units are views valid during the call, so keep copies.
    onAccessUnit: (a) => aus.push({ ...a, nalus: a.nalus.map((n) => Buffer.from(n)) }),
  });
  return { d, aus, infos };
}

const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(3000, 7)]);
const pSlice = (k: number) => Buffer.concat([Buffer.from([0x41]), Buffer.alloc(500, k)]);

test('packets may come from one read buffer that is overwritten after each push (as the RTSP session reads)', () => {
  const { d, aus } = collect({ sps: [SPS], pps: [PPS] });
  const readBuffer = Buffer.alloc(2048);
  const pushFromReadBuffer = (pkt: Buffer, at: number) => {
    pkt.copy(readBuffer);
    d.push(readBuffer.subarray(0, pkt.length), at);
    readBuffer.fill(0xee); // the next read lands here
  };
  let seq = 1;
  const frags = fuA(idr, 1000);
  frags.forEach((f, i) => pushFromReadBuffer(rtp(seq++, 0, f, i === frags.length - 1), 1));
  pushFromReadBuffer(rtp(seq++, 6000, stapA([pSlice(3), pSlice(4)]), true), 2);
  pushFromReadBuffer(rtp(seq++, 12000, pSlice(5), true), 3);
  assert.deepEqual(
    aus.map((a) => a.nalus),
    [[idr], [pSlice(3), pSlice(4)], [pSlice(5)]]
  );
});

test('packets read in place from one buffer: CSRCs, a header extension and padding are skipped, neighbours untouched', () => {
  // Each packet with 2 CSRCs, a 1-word header extension and 3 bytes of padding, behind an
  // interleaved header, all in one buffer (as one TCP read brings them).
  const dressed = (seq: number, ts: number, payload: Buffer, marker = false) => {
    const plain = rtp(seq, ts, payload, marker);
    const h = Buffer.from(plain.subarray(0, 12));
    h[0] = 0x80 | 0x20 | 0x10 | 2;
    const csrc = Buffer.alloc(8, 0x11);
    const ext = Buffer.from([0xbe, 0xde, 0, 1, 9, 9, 9, 9]);
    const pad = Buffer.from([0, 0, 3]);
    const pkt = Buffer.concat([h, csrc, ext, payload, pad]);
    return Buffer.concat([Buffer.from([0x24, 0, pkt.length >> 8, pkt.length & 0xff]), pkt]);
  };
  const frags = fuA(idr, 1000);
  let seq = 1;
  const read = Buffer.concat([
    ...frags.map((f, i) => dressed(seq++, 0, f, i === frags.length - 1)),
    dressed(seq++, 6000, stapA([pSlice(3), pSlice(4)]), true),
    dressed(seq++, 12000, pSlice(5), true),
  ]);
  const { d, aus } = collect({ sps: [SPS], pps: [PPS] });
  for (let off = 0; off < read.length; ) {
    const len = read.readUInt16BE(off + 2);
    d.pushAt(read, off + 4, off + 4 + len, 1);
    off += 4 + len;
  }
  assert.deepEqual(
    aus.map((a) => a.nalus),
    [[idr], [pSlice(3), pSlice(4)], [pSlice(5)]]
  );
  assert.equal(d.stats.badPackets, 0);
  // Padding that eats the whole payload, or an extension past the end: not RTP video, counted.
  const bad = dressed(seq++, 18000, Buffer.from([0x41, 1, 2]), true).subarray(4);
  bad[bad.length - 1] = 10;
  d.pushAt(bad, 0, bad.length, 2);
  const cut = dressed(seq++, 24000, pSlice(7), true).subarray(4, 4 + 12 + 8 + 2);
  d.pushAt(cut, 0, cut.length, 2);
  assert.equal(d.stats.badPackets, 2);
  assert.equal(aus.length, 3);
});

test('SPS size: 640x360 baseline, 1920x1080 high profile (cropped from 1088)', () => {
  assert.deepEqual(h264SpsSize(SPS), { width: 640, height: 360 });
  assert.deepEqual(h264SpsSize(SPS_HIGH_1080), { width: 1920, height: 1080 });
  assert.equal(h264SpsSize(Buffer.from([0x67, 0x42])), null);
});

test('STAP-A parameter sets, an FU-A keyframe and single-NAL pictures become access units on a 90 kHz clock', () => {
  const { d, aus, infos } = collect();
  let seq = 65530; // wraps during the test
  d.push(rtp(seq++, 4294960000, stapA([SPS, PPS])), 1);
  const frags = fuA(idr, 1000);
  frags.forEach((f, i) => d.push(rtp(seq++, 4294960000, f, i === frags.length - 1), 2));
  d.push(rtp(seq++, 4294966000, pSlice(1), true), 3);
  d.push(rtp(seq++, 4294972000 - 2 ** 32, pSlice(2), true), 4); // the RTP clock wraps
  assert.equal(infos.length, 1);
  assert.deepEqual([infos[0].width, infos[0].height, infos[0].codec], [640, 360, 'h264']);
  assert.equal(aus.length, 3);
  assert.ok(aus[0].keyframe);
  assert.deepEqual(aus[0].nalus, [idr], 'parameter sets are not in the access unit');
  assert.deepEqual(
    aus.map((a) => a.time90k),
    [0, 6000, 12000]
  );
  assert.equal(aus[2].receivedAt, 4);
});

test('a lost packet drops the broken picture and everything up to the next keyframe', () => {
  const { d, aus } = collect({ sps: [SPS], pps: [PPS] });
  let seq = 1;
  const frags = fuA(idr, 1000);
  frags.forEach((f, i) => d.push(rtp(seq++, 0, f, i === frags.length - 1), 0));
  d.push(rtp(seq++, 6000, pSlice(1), true), 0);
  seq++; // lost: picture 12000
  d.push(rtp(seq++, 18000, pSlice(3), true), 0);
  d.push(rtp(seq++, 24000, pSlice(4), true), 0);
  const frags2 = fuA(idr, 1000);
  // The first fragment of the next keyframe is lost too: that keyframe is broken.
  seq++;
  frags2.slice(1).forEach((f, i) => d.push(rtp(seq++, 30000, f, i === frags2.length - 2), 0));
  d.push(rtp(seq++, 36000, pSlice(6), true), 0);
  frags2.forEach((f, i) => d.push(rtp(seq++, 42000, f, i === frags2.length - 1), 0));
  d.push(rtp(seq++, 48000, pSlice(8), true), 0);
  assert.deepEqual(
    aus.map((a) => [a.time90k, a.keyframe]),
    [
      [0, true],
      [6000, false],
      [42000, true],
      [48000, false],
    ]
  );
  assert.ok(d.stats.lost >= 2);
});

test('pictures before any parameter set are dropped; an in-band SPS change updates the info', () => {
  const { d, aus, infos } = collect();
  d.push(rtp(1, 0, pSlice(1), true), 0);
  assert.equal(aus.length, 0);
  d.push(rtp(2, 3000, SPS), 0);
  d.push(rtp(3, 3000, PPS), 0);
  d.push(rtp(4, 3000, idr.subarray(0, 800), true), 0);
  assert.equal(aus.length, 1);
  assert.equal(infos.length, 1);
  d.push(rtp(5, 6000, SPS), 0); // the same SPS again: no new info
  d.push(rtp(6, 6000, idr.subarray(0, 800), true), 0);
  assert.equal(infos.length, 1);
  d.push(rtp(7, 9000, stapA([SPS_HIGH_1080, PPS])), 0); // the camera switched resolution
  d.push(rtp(8, 9000, idr.subarray(0, 800), true), 0);
  assert.equal(infos.length, 2);
  assert.deepEqual([infos[1].width, infos[1].height], [1920, 1080]);
  assert.equal(aus.length, 3);
});

test('a stream of packets that are not RTP video is a protocol violation', () => {
  const { d } = collect({ sps: [SPS], pps: [PPS] });
  assert.throws(() => {
    for (let i = 0; i < 500; i++) {
      d.push(Buffer.from('not an rtp packet at all'), 0);
    }
  }, ProtocolViolation);
  // A picture that never ends (fragments without an end, no marker) is cut off, not buffered.
  const endless = collect({ sps: [SPS], pps: [PPS] });
  const start = Buffer.concat([Buffer.from([0x7c, 0x85]), Buffer.alloc(1200)]);
  const middle = Buffer.concat([Buffer.from([0x7c, 0x05]), Buffer.alloc(1200)]);
  assert.throws(() => {
    endless.d.push(rtp(0, 0, start), 0);
    for (let i = 1; i < 10_000; i++) {
      endless.d.push(rtp(i, 0, middle), 0);
    }
  }, /larger than 8 MiB/);
  const other = collect({ sps: [SPS], pps: [PPS] });
  // Another payload type (audio on the same channel) is ignored, not fatal, in small numbers.
  other.d.push(rtp(1, 0, Buffer.from([1, 2, 3]), true, 8), 0);
  assert.equal(other.aus.length, 0);
});

test('SDP: the H.264 track, its parameter sets and control URL; H.265 is detected; no video is a reason', () => {
  const sdp = [
    'v=0',
    'a=control:*',
    'm=audio 0 RTP/AVP 8',
    'a=rtpmap:8 PCMA/8000',
    'a=control:track2',
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    `a=fmtp:96 packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=${SPS.toString('base64')},${PPS.toString('base64')}`,
    'a=framerate:15',
    'a=control:track1',
    '',
  ].join('\r\n');
  const r = parseSdp(sdp, 'rtsp://127.0.0.1:554/stream1/');
  assert.ok(r.ok);
  assert.equal(r.track.control, 'rtsp://127.0.0.1:554/stream1/track1');
  assert.equal(r.track.fps, 15);
  assert.equal(r.track.profileLevelId, '42C01E');
  assert.deepEqual([r.track.sps[0], r.track.pps[0]], [SPS, PPS]);
  const h265 = parseSdp(
    'v=0\r\nm=video 0 RTP/AVP 97\r\na=rtpmap:97 H265/90000\r\na=control:rtsp://h/x/t\r\n',
    'rtsp://h/x'
  );
  assert.ok(h265.ok && h265.track.codec === 'h265' && h265.track.control === 'rtsp://h/x/t');
  const none = parseSdp('v=0\r\nm=audio 0 RTP/AVP 0\r\n', 'rtsp://h/x');
  assert.ok(!none.ok && /no video/.test(none.reason));
  const mjpeg = parseSdp('v=0\r\nm=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\n', 'rtsp://h/x');
  assert.ok(!mjpeg.ok && /not H\.264/.test(mjpeg.reason));
});

test('Digest answers (RFC 2617, with and without qop) and Basic when that is all that is offered', () => {
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const [digest, basic] = parseChallenges(['Basic realm="x"', 'Digest realm="TP-LINK IP-CAM", nonce="abc"']);
  assert.equal(digest.scheme, 'digest', 'Digest is preferred');
  const creds = { username: 'u', password: 'p:w@d' };
  const h = authorization(digest, creds, 'DESCRIBE', 'rtsp://h/s', 1);
  const expected = md5(`${md5('u:TP-LINK IP-CAM:p:w@d')}:abc:${md5('DESCRIBE:rtsp://h/s')}`);
  assert.match(h, new RegExp(`response="${expected}"`));
  assert.ok(!h.includes('p:w@d'));
  const [q] = parseChallenges(['Digest realm="r", nonce="n", qop="auth,auth-int"']);
  const hq = authorization(q, creds, 'PLAY', '/x', 2);
  const cnonce = /cnonce="([^"]+)"/.exec(hq)![1];
  const exp = md5(`${md5('u:r:p:w@d')}:n:00000002:${cnonce}:auth:${md5('PLAY:/x')}`);
  assert.match(hq, new RegExp(`response="${exp}"`));
  assert.match(hq, /qop=auth, nc=00000002/);
  assert.equal(authorization(basic, creds, 'X', '/', 1), `Basic ${Buffer.from('u:p:w@d').toString('base64')}`);
});
