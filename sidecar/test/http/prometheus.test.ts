/**
 * A real Prometheus (Debian's package) scraping the sidecar: promtool accepts the exposition, and
 * after scrapes a PromQL query returns one series per simulated camera.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpApi } from '../../src/http/api.ts';
import { createFleetMetrics, fleetMetricsText } from '../../src/http/prometheus.ts';
import type { HttpFleetView } from '../../src/http/deps.ts';
import { configsFor, simFleet, startFleet, tempStore, until } from '../fleet/helpers.ts';

const have = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
const TOKEN = 'prom-test-token';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function running(t: { after: (fn: () => unknown) => void }, count: number) {
  const sim = await simFleet(t, { count, profiles: ['C210', 'C110', 'C310', 'C420'] });
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim, { pollIntervalMs: 300 }));
  await until(fleet, () => new Set(rec.polls.map((p) => p.cameraId)).size === count, 'a poll of every camera');
  sim.cameras[0]!.triggerMotion('motion');
  await until(fleet, () => rec.events.length > 0, 'a motion event');
  return { fleet };
}

test(
  'promtool check metrics accepts the exposition',
  { skip: have('promtool') ? false : 'promtool is not installed (Debian package prometheus); CI installs it' },
  async (t) => {
    const { fleet } = await running(t, 4);
    const text = await fleetMetricsText(fleet);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    assert.match(text, /tapo_camera_motion_events_total\{camera_id="cam-0",.*kind="motion"\} 1/);
  }
);

test(
  'a real Prometheus scrapes the sidecar; PromQL returns one series per simulated camera',
  { skip: have('prometheus') ? false : 'prometheus is not installed (Debian package prometheus); CI installs it' },
  async (t) => {
    const N = 5;
    const { fleet } = await running(t, N);
    const api = await startHttpApi({ fleet, address: '127.0.0.1:0', token: TOKEN });
    t.after(() => api.close());
    const dir = mkdtempSync(join(tmpdir(), 'tapo-prom-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tapo
    scrape_interval: 1s
    scrape_timeout: 900ms
    authorization:
      type: Bearer
      credentials: ${TOKEN}
    static_configs:
      - targets: ['127.0.0.1:${api.port}']
`
    );
    const port = await freePort();
    const prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    );
    let log = '';
    prom.stderr!.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
    t.after(() => prom.kill('SIGKILL'));

    const query = async (q: string) => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      return (await r.json()) as {
        status: string;
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
    };
    // Bounded polling of an external process, with a deadline.
    const deadline = Date.now() + 25_000;
    let series: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
    while (Date.now() < deadline) {
      try {
        const r = await query('tapo_camera_up');
        series = r.data?.result ?? [];
        if (series.length === N) {
          break;
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(series.length, N, `one series per camera; prometheus log tail:\n${log}`);
    assert.deepEqual(
      series.map((s) => s.metric.camera_id).sort(),
      Array.from({ length: N }, (_, i) => `cam-${i}`)
    );
    for (const s of series) {
      assert.equal(s.metric.job, 'tapo');
      assert.ok(s.metric.model && s.metric.camera_name, 'model and camera_name labels');
      assert.equal(s.value[1], '1');
    }
    const up = await query('up{job="tapo"}');
    assert.equal(up.data.result[0]!.value[1], '1', 'the scrape itself succeeded (token accepted)');
    const motion = await query('sum by (camera_id) (tapo_camera_motion_events_total)');
    assert.equal(motion.data.result.find((r) => r.metric.camera_id === 'cam-0')?.value[1], '1');
  }
);

test('the counter families: polls by outcome (seen ones only), poll errors, events by kind', async () => {
  const snapshot = (id: string) => ({
    id,
    name: id.toUpperCase(),
    host: 'h',
    last: null,
    lastSeen: null,
    lastMotion: null,
  });
  const view = {
    cameras: () => [snapshot('a'), snapshot('b')],
    camera: () => undefined,
    on: () => () => {},
    model: () => 'C200',
    points: async () => [],
    counters: (id: string) =>
      id === 'a'
        ? {
            polls: { online: 3, offline: 2, auth_failed: 0, locked_out: 1, error: 0, unknown: 0, sleeping: 0 },
            events: { motion: 2, person: 0, ring: 0 },
          }
        : undefined,
  } as unknown as HttpFleetView;
  const text = await createFleetMetrics(view, { processMetrics: false }).text();
  const series = (family: string) => text.split('\n').filter((l) => l.startsWith(`tapo_${family}{`));
  const labels = 'camera_id="a",camera_name="A",model="C200"';
  assert.deepEqual(series('camera_polls_total'), [
    `tapo_camera_polls_total{${labels},status="online"} 3`,
    `tapo_camera_polls_total{${labels},status="offline"} 2`,
    `tapo_camera_polls_total{${labels},status="locked_out"} 1`,
  ]);
  assert.deepEqual(series('camera_poll_errors_total'), [`tapo_camera_poll_errors_total{${labels}} 3`]);
  assert.deepEqual(series('camera_motion_events_total'), [
    `tapo_camera_motion_events_total{${labels},kind="motion"} 2`,
    `tapo_camera_motion_events_total{${labels},kind="person"} 0`,
    `tapo_camera_motion_events_total{${labels},kind="ring"} 0`,
  ]);
});

test(
  'names with quotes, backslashes and newlines are escaped; promtool accepts them; one read of the fleet per scrape',
  { skip: have('promtool') ? false : 'promtool is not installed (Debian package prometheus); CI installs it' },
  async () => {
    let reads = 0;
    const nasty = 'Garage "east" \\ door\nline 2';
    const view = {
      cameras: () => {
        reads++;
        return [
          {
            id: 'g',
            name: nasty,
            host: 'h',
            lastSeen: 1000,
            lastMotion: null,
            last: { status: 'online', time: 1000, latencyMs: 12.5, rssiDbm: -61, model: 'C210', firmware: 'fw "x"' },
          },
        ];
      },
      camera: () => undefined,
      on: () => () => {},
      model: () => null,
      points: async () => [],
      counters: () => undefined,
    } as unknown as HttpFleetView;
    const metrics = createFleetMetrics(view, { processMetrics: false });
    const text = await metrics.text();
    assert.equal(reads, 1, 'every family must come from one read of the fleet');
    // What the HTTP API sends: the same text, as bytes.
    assert.ok((await metrics.bytes()).equals(Buffer.from(text, 'utf8')));
    assert.ok(text.includes('\ntapo_cameras{status="sleeping"} 0\n'));
    assert.match(text, /[^\n]\n$/, 'the text ends with one newline, as prom-client writes it');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    const labels = 'camera_id="g",camera_name="Garage \\"east\\" \\\\ door\\nline 2",model="C210"';
    assert.ok(text.includes(`tapo_camera_wifi_rssi_dbm{${labels}} -61\n`), text);
    assert.ok(text.includes(`tapo_camera_info{${labels},firmware="fw \\"x\\"",hardware_version="",host="h"} 1\n`));
    // No series for what the camera did not report (temperature), never a made-up zero.
    assert.ok(!text.includes('tapo_camera_temperature_celsius{'));
  }
);
