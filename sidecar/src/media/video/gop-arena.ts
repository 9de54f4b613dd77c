/**
 * The memory one camera stream's current group of pictures lives in. Fragments are written one
 * after the other into one buffer that starts over at each keyframe, when the group before is let
 * go: a picture then costs no allocation, where a new buffer per picture (hundreds a second for a
 * wall of cameras) kept V8's full collector busy. The buffer grows to fit the largest group seen,
 * up to a bound; a group larger than that spills into buffers of its own.
 */
export class GopArena {
  private buf: Buffer;
  private used = 0;
  private groupBytes = 0;

  constructor(
    initialBytes: number,
    private readonly maxBytes: number
  ) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** A new group starts: every buffer `take` gave before must no longer be in use. */
  restart(): void {
    if (this.groupBytes > this.buf.length && this.buf.length < this.maxBytes) {
      // A quarter more than the last group: a camera's groups vary in size from one to the next.
      this.buf = Buffer.allocUnsafeSlow(Math.min(this.maxBytes, Math.ceil(this.groupBytes * 1.25)));
    }
    this.used = 0;
    this.groupBytes = 0;
  }

  /** `size` bytes for the group's next fragment, valid until the next restart(). */
  take(size: number): Buffer {
    this.groupBytes += size;
    if (this.used + size > this.buf.length) {
      return Buffer.allocUnsafe(size);
    }
    const out = this.buf.subarray(this.used, this.used + size);
    this.used += size;
    return out;
  }

  /** Bytes held (for tests and figures). */
  capacity(): number {
    return this.buf.length;
  }
}
