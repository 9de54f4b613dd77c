/** The group-of-pictures memory: views one after the other, restart at a keyframe, growth and spill. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GopArena } from '../../src/media/video/gop-arena.ts';

test('fragments of a group are separate views of one buffer, which the next group reuses', () => {
  const arena = new GopArena(100, 1000);
  const a = arena.take(40).fill(1);
  const b = arena.take(60).fill(2);
  assert.equal(a.buffer, b.buffer, 'one buffer');
  assert.deepEqual([a.every((x) => x === 1), b.every((x) => x === 2)], [true, true], 'no overlap');
  arena.restart();
  const c = arena.take(10).fill(3);
  assert.equal(c.buffer, a.buffer, 'the next group starts over in the same buffer');
  assert.equal(c.byteOffset, a.byteOffset);
});

test('a group larger than the buffer spills into its own buffers, and the next one has room for it', () => {
  const arena = new GopArena(100, 1000);
  const first = arena.take(80);
  const spilled = arena.take(80);
  assert.notEqual(spilled.buffer, first.buffer, 'beyond the buffer: a buffer of its own');
  assert.equal(spilled.length, 80);
  arena.restart();
  assert.equal(arena.capacity(), 200, 'grown to a quarter more than the 160-byte group');
  const x = arena.take(80);
  const y = arena.take(80);
  assert.equal(x.buffer, y.buffer);
});

test('growth stops at the bound; larger groups keep spilling', () => {
  const arena = new GopArena(100, 300);
  for (let i = 0; i < 5; i++) {
    arena.take(200);
  }
  arena.restart();
  assert.equal(arena.capacity(), 300);
  const a = arena.take(200);
  const b = arena.take(200);
  assert.notEqual(a.buffer, b.buffer);
});
