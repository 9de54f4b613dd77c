/**
 * The video path's own work per picture, in this process, without sockets or other processes: the
 * live bench's video ratio swings with the shared host's load (0.8x to 1.7x for one build), this
 * one measures only the code. The simulator's stream1 clip (2304x1296 H.264 at 15 fps, ~1.6 Mbit/s,
 * a keyframe every 2 s, cut into RTP packets as it sends them) is laid out as the interleaved
 * bytes a camera sends, per picture, and handed to 16 cameras' paths in 16 KiB reads:
 * - ours: each camera's RTP depacketiser, its video feed (with the kept group a joiner gets),
 *   the Live video relay (fMP4 fragment in the group's arena), the Live packet's frame JSON with
 *   the base64, and the StreamPacket as grpc-js is handed it;
 * - the floor, on the same reads: the interleaved frames walked and the RTP payload bytes summed
 *   (as bench/video-floor.ts does), and per picture one message of our packet's size copied once
 *   (grpc-js copies every message into its frame; the floor's bytes are zeros).
 * Prints CPU per picture (the fastest and the median of REPEATS rounds) and the GC time per
 * picture for both, and their difference: what ours adds per picture before grpc-js.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { Depacketizer } from '../src/media/rtsp/depacketize.ts';
import { SessionFeeds, type FeedSession } from '../src/media/video/feeds.ts';
import { VideoRelay } from '../src/datasource/video-relay.ts';
import { videoPacketsJSON } from '../src/datasource/video-frames.ts';
import { encodeStreamPacket } from '../src/grafana/protocol.ts';
import { annexBNalUnits, cameraStreams, clipFile, framesOf } from '../src/simulator/clip.ts';
import { fmt } from './_stats.ts';

const CAMERAS = 16;
const READ_BYTES = 16 * 1024;
/** Rounds of the clip per measurement (a round: one picture for each of the 16 cameras). */
const ROUNDS = 600;
const REPEATS = 9;
const PAYLOAD_TYPE = 96;
/** How long the GC entries of a run may take to reach the observer (they come from the event loop). */
const GC_ENTRIES_MS = 50;
/** 90 kHz ticks between pictures at 15 fps. */
const TICKS = 6000;

/** One picture of the clip as interleaved RTP on channel 0: where its packets' headers are. */
interface Picture {
  bytes: Buffer;
  /** Offsets of each RTP header in `bytes` (to renumber sequence and time per round). */
  headers: number[];
}

function interleave(payloads: Buffer[]): Picture {
  const headers: number[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  payloads.forEach((p, i) => {
    const rtp = Buffer.alloc(4 + 12 + p.length);
    rtp[0] = 0x24;
    rtp.writeUInt16BE(12 + p.length, 2);
    rtp[4] = 0x80;
    rtp[5] = PAYLOAD_TYPE | (i === payloads.length - 1 ? 0x80 : 0);
    rtp.writeUInt32BE(0x1234, 12);
    p.copy(rtp, 16);
    headers.push(at + 4);
    at += rtp.length;
    parts.push(rtp);
  });
  return { bytes: Buffer.concat(parts), headers };
}

/** Hands `pic` to `onRead` in reads of READ_BYTES through one reused buffer, as a socket would. */
function deliver(pic: Picture, read: Buffer, onRead: (b: Buffer, n: number) => void): void {
  for (let at = 0; at < pic.bytes.length; at += READ_BYTES) {
    const n = Math.min(READ_BYTES, pic.bytes.length - at);
    pic.bytes.copy(read, 0, at, at + n);
    onRead(read, n);
  }
}

/** The interleaved frames of reads, reassembled across read boundaries (each path has one). */
function framer(onPacket: (b: Buffer, start: number, end: number) => void): (b: Buffer, n: number) => void {
  let head = Buffer.alloc(0);
  return (b, n) => {
    const buf = head.length ? Buffer.concat([head, b.subarray(0, n)]) : b.subarray(0, n);
    let off = 0;
    while (off + 4 <= buf.length) {
      const len = buf.readUInt16BE(off + 2);
      if (off + 4 + len > buf.length) {
        break;
      }
      onPacket(buf, off + 4, off + 4 + len);
      off += 4 + len;
    }
    head = Buffer.from(buf.subarray(off));
  };
}

interface Path {
  onRead: (b: Buffer, n: number) => void;
  pictures: () => number;
}

/** Ours, for one camera: depacketiser -> feed -> relay -> Live packet JSON -> StreamPacket. */
function ourPath(cameraId: string, sps: Buffer, pps: Buffer): Path {
  let depacketizer: Depacketizer | null = null;
  let pictures = 0;
  const feeds = new SessionFeeds(
    () => ({ url: 'rtsp://bench/stream1', maskedUrl: 'rtsp://bench/stream1' }),
    /^rtsp:/,
    (_id, _stream, _source, _timeout, hooks): FeedSession => ({
      stats: { bytesIn: 0 },
      start: async () => {
        depacketizer = new Depacketizer({
          codec: 'h264',
          payloadType: PAYLOAD_TYPE,
          sps: [sps],
          pps: [pps],
          fps: 15,
          onInfo: hooks.onInfo,
          onAccessUnit: hooks.onAccessUnit,
        });
      },
      close: () => undefined,
    })
  );
  const relay = new VideoRelay(feeds.feed(cameraId, 'main')!);
  let schemaSent = false;
  relay.listen((packets) => {
    const json = videoPacketsJSON(packets, !schemaSent);
    schemaSent = true;
    encodeStreamPacket({ data: json }); // as grpc-js calls it; it releases the buffer for reuse
    pictures++;
  });
  const onPacket = framer((b, start, end) => depacketizer!.pushAt(b, start, end, 0));
  return { onRead: onPacket, pictures: () => pictures };
}

/** The floor, for one camera: the frames walked, payload bytes summed, one message copy per picture. */
function floorPath(): Path {
  let zeros = Buffer.alloc(1 << 20);
  let bytes = 0;
  let pictures = 0;
  const onPacket = framer((b, start, end) => {
    const first = b[start];
    let hdr = 12 + 4 * (first & 0x0f);
    if (first & 0x10) {
      hdr += 4 + 4 * b.readUInt16BE(start + hdr + 2);
    }
    const pad = first & 0x20 ? b[end - 1] : 0;
    bytes += Math.max(0, end - start - hdr - pad);
    if (b[start + 1] & 0x80) {
      const n = Math.ceil((bytes * 4) / 3) + 300; // our packet's size (video-floor.ts)
      if (n > zeros.length) {
        zeros = Buffer.alloc(n * 2);
      }
      const message = Buffer.allocUnsafe(n + 5);
      zeros.copy(message, 5, 0, n);
      bytes = 0;
      pictures++;
    }
  });
  return { onRead: onPacket, pictures: () => pictures };
}

export async function run(): Promise<void> {
  const spec = cameraStreams('C210').stream1;
  const { sps, pps, frames } = framesOf(annexBNalUnits(readFileSync(await clipFile(spec, 'Bench 1'))));
  const pics = frames.map((f) => interleave(f.payloads));
  const mean = frames.reduce((a, f) => a + f.bytes, 0) / frames.length;
  console.log(
    `video path in this process: ${CAMERAS} cameras, stream1 ${spec.width}x${spec.height} @ ${spec.fps} fps (${frames.length} pictures a loop, ${fmt(mean / 1024, 1)} KiB of RTP payload a picture), ${READ_BYTES / 1024} KiB reads; ${ROUNDS} rounds x ${REPEATS}`
  );
  let seq = 0;
  let round = 0;
  const read = Buffer.allocUnsafe(128 * 1024);
  /** One round: the next picture of the clip (renumbered, so the sequence runs on) to each path. */
  const step = (paths: Path[]) => {
    const pic = pics[round % pics.length];
    for (const h of pic.headers) {
      pic.bytes.writeUInt16BE(seq++ & 0xffff, h + 2);
      pic.bytes.writeUInt32BE((round * TICKS) >>> 0, h + 4);
    }
    round++;
    for (const p of paths) {
      deliver(pic, read, p.onRead);
    }
  };
  // Both paths see the same pictures: each camera is one of the paths, pictures in step.
  const sides = {
    ours: Array.from({ length: CAMERAS }, (_, i) => ourPath(`cam-${i + 1}`, sps, pps)),
    floor: Array.from({ length: CAMERAS }, () => floorPath()),
  };
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const figures: Record<keyof typeof sides, { cpu: number[]; gc: number[] }> = {
    ours: { cpu: [], gc: [] },
    floor: { cpu: [], gc: [] },
  };
  // Warm-up: a loop of the clip each (V8 compiles the paths), then the sides in turn.
  for (const paths of Object.values(sides)) {
    for (let r = 0; r < pics.length; r++) {
      step(paths);
    }
  }
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const name of ['floor', 'ours'] as const) {
      const paths = sides[name];
      const n0 = paths.reduce((a, p) => a + p.pictures(), 0);
      // GC entries reach the observer from the event loop, a little later: let the last ones in.
      await new Promise((r) => setTimeout(r, GC_ENTRIES_MS));
      gcMs = 0;
      const c0 = process.cpuUsage();
      for (let r = 0; r < ROUNDS; r++) {
        step(paths);
      }
      const c = process.cpuUsage(c0);
      await new Promise((r) => setTimeout(r, GC_ENTRIES_MS));
      const n = paths.reduce((a, p) => a + p.pictures(), 0) - n0;
      figures[name].cpu.push((c.user + c.system) / n);
      figures[name].gc.push((gcMs * 1000) / n);
    }
  }
  gc.disconnect();
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const min = (v: number[]) => Math.min(...v);
  for (const name of ['floor', 'ours'] as const) {
    const f = figures[name];
    console.log(
      `  ${name.padEnd(5)}: ${fmt(min(f.cpu), 1)} µs of CPU per picture at best, ${fmt(median(f.cpu), 1)} median; GC ${fmt(median(f.gc), 1)} µs per picture (median)`
    );
  }
  console.log(
    `  ours adds ${fmt(median(figures.ours.cpu) - median(figures.floor.cpu), 1)} µs per picture (medians; ${fmt(median(figures.ours.cpu) / median(figures.floor.cpu), 2)}x this floor, which leaves out the sockets and grpc-js that both sides pay in the live bench)`
  );
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
