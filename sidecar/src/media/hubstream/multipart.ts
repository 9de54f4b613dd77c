/**
 * The port-8800 wire framing (fact sheet §8.3): an HTTP/1.1 answer head on a raw TCP socket, then
 * parts separated by a boundary line, each with its own headers and a Content-Length body, in
 * both directions for as long as the socket is open.
 */

export interface Head {
  status: number;
  reason: string;
  headers: Map<string, string>;
}

export interface Part {
  headers: Map<string, string>;
  body: Buffer;
}

export class FramingError extends Error {}

const MAX_HEAD_BYTES = 16 * 1024;
/** A part larger than this is not a stream part (a 4K keyframe's TS is well under it). */
const MAX_PART_BYTES = 8 * 1024 * 1024;

function headers(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) {
      out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
  }
  return out;
}

/** Cuts an HTTP answer head off the front of `buf`; null while incomplete. */
export function takeHead(buf: Buffer): { head: Head; rest: Buffer } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    if (buf.length > MAX_HEAD_BYTES) {
      throw new FramingError('an answer head larger than 16 KiB');
    }
    return null;
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(lines[0]);
  if (!m) {
    throw new FramingError('an answer that is not HTTP');
  }
  return {
    head: {
      status: Number(m[1]),
      reason: m[2].replace(/[^\x20-\x7e]/g, '?').slice(0, 80),
      headers: headers(lines.slice(1)),
    },
    rest: buf.subarray(end + 4),
  };
}

/** The boundary of a `multipart/mixed;boundary=...` content type, or `fallback`. */
export function boundaryOf(contentType: string | undefined, fallback: string): string {
  const m = /boundary\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m ? m[1] : fallback;
}

/** One part as the wire carries it (the boundary line as pytapo and the devices write it: "--" + boundary). */
export function encodePart(boundary: string, head: Record<string, string>, body: Buffer): Buffer {
  const lines = [
    `--${boundary}`,
    ...Object.entries(head).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${body.length}`,
  ];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body, Buffer.from('\r\n')]);
}

/** Reads parts from a byte stream in any chunking. */
export class PartReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly marker: Buffer;

  constructor(boundary: string) {
    this.marker = Buffer.from(boundary, 'latin1');
  }

  /** Adds bytes and returns the parts now complete. */
  push(chunk: Buffer): Part[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Part[] = [];
    for (;;) {
      const at = this.buf.indexOf(this.marker);
      if (at < 0) {
        if (this.buf.length > MAX_HEAD_BYTES) {
          throw new FramingError('bytes without a part boundary');
        }
        return out;
      }
      const end = this.buf.indexOf('\r\n\r\n', at);
      if (end < 0) {
        if (this.buf.length - at > MAX_HEAD_BYTES) {
          throw new FramingError('a part head larger than 16 KiB');
        }
        return out;
      }
      const h = headers(this.buf.subarray(at, end).toString('latin1').split('\r\n').slice(1));
      const len = Number(h.get('content-length'));
      if (!Number.isInteger(len) || len < 0 || len > MAX_PART_BYTES) {
        throw new FramingError('a part without a usable Content-Length');
      }
      if (this.buf.length < end + 4 + len) {
        return out;
      }
      out.push({ headers: h, body: Buffer.from(this.buf.subarray(end + 4, end + 4 + len)) });
      this.buf = this.buf.subarray(end + 4 + len);
    }
  }
}
