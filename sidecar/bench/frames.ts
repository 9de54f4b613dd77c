/**
 * Encoding a metrics answer's frames as Arrow IPC files (issue 23's question: 24 h of 1,000
 * cameras, one metric, 1,000 points): the direct writer (frameToArrow, arrow-file.ts) beside
 * apache-arrow's writer (frameToArrowGeneric) on the same frames in the same run, and beside a
 * floor: allocating each file and copying its columns' bytes, which any writer has to do.
 *
 * The frames are the real metrics query's (metricsQuery over an in-memory fleet): 960 buckets of
 * 90 s, a latency-like random walk with gaps; with minMax each frame has three value fields. Each
 * round gets new frames (and a new shared time array, as each answer has), built outside the timing.
 */
import { metricsQuery } from '../src/datasource/query/metrics.ts';
import { frameToArrow, frameToArrowGeneric, type Frame } from '../src/grafana/frame.ts';
import type { HistoryRequest, SeriesColumns } from '../src/model.ts';
import { MemoryFleet, poll } from '../test/helpers/memory-fleet.ts';
import { seeded } from '../test/helpers/realistic-polls.ts';
import { fmt, summary } from './_stats.ts';

const CAMERAS = Number(process.env.TAPO_BENCH_FRAMES_CAMERAS ?? 1000);
const ROWS = 960;
const STEP_MS = 90_000;
const ROUNDS = 15;

/** A fleet whose history is generated columns: what the store hands the metrics query. */
class GeneratedHistory extends MemoryFleet {
  private readonly values = new Map<string, Float64Array>();

  constructor(cameras: number) {
    super();
    const rnd = seeded(23);
    for (let c = 0; c < cameras; c++) {
      const id = `cam${c}`;
      this.addCamera(id, `Camera ${c}`, poll(id, 0, { model: ['C200', 'C210', 'C310', 'C425'][c % 4]! }));
      let v = 20 + rnd() * 40;
      // A gap (no poll in the bucket) now and then: NaN, encoded as null.
      this.values.set(
        id,
        Float64Array.from({ length: ROWS }, () => {
          v = Math.max(1, v + (rnd() - 0.5) * 8);
          return rnd() < 0.02 ? NaN : v;
        })
      );
    }
  }

  async historyColumns(req: HistoryRequest): Promise<SeriesColumns[]> {
    return req.cameraIds.map((cameraId) => {
      const values = this.values.get(cameraId)!;
      const times = Float64Array.from({ length: ROWS }, (_, i) => req.from + i * STEP_MS);
      const spread = req.withMinMax
        ? {
            min: values.map((x) => x * 0.8),
            max: values.map((x) => x * 1.3),
          }
        : {};
      return { cameraId, metric: 'latency_ms' as const, times, values: Float64Array.from(values), ...spread };
    });
  }
}

async function answer(fleet: GeneratedHistory, minMax: boolean): Promise<Frame[]> {
  const from = Date.UTC(2026, 11, 6);
  const ctx = {
    fleet,
    uid: 'bench',
    from,
    to: from + ROWS * STEP_MS,
    maxDataPoints: 1000,
    intervalMS: 0,
    fromAlert: false,
  };
  return metricsQuery(ctx, {
    refId: 'A',
    queryType: 'metrics',
    metrics: ['latency_ms'],
    ...(minMax ? { minMax } : {}),
  });
}

/** The floor: a file's worth of memory, and its columns' bytes copied in (8 bytes a value). */
function copyColumns(frame: Frame): number {
  const rows = frame.fields[0]?.values.length ?? 0;
  const out = Buffer.allocUnsafeSlow(frame.fields.length * rows * 8);
  frame.fields.forEach((f, i) => {
    const v = f.values as Float64Array;
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), i * rows * 8);
  });
  return out.length;
}

function timed(fn: () => number): { ms: number; bytes: number } {
  const start = performance.now();
  const bytes = fn();
  return { ms: performance.now() - start, bytes };
}

export async function run(): Promise<void> {
  const fleet = new GeneratedHistory(CAMERAS);
  for (const minMax of [false, true]) {
    const direct: number[] = [];
    const generic: number[] = [];
    const floor: number[] = [];
    let bytes = 0;
    let frames = 0;
    for (let round = 0; round < ROUNDS + 3; round++) {
      const answerFrames = await answer(fleet, minMax);
      frames = answerFrames.length;
      // Round by round, the three run in turn on the same frames; the first three rounds warm up.
      const d = timed(() => answerFrames.reduce((n, f) => n + frameToArrow(f).length, 0));
      const g = timed(() => answerFrames.reduce((n, f) => n + frameToArrowGeneric(f).length, 0));
      const c = timed(() => answerFrames.reduce((n, f) => n + copyColumns(f), 0));
      if (round >= 3) {
        direct.push(d.ms);
        generic.push(g.ms);
        floor.push(c.ms);
      }
      bytes = d.bytes;
    }
    const [sd, sg, sc] = [summary(direct), summary(generic), summary(floor)];
    console.log(
      `${frames} frames × ${ROWS} rows, ${minMax ? 3 : 1} value field${minMax ? 's' : ''} (${fmt(bytes / 2 ** 20, 1)} MiB): ` +
        `direct writer p50 ${fmt(sd.p50)} ms (p99 ${fmt(sd.p99)}), apache-arrow's p50 ${fmt(sg.p50)} ms (p99 ${fmt(sg.p99)}), ` +
        `${fmt(sg.p50 / sd.p50, 1)}× faster; floor (allocate and copy the columns) p50 ${fmt(sc.p50)} ms (n=${sd.n})`
    );
  }
}
