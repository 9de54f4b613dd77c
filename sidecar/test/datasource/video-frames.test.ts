/**
 * The Live video packet's frame JSON, written straight into a buffer, is byte for byte what the
 * generic frame encoder makes of the same rows (with and without the schema, one or several rows,
 * a problem row with its error), so the panel and Grafana read it the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { frameToJSON } from '../../src/grafana/frame.ts';
import { videoFrame, videoPacketsJSON } from '../../src/datasource/video-frames.ts';
import type { VideoPacket } from '../../src/datasource/video-relay.ts';

function packet(over: Partial<VideoPacket>): VideoPacket {
  return {
    kind: 'fragment',
    time: 1_764_000_000_123,
    seq: 7,
    keyframe: false,
    codec: 'avc1.640028',
    width: 2304,
    height: 1296,
    data: randomBytes(1000),
    error: null,
    receivedAt: 12.5,
    ...over,
  };
}

test('video packets encode to the same frame JSON as the generic encoder', () => {
  const sets: VideoPacket[][] = [
    [packet({})],
    // Every length modulo 3 (base64 padding), an empty one, and a row with an error in words.
    [
      packet({ kind: 'init', data: randomBytes(701), seq: 0 }),
      packet({ keyframe: true, data: randomBytes(702) }),
      packet({ data: randomBytes(0) }),
    ],
    [
      packet({
        kind: 'problem',
        codec: 'h265',
        data: Buffer.alloc(0),
        error: 'H.265 is "not" playable\nhere — ünïcode',
      }),
    ],
    [packet({ width: Number.NaN, height: Number.POSITIVE_INFINITY })],
    // Numbers written digit by digit must read as JSON writes them; others go through String().
    [packet({ time: 0, seq: -3, width: 9_007_199_254_740_991, height: -0 })],
    [packet({ time: 1.5, seq: 2 ** 60, width: -1e-7, height: 1e21 }), packet({ time: 10, seq: 99, width: 100 })],
    // Keyframe-sized data, base64-encoded a piece at a time: piece boundaries and a short last piece.
    [
      packet({ keyframe: true, data: randomBytes(24 * 1024) }),
      packet({ keyframe: true, data: randomBytes(24 * 1024 + 1) }),
      packet({ keyframe: true, data: randomBytes(150_001) }),
    ],
  ];
  for (const packets of sets) {
    for (const withSchema of [true, false]) {
      const ours = videoPacketsJSON(packets, withSchema);
      const generic = frameToJSON(videoFrame(packets), withSchema);
      assert.equal(ours.toString('utf8'), generic.toString('utf8'));
      const back = JSON.parse(ours.toString('utf8')) as { data: { values: unknown[][] } };
      assert.deepEqual(
        (back.data.values[7] as string[]).map((b) => Buffer.from(b, 'base64')),
        packets.map((p) => p.data)
      );
    }
  }
});
