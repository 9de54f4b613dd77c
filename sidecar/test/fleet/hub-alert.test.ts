/**
 * The seed's HighTemperature alert on a battery child: the rule's own query (read from
 * provisioning/alerting) runs through the datasource's metrics query against a fleet polling the
 * simulated hub; its reduce (last, drop NaN) and threshold are applied as the rule states them.
 * Fires for the overheating child only; wired cameras report nothing and stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { childCameraId } from '../../src/fleet/hub-probe.ts';
import { parseQuery } from '../../src/datasource/query/parse.ts';
import { metricsQuery } from '../../src/datasource/query/metrics.ts';
import { hubConfig, startFleet, tempStore, until } from './helpers.ts';

interface Rule {
  uid: string;
  data: Array<{ refId: string; model: Record<string, unknown> }>;
}

test('HighTemperature fires on the simulated child that overheats', async (t) => {
  const doc = parse(
    readFileSync(new URL('../../../provisioning/alerting/tapo-alert-rules.yaml', import.meta.url), 'utf8')
  ) as {
    groups: Array<{ rules: Rule[] }>;
  };
  const rule = doc.groups.flatMap((g) => g.rules).find((r) => r.uid === 'tapo-high-temperature')!;
  const a = rule.data.find((d) => d.refId === 'A')!.model;
  const c = rule.data.find((d) => d.refId === 'C')!.model as {
    conditions: Array<{ evaluator: { type: string; params: number[] } }>;
  };
  const threshold = c.conditions[0]!.evaluator;
  assert.equal(threshold.type, 'gt');

  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'alert-hub' });
  t.after(() => hub.close());
  const hot = hub.child('C420');
  hot.faults.overheat = true;
  const { store } = await tempStore(t);
  const { fleet } = await startFleet(t, store, [hubConfig(hub)]);
  const ids = hub.children.map((ch) => childCameraId('hub1', ch.deviceId));
  await until(fleet, () => ids.every((id) => fleet.camera(id)?.last), 'children polled');

  const query = parseQuery({ refId: 'A', json: Buffer.from(JSON.stringify(a)) } as Parameters<typeof parseQuery>[0]);
  const now = Date.now();
  const frames = await metricsQuery(
    { fleet, uid: 'tapo', from: now - 600_000, to: now + 1000, maxDataPoints: 60, intervalMS: 10_000, fromAlert: true },
    query
  );
  const firing = new Map<string, boolean>();
  for (const f of frames) {
    const v = f.fields[1]!;
    const last = (v.values as Array<number | null>).filter((x): x is number => x !== null && !Number.isNaN(x)).at(-1);
    if (last !== undefined) {
      firing.set(v.labels!.camera_id!, last > threshold.params[0]!);
    }
  }
  assert.equal(firing.get(ids[0]!), true, 'the overheating C420 fires');
  assert.equal(firing.get(ids[1]!), false);
  assert.equal(firing.get(ids[2]!), false);
  assert.equal(firing.has('hub1'), false, 'the hub itself reports no temperature (no data: OK)');
});
