/**
 * MPEG-TS (ISO 13818-1) → access units for the video path: the PAT names the PMT, the PMT names
 * the video PID (stream type 0x1B H.264, 0x24 H.265; audio and other PIDs are ignored), PES
 * packets are reassembled on that PID, their PTS unwrapped to a monotonic 90 kHz count, and the
 * Annex B payload split into NAL units. A continuity-counter gap on the video PID drops the broken
 * picture and every picture after it until the next keyframe, so a decoder never sees a hole.
 * Parameter sets in the stream update the stream info; they, AUDs and SEI are not passed on.
 */
import { performance } from 'node:perf_hooks';
import type { AccessUnit, StreamInfo, VideoCodec } from '../video/types.ts';
import { sortAccessUnit, streamInfoOf, type ParameterSets } from '../video/parameter-sets.ts';

export const TS_PACKET = 188;
const SYNC = 0x47;
/** Bytes one picture may take: a stream that never ends a PES is cut off. */
const MAX_PES_BYTES = 8 * 1024 * 1024;
/** Packets without a sync byte in a row before the input is declared not MPEG-TS. */
const MAX_RESYNC_BYTES = 64 * 1024;

export interface TsDemuxerOptions {
  onInfo(info: StreamInfo): void;
  onAccessUnit(au: AccessUnit): void;
  /** Clock for `receivedAt` (performance.now() by default). */
  now?: () => number;
}

export interface TsDemuxerStats {
  packets: number;
  /** Continuity-counter gaps (and transport-error packets) on the video PID. */
  lost: number;
  droppedUnits: number;
  accessUnits: number;
  /** Bytes skipped to find a sync byte again. */
  skippedBytes: number;
}

export class TsProtocolError extends Error {}

export class TsDemuxer {
  readonly stats: TsDemuxerStats = { packets: 0, lost: 0, droppedUnits: 0, accessUnits: 0, skippedBytes: 0 };
  private rest: Buffer = Buffer.alloc(0);
  private pmtPid = -1;
  private videoPid = -1;
  private codec: VideoCodec = 'h264';
  private lastCc = -1;
  private pes: Buffer[] = [];
  private pesBytes = 0;
  private broken = false;
  private waitKey = true;
  private lastPts: number | null = null;
  private time90k = 0;
  private readonly sets: ParameterSets = { sps: [], pps: [], vps: [] };
  private info: StreamInfo | undefined;
  private unsynced = 0;

  constructor(private readonly opts: TsDemuxerOptions) {}

  /** Feeds bytes (any chunking); throws TsProtocolError when the input is not MPEG-TS at all. */
  push(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= TS_PACKET) {
      if (buf[at] !== SYNC) {
        at++;
        this.stats.skippedBytes++;
        if (++this.unsynced > MAX_RESYNC_BYTES) {
          throw new TsProtocolError('no MPEG-TS sync byte in 64 KiB');
        }
        this.lose(); // whatever was skipped may have been video
        continue;
      }
      this.unsynced = 0;
      this.packet(buf.subarray(at, at + TS_PACKET));
      at += TS_PACKET;
    }
    buf = buf.subarray(at);
    this.rest = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  /** The input ended: the last picture is complete. */
  flush(): void {
    this.endPes();
  }

  private packet(p: Buffer): void {
    this.stats.packets++;
    const tei = (p[1] & 0x80) !== 0;
    const pusi = (p[1] & 0x40) !== 0;
    const pid = ((p[1] & 0x1f) << 8) | p[2];
    const afc = (p[3] >> 4) & 3;
    const cc = p[3] & 0x0f;
    let off = 4;
    let discontinuity = false;
    if (afc & 2) {
      const len = p[4];
      discontinuity = len > 0 && (p[5] & 0x80) !== 0;
      off = 5 + len;
      if (off > TS_PACKET) {
        if (pid === this.videoPid) {
          this.lose();
        }
        return;
      }
    }
    const payload = afc & 1 ? p.subarray(off) : null;
    if (pid === this.videoPid) {
      if (tei) {
        this.lose();
        return;
      }
      if (payload) {
        if (this.lastCc >= 0 && !discontinuity) {
          if (cc === this.lastCc) {
            return; // a duplicate packet (allowed once by the standard)
          }
          if (cc !== ((this.lastCc + 1) & 0x0f)) {
            this.lastCc = cc;
            this.lose();
            if (!pusi) {
              return; // the rest of this PES is useless; wait for the next one
            }
          }
        }
        this.lastCc = cc;
        this.videoPayload(payload, pusi);
      }
      return;
    }
    if (!payload || tei) {
      return;
    }
    if (pid === 0 && pusi) {
      this.pat(payload);
    } else if (pid === this.pmtPid && pusi) {
      this.pmt(payload);
    }
  }

  private section(payload: Buffer): Buffer | null {
    const ptr = payload[0];
    const s = payload.subarray(1 + ptr);
    if (s.length < 3) {
      return null;
    }
    const len = ((s[1] & 0x0f) << 8) | s[2];
    if (3 + len > s.length || len < 9) {
      return null; // sections spanning packets are not needed for the PAT/PMT of a camera stream
    }
    return s.subarray(0, 3 + len - 4); // without the CRC
  }

  private pat(payload: Buffer): void {
    const s = this.section(payload);
    if (!s || s[0] !== 0x00) {
      return;
    }
    for (let i = 8; i + 4 <= s.length; i += 4) {
      const program = s.readUInt16BE(i);
      if (program !== 0) {
        this.pmtPid = s.readUInt16BE(i + 2) & 0x1fff;
        return;
      }
    }
  }

  private pmt(payload: Buffer): void {
    const s = this.section(payload);
    if (!s || s[0] !== 0x02) {
      return;
    }
    const infoLen = ((s[10] & 0x0f) << 8) | s[11];
    for (let i = 12 + infoLen; i + 5 <= s.length; ) {
      const type = s[i];
      const pid = s.readUInt16BE(i + 1) & 0x1fff;
      const esLen = ((s[i + 3] & 0x0f) << 8) | s[i + 4];
      if (type === 0x1b || type === 0x24) {
        const codec: VideoCodec = type === 0x24 ? 'h265' : 'h264';
        if (pid !== this.videoPid || codec !== this.codec) {
          this.videoPid = pid;
          this.codec = codec;
          this.lastCc = -1;
          this.pes = [];
          this.pesBytes = 0;
          this.waitKey = true;
        }
        return;
      }
      i += 5 + esLen;
    }
  }

  /** Bytes of the stream were lost outside the TS (a corrupted carrier part): resync at a keyframe. */
  discontinuity(): void {
    this.lose();
    this.rest = Buffer.alloc(0);
  }

  private lose(): void {
    this.stats.lost++;
    this.broken = true;
    this.waitKey = true;
  }

  private videoPayload(payload: Buffer, pusi: boolean): void {
    if (pusi) {
      this.endPes();
    } else if (this.pes.length === 0) {
      return; // the middle of a PES whose start we did not see
    }
    this.pesBytes += payload.length;
    if (this.pesBytes > MAX_PES_BYTES) {
      this.pes = [];
      this.pesBytes = 0;
      this.lose();
      return;
    }
    this.pes.push(Buffer.from(payload));
  }

  private endPes(): void {
    const parts = this.pes;
    const broken = this.broken;
    this.pes = [];
    this.pesBytes = 0;
    this.broken = false;
    if (parts.length === 0) {
      return;
    }
    if (broken) {
      this.stats.droppedUnits++;
      return;
    }
    const pes = Buffer.concat(parts);
    if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) {
      this.stats.droppedUnits++;
      this.waitKey = true;
      return;
    }
    const flags = pes[7];
    const headerEnd = 9 + pes[8];
    if (headerEnd > pes.length) {
      this.stats.droppedUnits++;
      this.waitKey = true;
      return;
    }
    if (flags & 0x80) {
      this.advance(readPts(pes, 9));
    }
    this.unit(splitAnnexB(pes.subarray(headerEnd)));
  }

  private advance(pts: number): void {
    if (this.lastPts !== null) {
      // 33-bit wrap: the shortest signed distance
      let d = pts - this.lastPts;
      if (d > 2 ** 32) {
        d -= 2 ** 33;
      } else if (d < -(2 ** 32)) {
        d += 2 ** 33;
      }
      this.time90k += Math.max(0, d);
    }
    this.lastPts = pts;
  }

  private unit(nalus: Buffer[]): void {
    const { nalus: out, keyframe, changed } = sortAccessUnit(this.codec, nalus, this.sets);
    if (changed) {
      this.updateInfo();
    }
    if (out.length === 0) {
      return;
    }
    if ((this.waitKey && !keyframe) || !this.info) {
      this.stats.droppedUnits++;
      return;
    }
    this.waitKey = false;
    this.stats.accessUnits++;
    const now = this.opts.now ?? (() => performance.now());
    this.opts.onAccessUnit({ time90k: this.time90k, receivedAt: now(), keyframe, nalus: out });
  }

  private updateInfo(): void {
    const info = streamInfoOf(this.codec, this.sets);
    if (info) {
      this.info = info;
      this.opts.onInfo(info);
    }
  }
}

/** The 33-bit PTS at `at` of a PES header. */
function readPts(b: Buffer, at: number): number {
  return (
    (b[at] & 0x0e) * 2 ** 29 + (b[at + 1] << 22) + ((b[at + 2] & 0xfe) << 14) + (b[at + 3] << 7) + (b[at + 4] >> 1)
  );
}

/** NAL units of an Annex B byte stream (start codes, and the zero bytes before them, removed). */
export function splitAnnexB(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 2 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && buf[end - 1] === 0) {
          end--;
        }
        if (end > start) {
          out.push(buf.subarray(start, end));
        }
      }
      start = i + 3;
      i += 2;
    }
  }
  if (start >= 0 && start < buf.length) {
    out.push(buf.subarray(start));
  }
  return out;
}
