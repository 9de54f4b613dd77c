/**
 * RTP → access units for H.264 (RFC 6184: single NAL unit, STAP-A, FU-A) and H.265 (RFC 7798:
 * single, AP, FU). A picture ends at the marker bit or when the timestamp moves on. A lost packet
 * (a gap in sequence numbers, a fragment without its start) drops the broken picture and every
 * picture after it until the next keyframe, so a decoder never sees a hole. Parameter sets in the
 * stream update the stream info; they, AUDs and SEI are not passed on in the access units.
 *
 * Every payload is copied once, into one picture buffer the depacketizer owns and reuses: the
 * packets may be views of a read buffer the session reuses, and a picture's NAL units are handed on
 * as views of that picture buffer, valid during onAccessUnit (subscribers copy what they keep).
 */
import type { AccessUnit, StreamInfo, VideoCodec } from '../video/types.ts';
import { sortAccessUnit, streamInfoOf, type ParameterSets } from '../video/parameter-sets.ts';

export interface DepacketizerOptions {
  codec: VideoCodec;
  payloadType: number;
  clockRate?: number;
  /** Parameter sets from the SDP, if any. */
  sps?: Buffer[];
  pps?: Buffer[];
  vps?: Buffer[];
  fps?: number;
  onInfo(info: StreamInfo): void;
  onAccessUnit(au: AccessUnit): void;
}

export interface DepacketizerStats {
  packets: number;
  badPackets: number;
  lost: number;
  droppedUnits: number;
  accessUnits: number;
}

/** Bytes one picture may take (a 4K keyframe is well under this): a server that never ends one is cut off. */
const MAX_UNIT_BYTES = 8 * 1024 * 1024;
/** Invalid packets in a row before the stream is declared garbage. */
const MAX_BAD_IN_A_ROW = 200;

export class ProtocolViolation extends Error {}

export class Depacketizer {
  readonly stats: DepacketizerStats = { packets: 0, badPackets: 0, lost: 0, droppedUnits: 0, accessUnits: 0 };
  private readonly h265: boolean;
  private readonly sets: ParameterSets;
  private info: StreamInfo | undefined;
  /** The current picture's bytes, reused from picture to picture; grows to the largest picture. */
  private unit = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  /** [start, end) of each NAL unit in `unit`, in order. */
  private spans: number[] = [];
  private broken = false;
  private waitKey = true;
  /** Where the NAL unit being reassembled from fragments starts in `unit`, or null. */
  private fu: number | null = null;
  private curTs: number | null = null;
  private lastSeq: number | null = null;
  private lastTs: number | null = null;
  private time90k = 0;
  private badInARow = 0;
  private unitBytes = 0;
  private readonly scale: number;

  constructor(private readonly opts: DepacketizerOptions) {
    this.h265 = opts.codec === 'h265';
    this.sets = { sps: opts.sps ?? [], pps: opts.pps ?? [], vps: opts.vps ?? [] };
    this.scale = 90_000 / (opts.clockRate ?? 90_000);
    this.updateInfo();
  }

  current(): StreamInfo | undefined {
    return this.info;
  }

  /** One RTP packet (header included). Throws ProtocolViolation when the stream is garbage. */
  push(pkt: Buffer, receivedAt: number): void {
    this.pushAt(pkt, 0, pkt.length, receivedAt);
  }

  /**
   * One RTP packet at buf[start, end): read in place, as a camera sends hundreds a second and a
   * view or a header object per packet is garbage the collector would have to chase.
   */
  pushAt(buf: Buffer, start: number, end: number, receivedAt: number): void {
    this.stats.packets++;
    const payloadStart = this.payloadStart(buf, start, end);
    const payloadEnd = buf[start] & 0x20 ? end - buf[end - 1] : end;
    if (payloadStart < 0 || payloadStart >= payloadEnd) {
      this.stats.badPackets++;
      if (++this.badInARow > MAX_BAD_IN_A_ROW) {
        throw new ProtocolViolation(
          `${MAX_BAD_IN_A_ROW} packets in a row are not RTP video of payload type ${this.opts.payloadType}`
        );
      }
      return;
    }
    this.badInARow = 0;
    const seq = (buf[start + 2] << 8) | buf[start + 3];
    const ts = buf.readUInt32BE(start + 4);
    const marker = (buf[start + 1] & 0x80) !== 0;
    if (this.lastSeq !== null && seq !== ((this.lastSeq + 1) & 0xffff)) {
      const gap = (seq - this.lastSeq - 1) & 0xffff;
      if (gap > 0x8000) {
        return; // late or duplicate packet: ignore
      }
      this.stats.lost += gap;
      this.broken = true;
      this.fu = null;
    }
    this.lastSeq = seq;
    if (this.curTs !== null && ts !== this.curTs) {
      this.flush(receivedAt);
    }
    if (this.curTs !== ts) {
      this.advanceClock(ts);
      this.curTs = ts;
    }
    this.unitBytes += payloadEnd - payloadStart;
    if (this.unitBytes > MAX_UNIT_BYTES) {
      throw new ProtocolViolation('a picture larger than 8 MiB');
    }
    this.payload(buf, payloadStart, payloadEnd);
    if (marker) {
      this.flush(receivedAt);
      this.curTs = null;
    }
  }

  /** Where the payload of the RTP packet at buf[start, end) begins, or -1 when it is not ours. */
  private payloadStart(buf: Buffer, start: number, end: number): number {
    if (end - start < 13 || buf[start] >> 6 !== 2) {
      return -1;
    }
    if ((buf[start + 1] & 0x7f) !== this.opts.payloadType) {
      return -1;
    }
    let off = start + 12 + (buf[start] & 0x0f) * 4;
    if (buf[start] & 0x10) {
      if (end < off + 4) {
        return -1;
      }
      off += 4 + buf.readUInt16BE(off + 2) * 4;
    }
    return off;
  }

  private advanceClock(ts: number): void {
    if (this.lastTs !== null) {
      // Signed 32-bit difference: the RTP clock wraps every 13 hours at 90 kHz.
      const delta = (ts - this.lastTs) | 0;
      this.time90k += Math.max(0, delta) * this.scale;
    }
    this.lastTs = ts;
  }

  /** A packet's payload, p[from, to). */
  private payload(p: Buffer, from: number, to: number): void {
    if (this.h265) {
      if (to - from < 3) {
        this.broken = true;
        return;
      }
      const type = (p[from] >> 1) & 0x3f;
      if (type === 48) {
        this.aggregate(p, from + 2, to);
      } else if (type === 49) {
        const fuHeader = p[from + 2];
        const start = (fuHeader & 0x80) !== 0;
        const end = (fuHeader & 0x40) !== 0;
        this.fragment(start, end, p, from + 3, to, (p[from] & 0x81) | ((fuHeader & 0x3f) << 1), p[from + 1]);
      } else {
        this.nal(p, from, to);
      }
      return;
    }
    const type = p[from] & 0x1f;
    if (type === 24) {
      this.aggregate(p, from + 1, to);
    } else if (type === 28) {
      if (to - from < 3) {
        this.broken = true;
        return;
      }
      const start = (p[from + 1] & 0x80) !== 0;
      const end = (p[from + 1] & 0x40) !== 0;
      this.fragment(start, end, p, from + 2, to, (p[from] & 0xe0) | (p[from + 1] & 0x1f), -1);
    } else if (type >= 1 && type <= 23) {
      this.nal(p, from, to);
    } else {
      this.broken = true; // STAP-B, MTAP, FU-B: not used by cameras in packetization-mode 1
    }
  }

  /** An aggregation packet's NAL units, p[from, to) past its header: each behind a 16-bit size. */
  private aggregate(p: Buffer, from: number, to: number): void {
    let off = from;
    while (off + 2 <= to) {
      const len = p.readUInt16BE(off);
      off += 2;
      if (len === 0 || off + len > to) {
        this.broken = true;
        return;
      }
      this.nal(p, off, off + len);
      off += len;
    }
  }

  /** Room for `n` more bytes in the picture buffer (kept: the next picture reuses it). */
  private reserve(n: number): void {
    if (this.used + n > this.unit.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.unit.length * 2, this.used + n));
      this.unit.copy(grown, 0, 0, this.used);
      this.unit = grown;
    }
  }

  private append(p: Buffer, from: number, to: number): void {
    this.reserve(to - from);
    this.used += p.copy(this.unit, this.used, from, to);
  }

  /** A whole NAL unit: p[from, to). */
  private nal(p: Buffer, from: number, to: number): void {
    const start = this.used;
    this.append(p, from, to);
    this.spans.push(start, this.used);
  }

  /** A fragment of a NAL unit: its payload p[from, to), and the NAL header the first one restores. */
  private fragment(
    start: boolean,
    end: boolean,
    p: Buffer,
    from: number,
    to: number,
    head0: number,
    head1: number
  ): void {
    if (start) {
      if (this.fu !== null) {
        this.broken = true;
      }
      this.fu = this.used;
      this.reserve(2);
      this.unit[this.used++] = head0;
      if (head1 >= 0) {
        this.unit[this.used++] = head1;
      }
    } else if (this.fu === null) {
      this.broken = true; // the start was lost
      return;
    }
    this.append(p, from, to);
    if (end) {
      this.spans.push(this.fu, this.used);
      this.fu = null;
    }
  }

  private flush(receivedAt: number): void {
    const spans = this.spans;
    const broken = this.broken || this.fu !== null;
    this.unitBytes = 0;
    this.used = 0; // the views below stay valid until the next packet is pushed
    this.spans = [];
    this.fu = null;
    this.broken = false;
    if (spans.length === 0) {
      return;
    }
    if (broken) {
      this.stats.droppedUnits++;
      this.waitKey = true;
      return;
    }
    const nalus: Buffer[] = [];
    for (let i = 0; i < spans.length; i += 2) {
      nalus.push(this.unit.subarray(spans[i], spans[i + 1]));
    }
    // No copy: subscribers copy what they keep (AccessUnit.nalus), and every one of them does.
    const { nalus: out, keyframe, changed } = sortAccessUnit(this.opts.codec, nalus, this.sets);
    if (changed) {
      this.updateInfo();
    }
    if (out.length === 0) {
      return;
    }
    if (this.waitKey && !keyframe) {
      this.stats.droppedUnits++;
      return;
    }
    if (!this.info) {
      this.stats.droppedUnits++;
      return; // no parameter sets yet: nothing can decode this
    }
    this.waitKey = false;
    this.stats.accessUnits++;
    this.opts.onAccessUnit({ time90k: Math.round(this.time90k), receivedAt, keyframe, nalus: out });
  }

  private updateInfo(): void {
    const info = streamInfoOf(this.opts.codec, this.sets, this.opts.fps);
    if (info) {
      this.info = info;
      this.opts.onInfo(info);
    }
  }
}
