/**
 * Reading history: bucketed series (chunks and raw rows merged, see downsample.ts), raw points,
 * events, status changes, and what the fleet resumes from after a restart.
 */
import type { EventKind, MetricName, MotionEvent, PollResult } from '../model.ts';
import { logger } from '../log.ts';
import { BucketAccumulator, bucketTimes, planBuckets } from './downsample.ts';
import {
  COLUMNS,
  METRIC_COLUMN,
  NCOLS,
  STATUS_CODES,
  blockToRows,
  colIndex,
  column,
  rowToPoint,
  type Block,
  type Column,
} from './columns.ts';
import { decodeChunk, decodeChunks, decodeJoined } from './codec/chunk.ts';
import { marks, type Connection } from './connection.ts';
import { addEventRates } from './event-rates.ts';
import { STAT, STORED_NCOLS, TIERS, tierFor } from './rollup.ts';
import {
  STATE_METRICS,
  type Aggregate,
  type CameraResume,
  type PollPoint,
  type StatusChange,
  type StoreHistoryRequest,
  type StoredColumns,
  type StoredSeries,
} from './types.ts';

export function history(c: Connection, req: StoreHistoryRequest): StoredSeries[] {
  const columns = historyColumns(c, req);
  const times = columns.length > 0 ? Array.from(columns[0]!.times) : [];
  const list = (a: Float64Array) => Array.from(a, (v) => (v === v ? v : null));
  return columns.map((s) => ({
    cameraId: s.cameraId,
    metric: s.metric,
    times,
    values: list(s.values),
    bucketMs: s.bucketMs,
    aggregate: s.aggregate,
    ...(s.min && s.max ? { min: list(s.min), max: list(s.max) } : {}),
  }));
}

/** Bucketed series as typed arrays (NaN = no value); every series shares one array of bucket times. */
export function historyColumns(c: Connection, req: StoreHistoryRequest): StoredColumns[] {
  const plan = planBuckets(req.from, req.to, req.maxPoints, req.minIntervalMs);
  const times = Float64Array.from(bucketTimes(plan));
  const cams = c.knownKeys(req.cameraIds);
  const pollMetrics = req.metrics.filter(
    (m): m is Exclude<MetricName, 'motion_events_per_min'> => m !== 'motion_events_per_min'
  );
  const cols = ['t', ...new Set(pollMetrics.map((m) => METRIC_COLUMN[m]))] as Column[];
  const aggregateOf = (metric: MetricName): Aggregate =>
    !req.aggregate || req.aggregate === 'auto' ? (STATE_METRICS.has(metric) ? 'last' : 'avg') : req.aggregate;
  const accs = new Map<number, Map<MetricName, BucketAccumulator>>(cams.map((cam) => [cam, new Map()]));
  for (const metric of req.metrics) {
    const agg = aggregateOf(metric);
    // Only the statistics the answer reads (a thousand cameras' buckets add up); motion rates set them all.
    const keep =
      metric === 'motion_events_per_min'
        ? undefined
        : { minMax: req.withMinMax === true || agg === 'min' || agg === 'max', last: agg === 'last' };
    const made = BucketAccumulator.many(plan, cams.length, keep);
    cams.forEach((cam, i) => accs.get(cam)!.set(metric, made[i]!));
  }
  if (pollMetrics.length > 0) {
    addPollMetrics(c, req, plan.bucketMs, cams, pollMetrics, cols, accs);
  }
  if (req.metrics.includes('motion_events_per_min')) {
    const eventTimes = eventStarts(c, cams, req.from, req.to);
    for (const cam of cams) {
      addEventRates(accs.get(cam)!.get('motion_events_per_min')!, eventTimes.get(cam) ?? [], plan, req.from, req.to);
    }
  }

  const out: StoredColumns[] = [];
  for (const cameraId of req.cameraIds) {
    const cam = c.cameraKey(cameraId, false);
    for (const metric of req.metrics) {
      const agg = aggregateOf(metric);
      const acc = (cam !== undefined ? accs.get(cam)?.get(metric) : undefined) ?? new BucketAccumulator(plan);
      const s: StoredColumns = {
        cameraId,
        metric,
        times,
        values: acc.column(agg),
        bucketMs: plan.bucketMs,
        aggregate: agg,
      };
      if (req.withMinMax) {
        s.min = acc.column('min');
        s.max = acc.column('max');
      }
      out.push(s);
    }
  }
  return out;
}

type PollMetric = Exclude<MetricName, 'motion_events_per_min'>;

/**
 * Feeds the accumulators from the finest data that makes up the plan's buckets exactly: polls, or
 * a rollup tier when the bucket width is a multiple of its (rollup.ts). Where that level's data
 * has been thinned out (polls after a week, 5-minute buckets after 90 days), the next coarser one
 * takes over: each level only adds what is older than everything the finer ones hold.
 */
function addPollMetrics(
  c: Connection,
  req: StoreHistoryRequest,
  bucketMs: number,
  cams: number[],
  metrics: PollMetric[],
  cols: Column[],
  accs: Map<number, Map<MetricName, BucketAccumulator>>
): void {
  const tier = tierFor(bucketMs);
  const first = tier ? TIERS.indexOf(tier) + 1 : 0;
  /** Per camera: levels after the first add only times before this. */
  const bound = new Map<number, number>(cams.map((cam) => [cam, Infinity]));
  let online = new Float64Array(0);
  const feedPolls = (cam: number, b: Block) => {
    const mine = accs.get(cam)!;
    const to = Math.min(req.to, bound.get(cam)! - 1);
    const t = column(b, 't');
    for (const metric of metrics) {
      let v = column(b, METRIC_COLUMN[metric]);
      if (metric === 'online') {
        if (online.length < b.n) {
          online = new Float64Array(b.n * 2);
        }
        for (let i = 0; i < b.n; i++) {
          online[i] = v[i] === STATUS_CODES.online ? 1 : 0;
        }
        v = online;
      }
      mine.get(metric)!.addColumn(t, v, req.from, to, 0, b.n);
    }
  };
  // Polls not compacted yet are the newest of all, at every level. Without the head, their
  // oldest times come from the rows read (the head knows its own: rawBounds).
  const rawLo = new Map<number, number>();
  const headless = c.head() === null;
  eachRawBlock(c, cams, req.from, req.to, cols, (cam, b) => {
    feedPolls(cam, b);
    if (headless) {
      rawLo.set(cam, minOf(column(b, 't'), b.n));
    }
  });
  rawBounds(c, cams, req.from, req.to, rawLo, bound);
  for (let level = first; level <= TIERS.length; level++) {
    // Each level adds only what is older than everything the finer ones hold: once they reach back
    // to `from` for every camera (a day's query while chunks are kept a week), none can add anything.
    if (reachesBack(bound, req.from)) {
      break;
    }
    if (level === 0) {
      const found = new Map<number, number>();
      const colIdx = cols.map(colIndex);
      const pool: Array<Float64Array | undefined> = new Array(NCOLS);
      for (const r of joinedChunks(c, 'chunks', cams, req.from - c.chunkMs, req.to)) {
        // A camera's chunks as one block: buckets add values in any order.
        feedPolls(r.camera, decodeJoined(r.data, NCOLS, colIdx, pool));
        found.set(r.camera, r.lo);
      }
      chunkBounds(c, cams, req.from, found, bound);
      continue;
    }
    const t = TIERS[level - 1]!;
    const metricsOf = new Map<number, PollMetric[]>();
    for (const metric of metrics) {
      const col = colIndex(METRIC_COLUMN[metric]);
      metricsOf.set(col, [...(metricsOf.get(col) ?? []), metric]);
    }
    const pool: Array<Float64Array | undefined> = new Array(STORED_NCOLS);
    const all = Array.from({ length: STORED_NCOLS }, (_, i) => i);
    // Only buckets older than what the finer levels hold count: none when those cover the whole
    // range for every camera (a day's query while polls are kept a week), so none are read.
    let older = -Infinity;
    for (const cam of cams) {
      older = Math.max(older, bound.get(cam)!);
    }
    const upTo = Math.min(req.to, older - 1);
    for (const r of upTo < req.from
      ? []
      : joinedChunks(c, 'rollups', cams, req.from - t.windowMs, upTo, {
          tier: t.id,
          cols: [...metricsOf.keys()],
        })) {
      const mine = accs.get(r.camera)!;
      const to = Math.min(req.to, bound.get(r.camera)! - 1);
      decodeChunks(r.data, STORED_NCOLS, all, pool, (b) => {
        const stat = (k: number) => b.cols[1 + k]!;
        for (const metric of metricsOf.get(r.col) ?? []) {
          let last = stat(STAT.last);
          if (metric === 'online') {
            last = last.map((s) => (s === STATUS_CODES.online ? 1 : 0));
          }
          mine
            .get(metric)!
            .addRollups(
              b.cols[0]!,
              stat(STAT.n),
              stat(STAT.sum),
              stat(STAT.min),
              stat(STAT.max),
              last,
              req.from,
              to,
              b.n
            );
        }
      });
    }
    if (level < TIERS.length) {
      lowerBound(
        bound,
        c.db.all(
          `SELECT camera, min(start) AS lo FROM rollups WHERE tier = ? AND camera IN (${marks(cams.length)}) GROUP BY camera`,
          [t.id, ...cams]
        )
      );
    }
  }
}

/**
 * Lowers each camera's bound to its oldest raw poll at or before `to` (a newer one bounds nothing
 * in the range): the head knows it; without the head, the oldest of those read, or of those
 * before `from`, which the index by time finds (the table has no index by camera: a minimum per
 * camera over all of it is a full scan).
 */
function rawBounds(
  c: Connection,
  cams: number[],
  from: number,
  to: number,
  rawLo: Map<number, number>,
  bound: Map<number, number>
): void {
  const head = c.head();
  if (head) {
    for (const cam of cams) {
      bound.set(cam, Math.min(bound.get(cam)!, head.oldest(cam, to)));
    }
    return;
  }
  for (const [cam, lo] of rawLo) {
    bound.set(cam, Math.min(bound.get(cam)!, lo));
  }
  lowerBound(
    bound,
    c.db.all(
      `SELECT camera, min(t) AS lo FROM polls WHERE t < ? AND camera IN (${marks(cams.length)}) GROUP BY camera`,
      [from, ...cams]
    )
  );
}

function minOf(a: Float64Array, n: number): number {
  let lo = Infinity;
  for (let i = 0; i < n; i++) {
    if (a[i]! < lo) {
      lo = a[i]!;
    }
  }
  return lo;
}

/** Whether the levels read so far hold every camera's data back to `from` (see addPollMetrics). */
function reachesBack(bound: Map<number, number>, from: number): boolean {
  for (const lo of bound.values()) {
    if (lo > from) {
      return false;
    }
  }
  return true;
}

/**
 * Lowers each camera's bound to its oldest chunk. `found` holds the oldest start among the chunks
 * just read: where that is at or before `from` it decides the query as well as the oldest of all
 * would (nothing before `from` counts), so only the other cameras cost a look at the index.
 */
function chunkBounds(
  c: Connection,
  cams: number[],
  from: number,
  found: Map<number, number>,
  bound: Map<number, number>
): void {
  const rest: number[] = [];
  for (const cam of cams) {
    const lo = found.get(cam);
    if (lo !== undefined && lo <= from) {
      bound.set(cam, Math.min(bound.get(cam)!, lo));
    } else {
      rest.push(cam);
    }
  }
  if (rest.length > 0) {
    lowerBound(
      bound,
      c.db.all(
        `SELECT camera, min(start) AS lo FROM chunks WHERE camera IN (${marks(rest.length)}) GROUP BY camera`,
        rest
      )
    );
  }
}

function lowerBound(bound: Map<number, number>, rows: unknown[]): void {
  for (const r of rows as Array<{ camera: number; lo: number | null }>) {
    if (r.lo !== null && r.lo < bound.get(r.camera)!) {
      bound.set(r.camera, r.lo);
    }
  }
}

/** Raw points of one camera in [from, to], oldest first, at most `limit` (the newest), with their errors. */
export function points(c: Connection, cameraId: string, from: number, to: number, limit: number): PollPoint[] {
  const cam = c.cameraKey(cameraId, false);
  if (cam === undefined) {
    return [];
  }
  const rows: number[][] = [];
  for (const b of blocks(c, [cam], from, to, COLUMNS).get(cam) ?? []) {
    for (const r of blockToRows(b)) {
      if (r[0] >= from && r[0] <= to) {
        rows.push(r);
      }
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  const kept = rows.slice(Math.max(0, rows.length - limit));
  const errors = new Map<number, string>();
  if (kept.length > 0) {
    for (const e of c
      .stmt('SELECT t, error FROM poll_errors WHERE camera = ? AND t >= ? AND t <= ?')
      .all([cam, kept[0]![0], kept.at(-1)![0]]) as Array<{ t: number; error: string }>) {
      errors.set(e.t, e.error);
    }
  }
  return kept.map((r) => ({ ...rowToPoint(r), error: errors.get(r[0]!) ?? null }));
}

export function events(
  c: Connection,
  cameraIds: string[],
  from: number,
  to: number,
  kinds?: EventKind[]
): MotionEvent[] {
  const cams = c.knownKeys(cameraIds);
  if (cams.length === 0) {
    return [];
  }
  const kindSql = kinds && kinds.length > 0 ? ` AND kind IN (${marks(kinds.length)})` : '';
  // An event counts when it overlaps the range (started before `to`, not ended before `from`).
  const rows = c.db.all(
    `SELECT camera, start, finish, kind, source FROM events WHERE camera IN (${marks(cams.length)}) AND start <= ? AND (start >= ? OR finish >= ?)${kindSql} ORDER BY start, camera`,
    [...cams, to, from, from, ...(kinds && kinds.length > 0 ? kinds : [])]
  ) as Array<{ camera: number; start: number; finish: number | null; kind: string; source: string }>;
  return rows.map((r) => ({
    cameraId: c.keys.get(r.camera)!,
    start: r.start,
    end: r.finish,
    kind: r.kind as EventKind,
    source: r.source as MotionEvent['source'],
  }));
}

export function statusChanges(c: Connection, cameraIds: string[], from: number, to: number): StatusChange[] {
  const cams = c.knownKeys(cameraIds);
  if (cams.length === 0) {
    return [];
  }
  const rows = c.db.all(
    `SELECT camera, t, from_status, to_status, error FROM status_changes WHERE camera IN (${marks(cams.length)}) AND t >= ? AND t <= ? ORDER BY t, camera`,
    [...cams, from, to]
  ) as Array<{ camera: number; t: number; from_status: string; to_status: string; error: string | null }>;
  return rows.map((r) => ({
    cameraId: c.keys.get(r.camera)!,
    time: r.t,
    from: asStatus(r.from_status),
    to: asStatus(r.to_status),
    error: r.error,
  }));
}

/** The newest poll and last-seen time of every camera the store knows. */
export function resume(c: Connection): Map<string, CameraResume> {
  const out = new Map<string, CameraResume>();
  for (const r of c.db.all('SELECT camera, poll, last_seen FROM latest') as Array<{
    camera: number;
    poll: string;
    last_seen: number | null;
  }>) {
    const id = c.keys.get(r.camera);
    if (!id) {
      continue;
    }
    try {
      out.set(id, { last: JSON.parse(r.poll) as PollResult, lastSeen: r.last_seen });
    } catch {
      logger.warn({ camera: id }, 'ignoring an unreadable stored poll');
    }
  }
  return out;
}

export function latestEventStart(c: Connection, cameraId: string, source?: MotionEvent['source']): number | null {
  const cam = c.cameraKey(cameraId, false);
  if (cam === undefined) {
    return null;
  }
  const r = source
    ? c.first<{ s: number | null }>('SELECT max(start) AS s FROM events WHERE camera = ? AND source = ?', [cam, source])
    : c.first<{ s: number | null }>('SELECT max(start) AS s FROM events WHERE camera = ?', [cam]);
  return r?.s ?? null;
}

/** Chunks and raw rows of the given cameras overlapping [from, to], per camera key, as blocks holding `cols`. */
function blocks(
  c: Connection,
  cams: number[],
  from: number,
  to: number,
  cols: readonly Column[]
): Map<number, Block[]> {
  const out = new Map<number, Block[]>(cams.map((cam) => [cam, []]));
  eachChunk(c, cams, from, to, cols, (cam, b) => out.get(cam)!.push(b));
  eachRawBlock(c, cams, from, to, cols, (cam, b) => out.get(cam)!.push(b));
  return out;
}

/** Visits the chunks of the given cameras overlapping [from, to], as blocks holding `cols`. */
function eachChunk(
  c: Connection,
  cams: number[],
  from: number,
  to: number,
  cols: readonly Column[],
  visit: (cam: number, b: Block) => void
): void {
  if (cams.length === 0) {
    return;
  }
  const colIdx = cols.map(colIndex);
  const chunkRows = c.db.all(
    `SELECT camera, data FROM chunks WHERE camera IN (${marks(cams.length)}) AND start > ? AND start <= ?`,
    [...cams, from - c.chunkMs, to]
  ) as Array<{ camera: number; data: Uint8Array }>;
  for (const r of chunkRows) {
    visit(r.camera, decodeChunk(r.data, NCOLS, colIdx));
  }
}

/**
 * The chunks of each camera (and rollup column) with start in (after, upTo], joined into one blob
 * per group by SQL, with the oldest start among them: node:sqlite makes a buffer of every blob it returns, and for a day of a
 * thousand cameras (24,000 chunks) that cost more than reading the pages. Chunks delimit
 * themselves (codec/chunk.ts decodeChunks); their order does not matter to the buckets.
 */
function joinedChunks(
  c: Connection,
  table: 'chunks' | 'rollups',
  cams: number[],
  after: number,
  upTo: number,
  rollup?: { tier: number; cols: number[] }
): Array<{ camera: number; col: number; lo: number; data: Uint8Array }> {
  const where = rollup ? `tier = ? AND col IN (${rollup.cols.join(',')}) AND ` : '';
  // group_concat joins the bytes as they are (UTF-8 databases do not transcode); CAST keeps them a blob.
  return c.db.all(
    `SELECT camera, ${rollup ? 'col' : '0 AS col'}, min(start) AS lo, CAST(group_concat(data, x'') AS BLOB) AS data FROM ${table} ` +
      `WHERE ${where}camera IN (${marks(cams.length)}) AND start > ? AND start <= ? GROUP BY camera${rollup ? ', col' : ''}`,
    [...(rollup ? [rollup.tier] : []), ...cams, after, upTo]
  ) as Array<{ camera: number; col: number; lo: number; data: Uint8Array }>;
}

/**
 * Visits the polls not compacted yet of the given cameras, a block per camera holding `cols`, for
 * those with any in [from, to]: from the head (head.ts; its blocks may hold rows outside the range,
 * which every reader filters out), or from the polls table when the head is off.
 */
function eachRawBlock(
  c: Connection,
  cams: number[],
  from: number,
  to: number,
  cols: readonly Column[],
  visit: (cam: number, b: Block) => void
): void {
  if (cams.length === 0) {
    return;
  }
  const head = c.head();
  if (head) {
    for (const cam of cams) {
      const b = head.block(cam, cols, from, to);
      if (b) {
        visit(cam, b);
      }
    }
    return;
  }
  const raw = c.db.all(
    `SELECT camera, ${cols.join(', ')} FROM polls WHERE camera IN (${marks(cams.length)}) AND t >= ? AND t <= ?`,
    [...cams, from, to]
  ) as Array<Record<string, number | null>>;
  // Rows per camera counted first, so that each camera's columns are filled in place: an hour of
  // a thousand cameras is 120,000 rows, and an array of rows per camera and a closure per value
  // cost as much again as node:sqlite's own row objects.
  const counts = new Map<number, number>();
  for (const r of raw) {
    const cam = r.camera as number;
    counts.set(cam, (counts.get(cam) ?? 0) + 1);
  }
  const byCam = new Map<number, Block>();
  for (const [cam, n] of counts) {
    const b: Block = { n: 0, cols: new Array(NCOLS) };
    for (const col of cols) {
      b.cols[colIndex(col)] = new Float64Array(n);
    }
    byCam.set(cam, b);
  }
  const idx = cols.map(colIndex);
  for (const r of raw) {
    const b = byCam.get(r.camera as number)!;
    const i = b.n++;
    for (let k = 0; k < cols.length; k++) {
      const v = r[cols[k]!];
      b.cols[idx[k]!]![i] = v === null || v === undefined ? NaN : Number(v);
    }
  }
  for (const [cam, b] of byCam) {
    visit(cam, b);
  }
}

/** Motion event starts in [from, to] per camera key. */
function eventStarts(c: Connection, cams: number[], from: number, to: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (cams.length === 0) {
    return out;
  }
  const rows = c.db.all(
    `SELECT camera, start FROM events WHERE camera IN (${marks(cams.length)}) AND start >= ? AND start <= ?`,
    [...cams, from, to]
  ) as Array<{ camera: number; start: number }>;
  for (const r of rows) {
    let a = out.get(r.camera);
    if (!a) {
      out.set(r.camera, (a = []));
    }
    a.push(r.start);
  }
  return out;
}

function asStatus(s: string): StatusChange['to'] {
  return s in STATUS_CODES ? (s as StatusChange['to']) : 'unknown';
}
