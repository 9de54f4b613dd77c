// The provisioned alert rules: the seed's four alerts as Grafana-managed rules, each A (Tapo
// metrics query) → B (reduce) → C (threshold), with queries the sidecar parses and bucket sizes
// that make sense for the polls, and nothing loaded that sends notifications anywhere new.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { OUTPUT, render } from './extract-alert-queries.mjs';
import {
  DS_TYPE,
  EXPR_UID,
  PROVISIONING,
  alertRuleFiles,
  alertRules,
  backendParse,
  dashboardProviders,
  datasources,
  projectModel,
  readProvisioningFile,
  readYaml,
} from './helpers.mjs';

let model;
before(async () => {
  model = await projectModel();
});

const rules = alertRules();
const byTitle = new Map(rules.map((r) => [r.rule.title, r]));

/** Grafana duration strings as used in `for` and `interval`. */
function seconds(d) {
  const m = /^(\d+)(s|m|h)$/.exec(String(d));
  assert.ok(m, `not a duration: ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2]];
}

// The seed's alerts (docs/grafana/alerts/tapo-camera-alerts.yaml in the seed).
const SEED = [
  {
    title: 'CameraOffline',
    metric: 'online',
    evaluator: 'lt',
    threshold: 1,
    for: '5m',
    severity: 'critical',
    service: 'security',
  },
  {
    title: 'HighLatency',
    metric: 'latency_ms',
    evaluator: 'gt',
    threshold: 1000,
    for: '2m',
    severity: 'warning',
    service: 'network',
  },
  {
    title: 'HighTemperature',
    metric: 'temperature_c',
    evaluator: 'gt',
    threshold: 60,
    for: '1m',
    severity: 'warning',
    service: 'hardware',
  },
  {
    title: 'MotionBurst',
    metric: 'motion_events_per_min',
    evaluator: 'gt',
    threshold: 10,
    for: '30s',
    severity: 'info',
    service: 'security',
  },
];

test("four rules, the seed's, with unique uids, in one 30 s group in the dashboards' folder", () => {
  assert.deepEqual([...byTitle.keys()].sort(), SEED.map((s) => s.title).sort());
  const uids = rules.map((r) => r.rule.uid);
  assert.equal(new Set(uids).size, uids.length);
  for (const u of uids) {
    assert.match(u, /^[A-Za-z0-9_-]{1,40}$/);
  }
  const groups = new Set(rules.map((r) => r.group));
  assert.equal(groups.size, 1);
  const [g] = groups;
  assert.equal(g.interval, '30s');
  assert.equal(g.orgId, 1);
  assert.equal(g.folder, dashboardProviders()[0].folder, 'alerts and dashboards share a folder');
});

for (const seed of SEED) {
  test(`${seed.title}: ${seed.metric} ${seed.evaluator} ${seed.threshold} for ${seed.for}, ${seed.severity}/${seed.service}`, () => {
    const { rule } = byTitle.get(seed.title);
    const ref = Object.fromEntries(rule.data.map((q) => [q.refId, q]));
    assert.deepEqual(Object.keys(ref).sort(), ['A', 'B', 'C']);
    assert.equal(rule.condition, 'C');
    assert.equal(rule.for, seed.for);
    assert.deepEqual(rule.labels, { severity: seed.severity, service: seed.service });
    assert.equal(ref.A.model.metrics.length, 1);
    assert.equal(ref.A.model.metrics[0], seed.metric);
    const evaluator = ref.C.model.conditions[0].evaluator;
    assert.equal(evaluator.type, seed.evaluator);
    assert.deepEqual(evaluator.params, [seed.threshold]);
  });
}

for (const { rule } of rules) {
  test(`${rule.title}: A is a Tapo metrics query, B reduces A, C thresholds B`, () => {
    const uids = new Set(datasources().map((d) => d.uid));
    const ref = Object.fromEntries(rule.data.map((q) => [q.refId, q]));
    const { A, B, C } = ref;
    assert.ok(uids.has(A.datasourceUid), `A datasourceUid ${A.datasourceUid} is not provisioned`);
    assert.deepEqual(A.model.datasource, { type: DS_TYPE, uid: A.datasourceUid });
    assert.equal(A.model.refId, 'A');
    assert.equal(A.model.queryType, 'metrics');
    assert.deepEqual(A.model.cameras, [], 'alert queries cover every camera (no template variables in alerting)');
    assert.ok(A.relativeTimeRange.from > A.relativeTimeRange.to && A.relativeTimeRange.to >= 0);

    assert.equal(B.datasourceUid, EXPR_UID);
    assert.equal(B.model.type, 'reduce');
    assert.equal(B.model.expression, 'A');
    assert.ok(['last', 'max', 'mean', 'min', 'sum', 'count'].includes(B.model.reducer));
    assert.equal(B.model.settings.mode, 'dropNN', 'a bucket without a poll must not hide the last poll');

    assert.equal(C.datasourceUid, EXPR_UID);
    assert.equal(C.model.type, 'threshold');
    assert.equal(C.model.expression, 'B');
    assert.equal(C.model.conditions.length, 1);
    assert.ok(['gt', 'lt', 'within_range', 'outside_range'].includes(C.model.conditions[0].evaluator.type));
    assert.ok(C.model.conditions[0].evaluator.params.every(Number.isFinite));
    for (const q of [B, C]) {
      assert.deepEqual(q.model.datasource, { type: EXPR_UID, uid: EXPR_UID });
    }
  });

  test(`${rule.title}: the sidecar parses A as Grafana's alert scheduler sends it`, () => {
    const A = rule.data.find((q) => q.refId === 'A');
    const parsed = backendParse(A.model, model.parseQuery);
    assert.equal(parsed.queryType, 'metrics');
    assert.deepEqual(parsed.metrics, A.model.metrics);
    assert.deepEqual(parsed.cameras, []);
  });

  test(`${rule.title}: history buckets hold polls (>= 10 s) and the range spans several of them`, () => {
    const A = rule.data.find((q) => q.refId === 'A');
    const to = Date.parse('2025-01-01T12:00:07Z');
    const from = to - A.relativeTimeRange.from * 1000;
    assert.ok(
      A.model.maxDataPoints > 0 && A.model.maxDataPoints < 1000,
      "maxDataPoints is set (Grafana's default 43200 gives millisecond buckets)"
    );
    const plan = model.planBuckets(from, to, A.model.maxDataPoints);
    assert.ok(plan.bucketMs >= 10_000, `buckets of ${plan.bucketMs} ms would mostly be empty at a 30 s poll interval`);
    assert.ok(plan.count >= 3, `only ${plan.count} buckets`);
    if (A.model.metrics[0] === 'motion_events_per_min') {
      // One-minute buckets: each bucket's value is that minute's event count.
      assert.equal(plan.bucketMs, 60_000);
    }
  });

  test(`${rule.title}: states, for, and annotations that name the camera`, () => {
    assert.ok(['NoData', 'Alerting', 'OK'].includes(rule.noDataState));
    assert.ok(['Error', 'Alerting', 'OK'].includes(rule.execErrState));
    assert.ok(seconds(rule.for) >= 30);
    assert.match(rule.annotations.summary, /\{\{ \$labels\.camera_name \}\}/);
    assert.match(rule.annotations.description, /\{\{ \$labels\.camera_name \}\}/);
    const refIds = new Set(rule.data.map((q) => q.refId));
    for (const m of JSON.stringify(rule.annotations).matchAll(/\$values\.([A-Za-z0-9_]+)/g)) {
      assert.ok(refIds.has(m[1]), `annotation uses $values.${m[1]}, which is not a refId`);
    }
    // Labels the frames carry (metrics query): anything else would render empty.
    for (const m of JSON.stringify(rule.annotations).matchAll(/\$labels\.([A-Za-z0-9_]+)/g)) {
      assert.ok(['camera_id', 'camera_name', 'model'].includes(m[1]), `unknown label ${m[1]}`);
    }
  });
}

test('the temperature rule treats no data as OK (most models report none)', () => {
  assert.equal(byTitle.get('HighTemperature').rule.noDataState, 'OK');
});

test('what is loaded sends nothing anywhere new: no contact points, no policies in provisioning/alerting', () => {
  for (const f of alertRuleFiles()) {
    const doc = readProvisioningFile(f);
    assert.equal(doc.contactPoints, undefined, `${f}: contact points belong in provisioning/examples`);
    assert.equal(doc.policies, undefined, `${f}: a provisioned policy replaces the user's whole policy tree`);
  }
});

test('the notification example is a webhook to a reserved example host, routing by service', () => {
  const doc = readYaml(join(PROVISIONING, 'examples', 'alert-notifications.yaml'));
  const [cp] = doc.contactPoints;
  const [receiver] = cp.receivers;
  assert.equal(receiver.type, 'webhook');
  assert.match(new URL(receiver.settings.url).hostname, /\.invalid$/);
  const route = doc.policies[0].routes[0];
  assert.equal(route.receiver, cp.name);
  const services = new Set(SEED.map((s) => s.service));
  const matcher = route.object_matchers.find((m) => m[0] === 'service');
  const re = new RegExp(`^(?:${matcher[2]})$`);
  for (const s of services) {
    assert.ok(re.test(s), `service ${s} is not routed`);
  }
});

test('test/provisioning/alert-queries.json matches the rules (regenerate with extract-alert-queries.mjs)', () => {
  const doc = JSON.parse(readFileSync(OUTPUT, 'utf8'));
  assert.deepEqual(doc, JSON.parse(render()));
  assert.equal(doc.rules.length, 4);
  for (const r of doc.rules) {
    assert.equal(r.model.refId, 'A');
    assert.equal(r.model.queryType, 'metrics');
  }
});

test('the sensor alert example: the sensors query on temperature sensors, below a threshold, parsed by the sidecar', () => {
  const doc = readYaml(join(PROVISIONING, 'examples', 'sensor-alert-rules.yaml'));
  const [rule] = doc.groups[0].rules;
  const ref = Object.fromEntries(rule.data.map((d) => [d.refId, d]));
  assert.equal(rule.condition, 'C');
  assert.deepEqual(ref.A.model.datasource, { type: DS_TYPE, uid: ref.A.datasourceUid });
  const parsed = backendParse(ref.A.model, model.parseQuery);
  assert.equal(parsed.queryType, 'sensors');
  assert.deepEqual(parsed.sensorKinds, ['temp_humidity']);
  assert.equal(ref.B.model.expression, 'A');
  assert.equal(ref.B.datasourceUid, EXPR_UID);
  const evaluator = ref.C.model.conditions[0].evaluator;
  assert.equal(evaluator.type, 'lt');
  assert.ok(seconds(rule.for) >= 60, 'a cold reading holds for a while before it alerts');
});

test('the person-at-night example: an events rule for people that the sidecar parses, notified only in its night interval', () => {
  const doc = readYaml(join(PROVISIONING, 'examples', 'person-at-night.yaml'));
  const [group] = doc.groups;
  const [rule] = group.rules;
  assert.equal(rule.title, 'PersonAtNight');
  assert.ok(!byTitle.has(rule.title) && !rules.some((r) => r.rule.uid === rule.uid), 'its uid and title are its own');
  assert.equal(group.folder, dashboardProviders()[0].folder);
  const ref = Object.fromEntries(rule.data.map((q) => [q.refId, q]));
  const parsed = backendParse(ref.A.model, model.parseQuery);
  assert.equal(parsed.queryType, 'events');
  assert.deepEqual(parsed.eventKinds, ['person']);
  assert.ok(model.EVENT_KINDS.includes('person'));
  assert.deepEqual(ref.A.model.datasource, { type: DS_TYPE, uid: ref.A.datasourceUid });
  assert.ok(new Set(datasources().map((d) => d.uid)).has(ref.A.datasourceUid));
  assert.equal(ref.B.model.expression, 'A');
  assert.equal(ref.C.model.expression, 'B');
  assert.deepEqual(ref.C.model.conditions[0].evaluator, { type: 'gt', params: [0] });
  for (const m of JSON.stringify(rule.annotations).matchAll(/\$values\.([A-Za-z0-9_]+)/g)) {
    assert.ok(ref[m[1]], `annotation uses $values.${m[1]}, which is not a refId`);
  }
  // The night: the interval the comment's route names, crossing midnight in two pieces.
  const [night] = doc.muteTimes;
  assert.equal(night.name, 'night');
  const times = night.time_intervals[0].times.map((t) => `${t.start_time}-${t.end_time}`);
  assert.deepEqual(times, ['22:00-24:00', '00:00-06:00']);
  assert.match(
    readFileSync(join(PROVISIONING, 'examples', 'person-at-night.yaml'), 'utf8'),
    /active_time_intervals:\n#\s+- night/
  );
});
