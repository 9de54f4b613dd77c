/**
 * The history read path's decoding, without SQLite: a day of 200 cameras at 30 s as the store keeps
 * it (an encoded chunk per camera and hour, a camera's chunks joined end to end as SQL joins them),
 * timestamps and latency decoded as historyColumns decodes them (decodeJoined), and per chunk
 * (decodeChunks). The floor, measured in the same run: one plain loop over every byte of the same
 * blobs (reading the bytes costs at least that much).
 */
import { decodeChunks, decodeJoined, encodeChunk } from '../src/store/codec/chunk.ts';
import { NCOLS, colIndex, pollToRow, rowsToBlock } from '../src/store/columns.ts';
import { realisticPolls } from '../test/helpers/realistic-polls.ts';
import { fmt, summary } from './_stats.ts';

const CAMERAS = 200;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const ROUNDS = 25;

function joinedDay(camera: number): Uint8Array {
  const polls = realisticPolls({ cameraId: `cam${camera}` }, T0, T0 + 24 * HOUR, 30_000, camera + 1);
  const blobs: Uint8Array[] = [];
  for (let h = 0; h < 24; h++) {
    const rows = polls.filter((p) => p.time >= T0 + h * HOUR && p.time < T0 + (h + 1) * HOUR).map(pollToRow);
    blobs.push(encodeChunk(rowsToBlock(rows).cols as Float64Array[]));
  }
  const out = new Uint8Array(blobs.reduce((a, b) => a + b.length, 0));
  blobs.reduce((at, b) => (out.set(b, at), at + b.length), 0);
  return out;
}

/** The p50 of `ROUNDS` timed calls of `f` (after three to warm up), in ms. */
function time(f: () => number): { ms: number; sink: number } {
  const samples: number[] = [];
  let sink = 0;
  for (let i = 0; i < ROUNDS + 3; i++) {
    const a = performance.now();
    sink += f();
    if (i >= 3) {
      samples.push(performance.now() - a);
    }
  }
  return { ms: summary(samples).p50, sink };
}

export async function run(): Promise<void> {
  const blobs = Array.from({ length: CAMERAS }, (_, c) => joinedDay(c));
  const bytes = blobs.reduce((a, b) => a + b.length, 0);
  const wanted = [colIndex('t'), colIndex('latency')];
  const pool: Array<Float64Array | undefined> = [];
  let values = 0;
  const joined = time(() => {
    values = 0;
    for (const blob of blobs) {
      values += decodeJoined(blob, NCOLS, wanted, pool).n * wanted.length;
    }
    return values;
  });
  const perChunk = time(() => {
    let n = 0;
    for (const blob of blobs) {
      decodeChunks(blob, NCOLS, wanted, pool, (c) => (n += c.n * wanted.length));
    }
    return n;
  });
  const floor = time(() => {
    let sum = 0;
    for (const blob of blobs) {
      for (let i = 0; i < blob.length; i++) {
        sum += blob[i]!;
      }
    }
    return sum;
  });
  const ns = (ms: number) => fmt((ms * 1e6) / values, 1);
  console.log(
    `a day of ${CAMERAS} cameras at 30 s: ${(blobs.length * 24).toLocaleString('en')} chunks, ${fmt(bytes / 2 ** 20)} MiB; ` +
      `timestamps and latency: ${values.toLocaleString('en')} values`
  );
  console.log(`  decodeJoined (historyColumns): p50 ${fmt(joined.ms, 1)} ms, ${ns(joined.ms)} ns a value`);
  console.log(`  decodeChunks (a visit per chunk): p50 ${fmt(perChunk.ms, 1)} ms, ${ns(perChunk.ms)} ns a value`);
  console.log(
    `  floor, a loop over every byte of every chunk: p50 ${fmt(floor.ms, 1)} ms ` +
      `(decodeJoined ${fmt(joined.ms / floor.ms, 1)}x, though it reads two columns of the chunks' nineteen)`
  );
}
