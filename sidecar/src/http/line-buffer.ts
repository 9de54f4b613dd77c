/**
 * Lines of text written straight into one growing Buffer as UTF-8. The exposition of 10,000
 * cameras is 450,000 lines: kept as strings in an array until a join, they all outlived V8's young
 * generation, and a scrape spent about half its time in the garbage collector.
 */
export class LineBuffer {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Appends each line; the text is the lines joined by newlines, as `Array.prototype.join('\n')`. */
  push(...lines: string[]): void {
    for (const line of lines) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit, and one for the newline.
      const most = line.length * 3 + 1;
      if (this.len + most > this.buf.length) {
        this.grow(most);
      }
      this.len += this.buf.write(line, this.len, 'utf8');
      this.buf[this.len++] = 0x0a;
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.len;
  }

  /** The lines joined by newlines (none after the last): a view of the buffer, valid until the next push. */
  joined(): Buffer {
    return this.buf.subarray(0, Math.max(0, this.len - 1));
  }

  private grow(atLeast: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + atLeast));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}
