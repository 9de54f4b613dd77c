/** MPEG-TS → access units: real TS from ffmpeg (H.264 with audio, H.265), any chunking, loss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { TsDemuxer, TS_PACKET, splitAnnexB } from '../../src/media/mpegts/demux.ts';
import type { AccessUnit, StreamInfo } from '../../src/media/video/types.ts';

function ffmpegTs(codec: 'libx264' | 'libx265', frames: number): Promise<Buffer> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=10',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=8000',
    '-frames:v',
    String(frames),
    '-t',
    String(frames / 10),
    '-c:v',
    codec,
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-bf',
    '0',
    '-g',
    '10',
    '-keyint_min',
    '10',
    '-sc_threshold',
    '0',
    ...(codec === 'libx265' ? ['-x265-params', 'log-level=error:keyint=10:min-keyint=10:scenecut=0'] : []),
    '-c:a',
    'mp2',
    '-f',
    'mpegts',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg ${code}: ${err}`))));
  });
}

function demux(ts: Buffer, chunk = 1000) {
  const aus: AccessUnit[] = [];
  const infos: StreamInfo[] = [];
  const d = new TsDemuxer({ onInfo: (i) => infos.push(i), onAccessUnit: (a) => aus.push(a) });
  for (let at = 0; at < ts.length; at += chunk) {
    d.push(ts.subarray(at, at + chunk));
  }
  d.flush();
  return { d, aus, infos };
}

/** Offsets of the video PID's packets (ffmpeg puts the first stream on PID 0x100). */
function videoPackets(ts: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < ts.length; i += TS_PACKET) {
    const pid = ((ts[i + 1] & 0x1f) << 8) | ts[i + 2];
    if (pid === 0x100) {
      out.push(i);
    }
  }
  return out;
}

test('H.264 in MPEG-TS with an audio PID: every picture, keyframes, size, 90 kHz time, any chunking', async () => {
  const ts = await ffmpegTs('libx264', 30);
  for (const chunk of [TS_PACKET, 7, 4096]) {
    const { aus, infos, d } = demux(ts, chunk);
    assert.equal(aus.length, 30, `chunk ${chunk}`);
    assert.deepEqual(
      aus.flatMap((a, i) => (a.keyframe ? [i] : [])),
      [0, 10, 20]
    );
    assert.equal(infos.length, 1);
    assert.equal(infos[0].codec, 'h264');
    assert.equal(infos[0].width, 320);
    assert.equal(infos[0].height, 240);
    assert.deepEqual(
      aus.slice(1).map((a, i) => a.time90k - aus[i].time90k),
      new Array(29).fill(9000)
    );
    // parameter sets, AUD and SEI are in the info, not in the units
    for (const a of aus) {
      assert.ok(a.nalus.every((n) => [1, 5].includes(n[0] & 0x1f)));
    }
    assert.equal(d.stats.lost, 0);
  }
});

test('a lost video packet drops its picture and waits for the next keyframe; a bad sync is skipped', async () => {
  const ts = await ffmpegTs('libx264', 30);
  const clean = demux(ts).aus;
  const vids = videoPackets(ts);
  assert.ok(vids.length > 40);
  // Find a packet in the middle of picture 13's PES (not its first packet).
  let target = -1;
  let seen = 0;
  for (const off of vids) {
    const pusi = (ts[off + 1] & 0x40) !== 0;
    if (pusi) {
      seen++;
    }
    if (seen === 14 && !pusi) {
      target = off;
      break;
    }
  }
  assert.ok(target > 0 && clean.length === 30);
  const cut = Buffer.concat([ts.subarray(0, target), ts.subarray(target + TS_PACKET)]);
  const { aus, d } = demux(cut);
  assert.equal(d.stats.lost, 1);
  // pictures 0..12 and 20..29 remain; 13 is broken, 14..19 have no keyframe before them
  assert.equal(aus.length, 13 + 10);
  assert.equal(aus[13].keyframe, true);
  assert.equal(aus[13].time90k - aus[12].time90k, 8 * 9000);
  assert.ok(aus.every((a, i) => a.nalus[0].equals(clean[i < 13 ? i : i + 7].nalus[0])));

  // Garbage before a packet: skipped bytes, a loss, and the stream recovers at the next keyframe.
  const junk = Buffer.concat([ts.subarray(0, target), Buffer.from('garbage!'), ts.subarray(target)]);
  const r = demux(junk, 333);
  assert.equal(r.d.stats.skippedBytes, 8);
  assert.equal(r.aus.length, 23);
});

test('H.265 (stream type 0x24) is recognised with its parameter sets', async () => {
  const ts = await ffmpegTs('libx265', 20);
  const { aus, infos } = demux(ts);
  assert.equal(infos[0]?.codec, 'h265');
  assert.equal(infos[0].width, 320);
  assert.ok(infos[0].vps?.length === 1);
  assert.equal(aus.length, 20);
  assert.equal(aus.filter((a) => a.keyframe).length, 2);
});

test('not MPEG-TS at all is a protocol error; Annex B split strips start codes and trailing zeros', () => {
  const d = new TsDemuxer({ onInfo: () => undefined, onAccessUnit: () => undefined });
  assert.throws(() => d.push(Buffer.alloc(70_000, 0x20)), /sync byte/);
  assert.deepEqual(
    splitAnnexB(Buffer.from([0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 4])).map((b) => [...b]),
    [
      [0x67, 1, 2],
      [0x68, 3],
      [0x65, 4],
    ]
  );
});
