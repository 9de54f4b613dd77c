import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { JpegSplitter, jpegSize, type JpegImage } from '../../src/media/jpeg.ts';
import { JPEGS_TO_STDOUT, QUIET, lavfiInput } from '../helpers/ffmpeg-args.ts';

/** A structurally valid JPEG: SOI, APP0, a COM segment that contains FFD9, SOF0, SOS, entropy data with stuffing and RST, EOI. */
function synthJpeg(width: number, height: number, fill: number): Buffer {
  const seg = (marker: number, payload: Buffer) =>
    Buffer.concat([Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  const sof = Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  const entropy = Buffer.from([fill, 0xff, 0x00, fill, 0xff, 0xd0, fill, 0xff, 0x00, 0x12]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    seg(0xfe, Buffer.from([0x41, 0xff, 0xd9, 0x42])),
    seg(0xc0, sof),
    seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
    entropy,
    Buffer.from([0xff, 0xd9]),
  ]);
}

test('jpegSize reads width and height from SOF, skipping segments that contain FFD9', () => {
  assert.deepEqual(jpegSize(synthJpeg(640, 360, 1)), { width: 640, height: 360 });
  assert.equal(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), null);
  assert.equal(jpegSize(Buffer.from('not a jpeg')), null);
});

test('the splitter finds every picture whatever the chunking, and ignores junk between pictures', () => {
  const a = synthJpeg(320, 180, 7);
  const b = synthJpeg(1280, 720, 9);
  const stream = Buffer.concat([Buffer.from('junk'), a, Buffer.from([0x00, 0xff]), b, a]);
  for (let chunk = 1; chunk <= stream.length; chunk += chunk < 8 ? 1 : 7) {
    const got: JpegImage[] = [];
    const s = new JpegSplitter((img) => got.push(img));
    for (let i = 0; i < stream.length; i += chunk) {
      s.push(stream.subarray(i, i + chunk));
    }
    assert.equal(got.length, 3, `chunk ${chunk}`);
    assert.deepEqual(
      got.map((g) => [g.width, g.height]),
      [
        [320, 180],
        [1280, 720],
        [320, 180],
      ]
    );
    assert.ok(got[0].jpeg.equals(a) && got[1].jpeg.equals(b) && got[2].jpeg.equals(a), `chunk ${chunk}`);
  }
});

test('a picture cut short by a new SOI is dropped, the next one is kept', () => {
  const a = synthJpeg(100, 50, 3);
  const got: JpegImage[] = [];
  const s = new JpegSplitter((img) => got.push(img));
  // Cut inside the entropy-coded data, where a dying writer most likely stops.
  s.push(Buffer.concat([a.subarray(0, a.length - 5), a]));
  assert.equal(got.length, 1);
  assert.ok(got[0].jpeg.equals(a));
});

test('random bytes never throw and never produce a picture without a size', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let round = 0; round < 50; round++) {
    const buf = Buffer.alloc(4096, 0);
    for (let i = 0; i < buf.length; i++) {
      buf[i] = rnd() < 0.1 ? 0xff : Math.floor(rnd() * 256);
    }
    const s = new JpegSplitter((img) => assert.ok(img.width > 0 && img.height > 0));
    s.push(buf);
  }
});

test('real ffmpeg MJPEG output splits into pictures of the encoded size', async () => {
  const got: JpegImage[] = [];
  const s = new JpegSplitter((img) => got.push(img));
  await new Promise<void>((resolve, reject) => {
    const p = spawn('ffmpeg', [
      ...QUIET,
      ...lavfiInput('testsrc=size=352x198:rate=5'),
      '-frames:v',
      '4',
      ...JPEGS_TO_STDOUT,
    ]);
    p.stdout.on('data', (d: Buffer) => s.push(d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
  assert.equal(got.length, 4);
  for (const g of got) {
    assert.deepEqual([g.width, g.height], [352, 198]);
  }
  assert.equal(s.skippedBytes, 0);
});
