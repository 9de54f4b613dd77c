/**
 * FaststartRemux: a fragmented MP4 in, a regular MP4 out with its index in front, the pictures
 * copied (ffprobe reads the same count and the duration); ffmpeg runs without the sidecar's
 * secrets; bad input is an error with words and leaves no file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FaststartRemux } from '../../src/media/faststart.ts';
import { ffprobeJson } from '../helpers/ffprobe.ts';
import { topLevelBoxes } from '../helpers/mp4-boxes.ts';

const run = promisify(execFile);
const SECRETS = { TAPO_SECRET_KEY: 'k3y-0f-the-s1decar-store-0123456789', TAPO_GRPC_SECRET: 'grpc-l1nk-0123456789' };

/** 2 s of 160x90 H.264 at 15 fps as fragmented MP4 (one fragment per keyframe), as ffmpeg writes it. */
async function fragmentedMp4(): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=15', '-t', '2'],
      ...['-c:v', 'libx264', '-g', '15', '-pix_fmt', 'yuv420p'],
      ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 }
  );
  return stdout as unknown as Buffer;
}

test('a fragmented MP4 becomes a progressive one: index in front, same pictures, its duration readable', async () => {
  const input = await fragmentedMp4();
  assert.ok(topLevelBoxes(input).includes('moof'), 'the input is fragmented');
  const dir = mkdtempSync(join(tmpdir(), 'faststart-test-'));
  const saved = Object.fromEntries(Object.keys(SECRETS).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SECRETS);
  let remux: FaststartRemux;
  try {
    remux = new FaststartRemux({ ffmpegPath: 'ffmpeg', dir });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  }
  try {
    // What the running ffmpeg was given, as the kernel keeps it.
    const environ = readFileSync(`/proc/${remux.pid}/environ`, 'latin1').split('\0').filter(Boolean);
    assert.deepEqual(
      environ.map((e) => e.slice(0, e.indexOf('='))).filter((n) => !['PATH', 'LD_LIBRARY_PATH', 'TMPDIR'].includes(n)),
      []
    );
    const cmdline = readFileSync(`/proc/${remux.pid}/cmdline`, 'latin1');
    assert.ok(!Object.values(SECRETS).some((v) => cmdline.includes(v) || environ.some((e) => e.includes(v))));
    // In pieces, as the camera's download arrives.
    for (let at = 0; at < input.length; at += 4096) {
      remux.write(input.subarray(at, at + 4096));
    }
    const { file, bytes } = await remux.finish();
    const out = readFileSync(file);
    assert.equal(out.length, bytes);
    assert.deepEqual(topLevelBoxes(out).slice(0, 2), ['ftyp', 'moov']);
    assert.ok(!topLevelBoxes(out).includes('moof'), 'no fragments left');
    const probed = await ffprobeJson<{
      streams: Array<{ codec_name: string; nb_read_frames: string }>;
      format: { duration: string };
    }>(file, 'stream=codec_name,nb_read_frames:format=duration', { countFrames: true });
    assert.equal(probed.streams[0]!.codec_name, 'h264', 'copied, not re-encoded');
    assert.equal(Number(probed.streams[0]!.nb_read_frames), 30);
    assert.ok(Math.abs(Number(probed.format.duration) - 2) < 0.1, `duration ${probed.format.duration} s`);
    remux.remove();
    assert.ok(!existsSync(dirname(file)), 'its folder is gone once read');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('input that is not an MP4 is an error with words, and no file stays behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faststart-test-'));
  try {
    const remux = new FaststartRemux({ ffmpegPath: 'ffmpeg', dir });
    remux.write(Buffer.from('this is not a video'.repeat(100)));
    await assert.rejects(remux.finish(), /^Error: ffmpeg could not make an MP4 of the clip \(1900 bytes in\): .+/);
    assert.deepEqual(readdirSync(dir), []);
    // A missing ffmpeg says so too.
    const none = new FaststartRemux({ ffmpegPath: join(dir, 'no-ffmpeg-here'), dir });
    await assert.rejects(none.finish(), /ffmpeg could not make an MP4 of the clip .*ENOENT/);
    assert.deepEqual(readdirSync(dir), []);
    // Given up midway: ffmpeg is stopped and its folder removed.
    const dropped = new FaststartRemux({ ffmpegPath: 'ffmpeg', dir });
    dropped.write(Buffer.alloc(100));
    dropped.remove();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
