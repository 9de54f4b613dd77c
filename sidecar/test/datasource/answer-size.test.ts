/**
 * Large metrics answers: one past the 16 MiB the server used to refuse to send reaches the client
 * whole; one past MAX_ANSWER_BYTES is refused in words before any history is read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromIPC } from 'apache-arrow';
import { createLogger } from '../../src/log.ts';
import { createDatasource } from '../../src/datasource/plugin.ts';
import { MAX_ANSWER_BYTES, MAX_POINTS, answerBytes } from '../../src/datasource/query/metrics.ts';
import type { HistoryRequest, SeriesColumns } from '../../src/model.ts';
import { bucketTimes, planBuckets } from '../../src/store/downsample.ts';
import { MemoryFleet, poll } from '../helpers/memory-fleet.ts';
import { call, pluginClients, pluginContext, servePlugin } from '../helpers/grpc-client.ts';

const log = createLogger('silent');
const now = Date.now();
/** Every bucket of every series holds a value, as a busy store's would (MemoryFleet keeps raw polls only). */
class DenseFleet extends MemoryFleet {
  async historyColumns(req: HistoryRequest): Promise<SeriesColumns[]> {
    this.historyCalls.push(req);
    const times = Float64Array.from(bucketTimes(planBuckets(req.from, req.to, req.maxPoints)));
    return req.cameraIds.flatMap((cameraId, c) =>
      req.metrics.map((metric) => {
        const values = new Float64Array(times.length).fill(c);
        const minMax = req.withMinMax ? { min: values.map((v) => v - 1), max: values.map((v) => v + 1) } : {};
        return { cameraId, metric, times, values, ...minMax };
      })
    );
  }
}
const fleet = new DenseFleet();
const CAMERAS = 1_000;
for (let c = 0; c < CAMERAS; c++) {
  fleet.addCamera(`cam${c}`, `Camera ${c}`, poll(`cam${c}`, now - 60_000, { latencyMs: c }));
}

let served: Awaited<ReturnType<typeof servePlugin>>;
/** A client that takes what Grafana's takes (go-plugin: MaxCallRecvMsgSize(math.MaxInt32)). */
let grafana: ReturnType<typeof pluginClients>;
before(async () => {
  served = await servePlugin(createDatasource({ fleet, log, metricsText: async () => '' }), { log });
  grafana = pluginClients(`127.0.0.1:${served.server.port}`, { 'grpc.max_receive_message_length': 2 ** 31 - 1 });
});
after(async () => {
  grafana.data.close();
  await served.close();
});

function metrics(json: Record<string, unknown>, maxDataPoints: number) {
  return call<any>(grafana.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [
      {
        refId: 'A',
        maxDataPoints,
        intervalMS: 1000,
        timeRange: { fromEpochMS: now - 3_600_000, toEpochMS: now },
        json: Buffer.from(JSON.stringify({ queryType: 'metrics', ...json })),
      },
    ],
  });
}

test('an answer larger than 16 MiB reaches the client whole', async () => {
  // 250 cameras x 3 metrics with min/max at up to 3,600 points (1,801 two-second buckets): ~30 MiB.
  const cameras = Array.from({ length: 250 }, (_, c) => `cam${c}`);
  const res = await metrics({ cameras, metrics: ['latency_ms', 'online', 'rssi_dbm'], minMax: true }, 3_600);
  const a = res.responses.A;
  assert.equal(a.error, '');
  assert.equal(a.frames.length, 750);
  const bytes = a.frames.reduce((n: number, f: Buffer) => n + f.length, 0);
  assert.ok(bytes > 16 * 2 ** 20, `the answer is ${bytes} bytes, meant to be past 16 MiB`);
  const last = tableFromIPC(a.frames.at(-1));
  assert.equal(JSON.parse(last.schema.fields[1]!.metadata.get('labels')!).camera_id, 'cam249');
  const rows = planBuckets(now - 3_600_000, now, 3_600).count;
  assert.equal(last.numRows, rows);
  assert.deepEqual(
    [
      last.getChild('rssi_dbm_min')!.get(0),
      last.getChild('rssi_dbm')!.get(rows - 1),
      last.getChild('rssi_dbm_max')!.get(0),
    ],
    [248, 249, 250]
  );
});

test('an answer past MAX_ANSWER_BYTES is refused with what to change, before any history is read', async () => {
  const asked = fleet.historyCalls.length;
  const points = MAX_POINTS;
  const metricsAsked = ['latency_ms', 'online', 'rssi_dbm', 'signal_level'];
  assert.ok(answerBytes(CAMERAS * metricsAsked.length, 3, points) > MAX_ANSWER_BYTES, 'the case is past the limit');
  const res = await metrics({ metrics: metricsAsked, minMax: true }, points);
  const a = res.responses.A;
  assert.equal(a.status, 413);
  assert.equal(a.frames.length, 0);
  assert.match(
    a.error,
    /1,000 cameras x 4 metrics with min\/max at [\d,]+ points \(~[\d,]+ MiB\), more than the 256 MiB/
  );
  assert.match(a.error, /fewer cameras or metrics, turn off min\/max, or lower Max data points/);
  assert.equal(fleet.historyCalls.length, asked, 'no history was read for it');
  // The same cameras and metrics at fewer points are answered.
  const ok = await metrics({ metrics: ['latency_ms'] }, 100);
  assert.equal(ok.responses.A.error, '');
  assert.equal(ok.responses.A.frames.length, CAMERAS);
});
