/** The exposition's line buffer: the same bytes as joining the lines, whatever they hold and however it grows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBuffer } from '../../src/http/line-buffer.ts';

test('a line buffer holds exactly the UTF-8 of the lines joined by newlines, growing as it must', () => {
  const lines = ['# HELP tapo_x A "quoted" help', '', 'tapo_x{camera_name="Garage é"} 1', 'Küche 🐈 cam', ''];
  for (let i = 0; i < 2_000; i++) {
    lines.push(`tapo_camera_up{camera_id="c${i}",camera_name="Caméra ${'x'.repeat(i % 50)} 東"} ${i % 2}`);
  }
  // A tiny start: it has to grow many times, sometimes in the middle of a multi-byte line.
  const buf = new LineBuffer(16);
  for (let i = 0; i < lines.length; i += 3) {
    buf.push(...lines.slice(i, i + 3));
  }
  const want = Buffer.from(lines.join('\n'), 'utf8');
  assert.ok(buf.joined().equals(want));
  assert.equal(buf.size, want.length + 1, 'the size counts the newline after the last line');
});

test('an empty line buffer is empty; one empty line is one empty line', () => {
  assert.equal(new LineBuffer().joined().length, 0);
  const one = new LineBuffer();
  one.push('');
  assert.equal(one.joined().toString(), '');
  one.push('a');
  assert.equal(one.joined().toString(), '\na');
});
