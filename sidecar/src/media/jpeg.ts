/**
 * JPEG framing for ffmpeg's `image2pipe` output: a streaming splitter that walks marker segments
 * (so an FFD9 inside a header segment never ends a picture early) and reads the picture size from
 * the SOF header on the way.
 */

export interface JpegImage {
  jpeg: Buffer;
  width: number;
  height: number;
}

/** A picture larger than this is garbage, not a frame: the splitter resynchronises. */
export const MAX_JPEG_BYTES = 16 * 1024 * 1024;

function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/** Markers that stand alone (no length field). */
function isStandalone(m: number): boolean {
  return m === 0x01 || (m >= 0xd0 && m <= 0xd7);
}

/** Width and height from a complete JPEG's SOF header, or null when there is none. */
export function jpegSize(buf: Buffer): { width: number; height: number } | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) {
    return null;
  }
  let p = 2;
  while (p + 4 <= buf.length) {
    if (buf[p] !== 0xff) {
      return null;
    }
    const m = buf[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    if (isStandalone(m)) {
      p += 2;
      continue;
    }
    if (m === 0xd9 || m === 0xda) {
      return null;
    }
    const len = buf.readUInt16BE(p + 2);
    if (isSof(m)) {
      if (p + 9 > buf.length) {
        return null;
      }
      return { height: buf.readUInt16BE(p + 5), width: buf.readUInt16BE(p + 7) };
    }
    p += 2 + len;
  }
  return null;
}

type Phase = 'soi' | 'segments' | 'entropy';

/**
 * Feed it chunks; it calls `onImage` for every complete picture. Bytes before a start-of-image
 * marker and pictures without a size are skipped (counted in `skippedBytes`).
 */
export class JpegSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private phase: Phase = 'soi';
  private width = 0;
  private height = 0;
  skippedBytes = 0;

  constructor(private readonly onImage: (img: JpegImage) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.scan();
    if (this.buf.length > MAX_JPEG_BYTES) {
      // No end in sight: drop everything and look for the next start.
      this.skippedBytes += this.buf.length;
      this.reset(Buffer.alloc(0));
    }
  }

  private reset(rest: Buffer): void {
    this.buf = rest;
    this.pos = 0;
    this.phase = 'soi';
    this.width = 0;
    this.height = 0;
  }

  private emit(end: number): void {
    const jpeg = Buffer.from(this.buf.subarray(0, end));
    const { width, height } = this;
    this.reset(this.buf.subarray(end));
    if (width > 0 && height > 0) {
      this.onImage({ jpeg, width, height });
    } else {
      this.skippedBytes += jpeg.length;
    }
  }

  private scan(): void {
    for (;;) {
      const buf = this.buf;
      if (this.phase === 'soi') {
        let i = buf.indexOf(0xff, 0);
        while (i >= 0 && i + 1 < buf.length && buf[i + 1] !== 0xd8) {
          i = buf.indexOf(0xff, i + 1);
        }
        if (i < 0) {
          this.skippedBytes += buf.length;
          this.buf = Buffer.alloc(0);
          return;
        }
        if (i + 1 >= buf.length) {
          // A lone 0xFF at the end: keep it, the next chunk may complete the marker.
          this.skippedBytes += i;
          this.buf = buf.subarray(i);
          return;
        }
        if (i > 0) {
          this.skippedBytes += i;
          this.buf = buf.subarray(i);
        }
        this.pos = 2;
        this.phase = 'segments';
        continue;
      }
      if (this.phase === 'segments') {
        const p = this.pos;
        if (p + 2 > buf.length) {
          return;
        }
        if (buf[p] !== 0xff) {
          // Not a marker where one must be: corrupt picture, resynchronise after it.
          this.skippedBytes += p;
          this.reset(buf.subarray(p));
          continue;
        }
        const m = buf[p + 1];
        if (m === 0xff) {
          this.pos = p + 1;
          continue;
        }
        if (m === 0xd9) {
          this.emit(p + 2);
          continue;
        }
        if (m === 0xd8) {
          // A new picture began before this one ended.
          this.skippedBytes += p;
          this.reset(buf.subarray(p));
          continue;
        }
        if (isStandalone(m)) {
          this.pos = p + 2;
          continue;
        }
        if (p + 4 > buf.length) {
          return;
        }
        const len = buf.readUInt16BE(p + 2);
        if (len < 2) {
          this.skippedBytes += p + 2;
          this.reset(buf.subarray(p + 2));
          continue;
        }
        if (p + 2 + len > buf.length) {
          return;
        }
        if (isSof(m) && len >= 7) {
          this.height = buf.readUInt16BE(p + 5);
          this.width = buf.readUInt16BE(p + 7);
        }
        this.pos = p + 2 + len;
        if (m === 0xda) {
          this.phase = 'entropy';
        }
        continue;
      }
      // Entropy-coded data: 0xFF is followed by 0x00 (stuffing), a restart marker, or a real marker.
      let i = buf.indexOf(0xff, this.pos);
      for (;;) {
        if (i < 0) {
          this.pos = buf.length;
          return;
        }
        if (i + 1 >= buf.length) {
          this.pos = i;
          return;
        }
        const n = buf[i + 1];
        if (n === 0x00 || (n >= 0xd0 && n <= 0xd7) || n === 0xff) {
          i = buf.indexOf(0xff, i + 1);
          continue;
        }
        break;
      }
      this.pos = i;
      this.phase = 'segments';
    }
  }
}
