/** The kept group of pictures: from the last keyframe, copied out of the read buffers, bounded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeptGroup } from '../../src/media/video/kept-group.ts';
import type { AccessUnit } from '../../src/media/video/types.ts';

const au = (n: number, keyframe: boolean, bytes = 10): AccessUnit => ({
  time90k: n * 6000,
  receivedAt: n,
  keyframe,
  nalus: [Buffer.alloc(bytes, n), Buffer.alloc(2, 0xee)],
});

test('keeps the pictures since the last keyframe, as copies of what the session handed over', () => {
  const g = new KeptGroup(64, 1000);
  g.add(au(1, false)); // nothing to decode it from
  assert.equal(g.pictures().length, 0);
  const read = au(2, true);
  g.add(read);
  g.add(au(3, false));
  read.nalus[0].fill(0); // the session reuses its read buffer
  assert.deepEqual(
    g.pictures().map((p) => [p.receivedAt, p.keyframe, p.nalus[0][0], p.nalus[1].length]),
    [
      [2, true, 2, 2],
      [3, false, 3, 2],
    ]
  );
  g.add(au(4, true));
  assert.deepEqual(
    g.pictures().map((p) => p.receivedAt),
    [4],
    'a keyframe starts the group over'
  );
  g.clear();
  assert.equal(g.pictures().length, 0);
});

test('a group past the bound is dropped until the next keyframe', () => {
  const g = new KeptGroup(64, 100);
  g.add(au(1, true, 40));
  g.add(au(2, false, 40));
  g.add(au(3, false, 40)); // 126 bytes in all: over
  assert.equal(g.pictures().length, 0, 'a group that cannot be kept whole is not kept');
  g.add(au(4, false, 1));
  assert.equal(g.pictures().length, 0);
  g.add(au(5, true, 40));
  assert.deepEqual(
    g.pictures().map((p) => p.receivedAt),
    [5]
  );
});
