/**
 * fMP4 packaging read back by ffprobe: real libx264 H.264 split into access units, packaged as init
 * + one fragment per picture, written to a file and decoded by ffprobe (frames, times, profile, size).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  avcCodecString,
  fragment,
  Fmp4Muxer,
  packageInfo,
  parseSps,
  readBoxes,
  UnsupportedCodecError,
} from '../../src/media/fmp4/index.ts';
import type { AccessUnit } from '../../src/media/video/types.ts';
import { makeH264Clip } from '../helpers/h264.ts';
import { ffprobeJson } from '../helpers/ffprobe.ts';

interface Probe {
  streams: Array<{ codec_name: string; profile: string; width: number; height: number; avg_frame_rate: string }>;
  frames: Array<{ pts: number; key_frame: number; pict_type: string }>;
}

async function probe(file: string): Promise<Probe> {
  return ffprobeJson<Probe>(
    file,
    'stream=codec_name,profile,width,height,avg_frame_rate:frame=pts,key_frame,pict_type'
  );
}

function withTmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fmp4-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function packageAll(info: Parameters<typeof packageInfo>[0], aus: AccessUnit[]): { bytes: Buffer; sizes: number[] } {
  const { init } = packageInfo(info);
  const muxer = new Fmp4Muxer(info.fps);
  const frags = aus.map((au) => muxer.fragment(au));
  return { bytes: Buffer.concat([init, ...frags.map((f) => f.data)]), sizes: frags.map((f) => f.data.length) };
}

test('640×360 at 15 fps: ffprobe decodes every picture with its time, keyframes where the encoder put them', async (t) => {
  const clip = await makeH264Clip({
    width: 640,
    height: 360,
    fps: 15,
    seconds: 4,
    gop: 15,
    extra: ['-preset', 'veryfast'],
  });
  assert.equal(clip.aus.length, 60, 'the Annex-B reader finds 60 pictures');
  assert.deepEqual(
    clip.aus.flatMap((a, i) => (a.keyframe ? [i] : [])),
    [0, 15, 30, 45]
  );
  const info = packageInfo(clip.info);
  assert.match(info.codec, /^avc1\.64[0-9a-f]{4}$/, 'High profile codec string');
  assert.equal(info.codec, avcCodecString(clip.info.sps[0]));

  const file = join(withTmp(t), 'clip.mp4');
  const { bytes, sizes } = packageAll(clip.info, clip.aus);
  writeFileSync(file, bytes);
  // The file is a sequence of well-formed boxes: ftyp, moov, then moof/mdat pairs.
  const top = readBoxes(bytes).map((b) => b.type);
  assert.deepEqual(top.slice(0, 2), ['ftyp', 'moov']);
  assert.equal(top.filter((x) => x === 'moof').length, 60);
  assert.ok(Math.max(...sizes) < 64 * 1024, `fragments stay small (largest ${Math.max(...sizes)} bytes)`);

  const p = await probe(file);
  assert.equal(p.streams.length, 1);
  assert.equal(p.streams[0].codec_name, 'h264');
  assert.equal(p.streams[0].profile, 'High');
  assert.equal(p.streams[0].width, 640);
  assert.equal(p.streams[0].height, 360);
  assert.equal(p.frames.length, 60, 'every picture decodes');
  const pts = p.frames.map((f) => f.pts);
  const spacing = pts.slice(1).map((v, i) => v - pts[i]);
  assert.deepEqual(new Set(spacing), new Set([6000]), 'pictures are 1/15 s apart on the 90 kHz clock');
  assert.equal(pts[0], 0);
  assert.deepEqual(
    p.frames.flatMap((f, i) => (f.key_frame ? [i] : [])),
    [0, 15, 30, 45]
  );
});

test('a viewer starting at a later keyframe, with pictures lost in between, still decodes on the right times', async (t) => {
  const clip = await makeH264Clip({ width: 320, height: 180, fps: 15, seconds: 3, gop: 15 });
  // Join at the second keyframe; lose pictures 20..29 and resume at the next keyframe (30).
  const kept = clip.aus.filter((_, i) => i >= 15 && (i < 20 || i >= 30));
  const file = join(withTmp(t), 'join.mp4');
  writeFileSync(file, packageAll(clip.info, kept).bytes);
  const p = await probe(file);
  assert.equal(p.frames.length, kept.length);
  const pts = p.frames.map((f) => f.pts);
  // Times start at the first packaged picture and keep the hole where pictures were lost.
  assert.deepEqual(pts, [0, 6000, 12000, 18000, 24000, ...Array.from({ length: 15 }, (_, i) => (15 + i) * 6000)]);
});

test('SPS parsing: cropped 1080p, baseline profile without the high-profile avcC tail', async (t) => {
  const hd = await makeH264Clip({ width: 1920, height: 1080, fps: 15, seconds: 0.2, gop: 15 });
  assert.equal(hd.info.width, 1920);
  assert.equal(hd.info.height, 1080, 'frame cropping (1088 coded lines) is applied');
  const base = await makeH264Clip({
    width: 2304,
    height: 1296,
    fps: 15,
    seconds: 0.2,
    gop: 15,
    extra: ['-profile:v', 'baseline'],
  });
  const sps = parseSps(base.info.sps[0]);
  assert.equal(sps.profileIdc, 66);
  assert.equal(`${sps.width}x${sps.height}`, '2304x1296');
  const file = join(withTmp(t), 'base.mp4');
  writeFileSync(file, packageAll(base.info, base.aus).bytes);
  const p = await probe(file);
  assert.equal(p.streams[0].profile, 'Constrained Baseline');
  assert.equal(p.streams[0].width, 2304);
  assert.equal(p.frames.length, base.aus.length);
});

test('H.265 and malformed parameter sets are refused with typed errors', () => {
  assert.throws(
    () => packageInfo({ codec: 'h265', width: 1920, height: 1080, sps: [], pps: [] }),
    (e: unknown) => e instanceof UnsupportedCodecError && /not playable in the browser/.test(e.message)
  );
  assert.throws(() => parseSps(Buffer.from([0x68, 1, 2, 3])), /not an H.264 SPS/);
  assert.throws(() => parseSps(Buffer.from([0x67, 0x64, 0, 0x1e])), /SPS ends early/);
  assert.throws(() => readBoxes(Buffer.from([0, 0, 0, 64, 0x6d, 0x6f, 0x6f, 0x66])), /bad box/);
});

test('a fragment decode time past 32 bits reads back whole from the tfdt (64 bits, version 1)', () => {
  const nal = Buffer.from([0x65, 1, 2, 3]);
  for (const time of [0, 2 ** 32 - 1, 2 ** 32, 2 ** 32 * 7 + 12345, 2 ** 53 - 1]) {
    const data = fragment(3, time, [{ duration: 6000, keyframe: true, nalus: [nal] }]);
    const moof = readBoxes(data)[0];
    const traf = readBoxes(data, moof.start + 8 + 16, moof.end)[0];
    const tfdt = readBoxes(data, traf.start + 8, traf.end).find((b) => b.type === 'tfdt')!;
    assert.equal(tfdt.payload[0], 1, 'version 1: a 64-bit time');
    assert.equal(Number(tfdt.payload.readBigUInt64BE(4)), time);
  }
});
