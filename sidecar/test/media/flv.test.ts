/** FLV tags for ffmpeg's stdin: the layout ffmpeg's FLV demuxer reads (ffmpeg-stdin.test decodes them). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flvFrame } from '../../src/media/flv.ts';

test('a picture is one video tag: header, AVC NALU packet with length-prefixed NAL units, previous tag size', () => {
  const nalus = [Buffer.from([0x65, 1, 2, 3]), Buffer.alloc(300, 9)];
  const t = 2 ** 24 + 5; // beyond 24 bits: the extended timestamp byte
  const tag = flvFrame({ time90k: 0, receivedAt: 0, keyframe: true, nalus }, t);
  const body = 5 + 4 + 4 + 4 + 300;
  assert.equal(tag.length, 11 + body + 4);
  assert.equal(tag[0], 9, 'video tag');
  assert.equal(tag.readUIntBE(1, 3), body);
  assert.equal(tag.readUIntBE(4, 3) + tag[7] * 2 ** 24, t, 'timestamp with its extension');
  assert.equal(tag.readUIntBE(8, 3), 0, 'stream id');
  assert.deepEqual([...tag.subarray(11, 16)], [0x17, 1, 0, 0, 0], 'keyframe, AVC NALU, composition time 0');
  assert.equal(tag.readUInt32BE(16), 4);
  assert.deepEqual(tag.subarray(20, 24), nalus[0]);
  assert.equal(tag.readUInt32BE(24), 300);
  assert.deepEqual(tag.subarray(28, 328), nalus[1]);
  assert.equal(tag.readUInt32BE(328), 11 + body, 'previous tag size');
  const inter = flvFrame({ time90k: 0, receivedAt: 0, keyframe: false, nalus: [nalus[1]] }, 40);
  assert.equal(inter[11], 0x27, 'an inter frame');
  assert.equal(inter.readUIntBE(4, 3), 40);
});
