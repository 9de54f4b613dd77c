// The provisioned dashboards: schema basics, the provisioned datasource everywhere, and every
// Tapo query one the sidecar's own parser accepts, with query types and metrics of the shared model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { before, test } from 'node:test';

import {
  APP_ID,
  DASHBOARDS,
  DS_TYPE,
  PANEL_TYPE,
  PANEL_TYPES,
  PROVISIONING,
  ROOT,
  allPanels,
  backendParse,
  dashboardFiles,
  dashboardProviders,
  datasources,
  projectModel,
  readJson,
  rel,
} from './helpers.mjs';

let model;
before(async () => {
  model = await projectModel();
});

const files = dashboardFiles();
const dashboards = files.map((f) => ({ file: f, d: readJson(f) }));
const byUid = new Map(dashboards.map(({ d }) => [d.uid, d]));
const provisionedUids = () => new Set(datasources().map((d) => d.uid));

/**
 * The other datasources a dashboard may use (the sites dashboard: history and events from the
 * central stores), each only through its own datasource variable.
 */
const OTHER_DATASOURCES = { prometheus: '${prometheus}', loki: '${loki}' };

/** Every Tapo query of a dashboard: panel targets, variable queries, annotation targets. */
function tapoQueries(d) {
  const out = [];
  for (const p of allPanels(d)) {
    for (const t of p.targets ?? []) {
      if ((t.datasource ?? p.datasource)?.type in OTHER_DATASOURCES) {
        continue;
      }
      out.push({ where: `panel ${p.id} "${p.title}" target ${t.refId}`, panel: p, target: t });
    }
  }
  for (const a of d.annotations?.list ?? []) {
    if (a.datasource?.type === DS_TYPE) {
      out.push({ where: `annotation "${a.name}"`, target: a.target, annotation: a });
    }
  }
  return out;
}

test('four dashboards: overview, camera detail, live wall, sites, with unique stable uids', () => {
  assert.deepEqual([...byUid.keys()].sort(), ['tapo-camera', 'tapo-live-wall', 'tapo-overview', 'tapo-sites']);
  assert.equal(byUid.get('tapo-overview').title, 'Tapo Camera Overview');
  assert.equal(byUid.size, dashboards.length, 'dashboard uids are unique');
});

test('the dashboard provider points at the folder that holds the dashboards', () => {
  const providers = dashboardProviders();
  assert.equal(providers.length, 1);
  const p = providers[0];
  assert.equal(p.type, 'file');
  assert.equal(p.folder, 'Tapo Cameras');
  // Compose mounts dist/ (the app's folder, whose dashboards/ the build copies from src/dashboards)
  // at /var/lib/grafana/plugins/<app id>.
  const appDir = `/var/lib/grafana/plugins/${APP_ID}/`;
  assert.ok(p.options.path.startsWith(appDir), `provider path ${p.options.path} is not in the app's folder`);
  const local = resolve(ROOT, 'src', p.options.path.slice(appDir.length));
  for (const f of files) {
    assert.equal(dirname(f), local, `${rel(f)} is outside the provider's path ${p.options.path}`);
  }
});

for (const { file, d } of dashboards) {
  const name = basename(file);

  test(`${name}: schema basics (uid, title, schemaVersion, time, panels with gridPos and unique ids)`, () => {
    assert.match(d.uid, /^[A-Za-z0-9_-]{1,40}$/);
    assert.ok(d.title);
    assert.equal(d.schemaVersion, 39);
    assert.ok(d.time?.from && d.time?.to);
    assert.equal(d.id, undefined, 'provisioned dashboards carry no numeric id');
    const panels = allPanels(d);
    assert.ok(panels.length > 0);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate panel ids: ${ids}`);
    for (const p of panels) {
      assert.ok(Number.isInteger(p.id) && p.id > 0, `panel id ${p.id}`);
      assert.ok(p.title, `panel ${p.id} has a title`);
      const g = p.gridPos;
      assert.ok(g && [g.x, g.y, g.w, g.h].every(Number.isInteger), `panel ${p.id} gridPos`);
      assert.ok(
        g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0 && g.y >= 0,
        `panel ${p.id} gridPos out of the 24-column grid`
      );
    }
  });

  test(`${name}: panels do not overlap`, () => {
    const panels = allPanels(d).filter((p) => p.type !== 'row');
    for (let i = 0; i < panels.length; i++) {
      for (let j = i + 1; j < panels.length; j++) {
        const a = panels[i].gridPos;
        const b = panels[j].gridPos;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `panels ${panels[i].id} and ${panels[j].id} overlap`);
      }
    }
  });

  test(`${name}: panel types exist (Grafana core or ${PANEL_TYPE})`, () => {
    for (const p of allPanels(d)) {
      assert.ok(PANEL_TYPES.has(p.type), `panel ${p.id}: unknown type ${p.type}`);
    }
  });

  test(`${name}: a datasource variable picks the Tapo datasource`, () => {
    const v = (d.templating?.list ?? []).find((x) => x.type === 'datasource');
    assert.ok(v, 'no datasource variable');
    assert.equal(v.name, 'datasource');
    assert.equal(v.query, DS_TYPE);
  });

  test(`${name}: every panel, target, variable and annotation uses the Tapo datasource through $datasource`, () => {
    // Through the variable, the dashboard works on any Tapo datasource: the provisioned one, or
    // one made in the UI when imported from the app's page. A literal uid must be provisioned.
    const uids = new Set([...provisionedUids(), '${datasource}']);
    const refs = [];
    for (const p of allPanels(d)) {
      if (p.type === 'row' || p.type === 'text') {
        continue;
      }
      refs.push([`panel ${p.id}`, p.datasource]);
      for (const t of p.targets ?? []) {
        refs.push([`panel ${p.id} target ${t.refId}`, t.datasource ?? p.datasource]);
      }
    }
    for (const v of d.templating?.list ?? []) {
      if (v.type === 'query') {
        refs.push([`variable ${v.name}`, v.datasource]);
      }
    }
    for (const a of d.annotations?.list ?? []) {
      if (!a.builtIn) {
        refs.push([`annotation ${a.name}`, a.datasource]);
      }
    }
    assert.ok(refs.length > 0);
    for (const [where, ds] of refs) {
      if (ds?.type in OTHER_DATASOURCES) {
        assert.equal(ds.uid, OTHER_DATASOURCES[ds.type], `${where}: ${ds.type} only through its variable`);
        const v = (d.templating?.list ?? []).find((x) => `\${${x.name}}` === ds.uid);
        assert.equal(v?.type === 'datasource' && v.query, ds.type, `${where}: no ${ds.type} datasource variable`);
        continue;
      }
      assert.equal(ds?.type, DS_TYPE, `${where}: datasource type`);
      assert.ok(uids.has(ds?.uid), `${where}: datasource uid ${ds?.uid} is not provisioned`);
    }
  });

  test(`${name}: every Tapo query has a known type and shared-model fields, and the sidecar parses it`, () => {
    const queries = tapoQueries(d);
    assert.ok(queries.length > 0);
    for (const { where, target } of queries) {
      assert.ok(model.QUERY_TYPES.includes(target.queryType), `${where}: queryType ${target.queryType}`);
      assert.ok(Array.isArray(target.cameras), `${where}: cameras must be a list`);
      for (const m of target.metrics ?? []) {
        assert.ok(model.METRICS.includes(m), `${where}: unknown metric ${m}`);
      }
      for (const k of target.eventKinds ?? []) {
        assert.ok(model.EVENT_KINDS.includes(k), `${where}: unknown event kind ${k}`);
      }
      if (target.queryType === 'metrics') {
        assert.ok(target.metrics?.length > 0, `${where}: metrics query names its metrics`);
      }
      if (target.queryType === 'live') {
        assert.ok(model.LIVE_KINDS.includes(target.live?.kind), `${where}: live.kind`);
        // A video query's fps/width are its picture fallback (where the browser cannot play the video).
        if (target.live.kind === 'frames' || target.live.kind === 'video') {
          assert.ok(target.live.fps > 0 && target.live.fps <= model.LIVE_MAX_FPS, `${where}: fps`);
          assert.ok(target.live.width >= 160 && target.live.width <= model.LIVE_MAX_WIDTH, `${where}: width`);
        }
        if (target.live.kind === 'video') {
          assert.ok(['main', 'sub'].includes(target.live.stream ?? 'sub'), `${where}: video stream`);
        }
      }
      // The sidecar sees the query after the frontend expanded $camera; use a real id there.
      const expanded = { ...target, cameras: target.cameras.map((c) => (c.startsWith('$') ? 'front-door' : c)) };
      const parsed = backendParse(expanded, model.parseQuery);
      assert.equal(parsed.queryType, target.queryType, `${where}: parsed as ${parsed.queryType}`);
      assert.deepEqual(parsed.metrics ?? [], target.metrics ?? [], `${where}: the parser kept the metrics`);
    }
  });

  test(`${name}: variables referenced by queries and links exist`, () => {
    const defined = new Set((d.templating?.list ?? []).map((v) => v.name));
    const builtin = /^__/;
    const text = JSON.stringify({ panels: d.panels, annotations: d.annotations });
    for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const v = m[1];
      if (builtin.test(v)) {
        continue;
      }
      assert.ok(defined.has(v), `$${v} is used but no variable defines it`);
    }
  });

  test(`${name}: live frames/video (or recorded clips) queries feed the camera panel, and the camera panel gets one`, () => {
    for (const p of allPanels(d)) {
      const frames = (p.targets ?? []).filter(
        (t) => t.queryType === 'live' && (t.live?.kind === 'frames' || t.live?.kind === 'video')
      );
      // The camera panel also plays a recordings query's clips (format clips, the default).
      const clips = (p.targets ?? []).filter(
        (t) => t.queryType === 'recordings' && (t.recordings?.format ?? 'clips') === 'clips'
      );
      if (p.type === PANEL_TYPE) {
        assert.ok(
          frames.length + clips.length > 0,
          `panel ${p.id}: the camera panel needs a live frames or video query, or recorded clips`
        );
      } else {
        assert.equal(frames.length, 0, `panel ${p.id} (${p.type}) cannot show JPEG frames or video`);
      }
    }
  });
}

test("overview: the seed panels are there with the seed's thresholds and column names", () => {
  const d = byUid.get('tapo-overview');
  const panels = allPanels(d);
  const withMetric = (type, metric) =>
    panels.find(
      (p) => p.type === type && p.targets.some((t) => t.queryType === 'metrics' && t.metrics.includes(metric))
    );

  const online = withMetric('stat', 'online');
  assert.ok(online, 'online cameras stat');
  assert.deepEqual(
    online.fieldConfig.defaults.thresholds.steps.map((s) => s.color),
    ['red', 'yellow', 'green']
  );
  assert.deepEqual(
    online.fieldConfig.defaults.thresholds.steps.map((s) => s.value),
    [null, 1, 2]
  );
  // One series per camera: last value per camera, summed.
  assert.deepEqual(
    online.transformations.map((t) => t.id),
    ['reduce']
  );
  assert.equal(online.transformations[0].options.mode, 'seriesToRows');
  assert.deepEqual(online.options.reduceOptions.calcs, ['sum']);

  const table = panels.find((p) => p.type === 'table' && p.targets.some((t) => t.queryType === 'status'));
  assert.ok(table, 'status table');
  const organize = table.transformations.find((t) => t.id === 'organize');
  assert.deepEqual(organize.options.renameByName, {
    name: 'Camera Name',
    status: 'Status',
    // Motion Active is motion now; the detection setting has its own column (issue 24).
    motion_now: 'Motion Active',
    motion_detection: 'Motion detection',
    latency_ms: 'Latency (ms)',
    temperature_c: 'Temperature (°C)',
  });

  const latency = withMetric('timeseries', 'latency_ms');
  assert.ok(latency, 'latency time series');
  assert.equal(latency.fieldConfig.defaults.unit, 'ms');
  const gauge = withMetric('gauge', 'temperature_c');
  assert.ok(gauge, 'temperature gauge');
  assert.equal(gauge.fieldConfig.defaults.unit, 'celsius');
  assert.ok(withMetric('timeseries', 'rssi_dbm'), 'signal panel');
  assert.ok(withMetric('bargauge', 'storage_used_pct'), 'storage panel');
  const events = panels.find(
    (p) => ['logs', 'state-timeline'].includes(p.type) && p.targets.some((t) => t.queryType === 'events')
  );
  assert.ok(events, 'motion events timeline');
});

test('status table: overrides and renames name fields the status frame has', () => {
  const statusFields = new Set([
    'camera_id',
    'name',
    'status',
    'model',
    'firmware',
    'ip',
    'latency_ms',
    'rssi_dbm',
    'signal_level',
    'motion_now',
    'motion_detection',
    'person_detection',
    'privacy_mode',
    'storage_used_pct',
    'sd_card',
    'temperature_c',
    'last_seen',
    'last_error',
  ]);
  for (const { d } of dashboards) {
    for (const p of allPanels(d).filter((x) => x.targets?.some((t) => t.queryType === 'status'))) {
      for (const o of p.fieldConfig?.overrides ?? []) {
        if (o.matcher.id === 'byName') {
          assert.ok(
            statusFields.has(o.matcher.options),
            `${d.uid} panel ${p.id}: override for unknown field ${o.matcher.options}`
          );
        }
      }
      for (const t of p.transformations ?? []) {
        const names = [...Object.keys(t.options?.renameByName ?? {}), ...(t.options?.include?.names ?? [])];
        for (const n of names) {
          assert.ok(statusFields.has(n), `${d.uid} panel ${p.id}: ${t.id} names unknown field ${n}`);
        }
      }
    }
  }
});

test('camera detail: driven by a single-value $camera variable listing cameras from the datasource', () => {
  const d = byUid.get('tapo-camera');
  const v = d.templating.list.find((x) => x.name === 'camera');
  assert.equal(v.type, 'query');
  assert.equal(v.multi, false);
  assert.equal(v.includeAll, false);
  assert.equal(v.refresh, 1, 'refreshed on load, so new cameras appear');
  assert.equal(typeof v.query, 'object', 'a TapoVariableQuery object, not a string');
  const queries = tapoQueries(d).filter((q) => q.panel);
  for (const { where, target } of queries) {
    assert.deepEqual(target.cameras, ['$camera'], `${where}: every panel follows $camera`);
  }
});

test('live wall: the camera panel over every chosen camera, multi-value with All', () => {
  const d = byUid.get('tapo-live-wall');
  const v = d.templating.list.find((x) => x.name === 'camera');
  assert.equal(v.multi, true);
  assert.equal(v.includeAll, true);
  const panels = allPanels(d).filter((p) => p.type === PANEL_TYPE);
  assert.equal(panels.length, 1);
  assert.deepEqual(panels[0].targets[0].cameras, ['$camera']);
  // Tiles play the cameras' own video (stream2); the panel falls back to pictures where it cannot.
  assert.equal(panels[0].targets[0].live.kind, 'video');
  assert.equal(panels[0].targets[0].live.stream, 'sub');
  assert.equal(panels[0].options.liveMode, 'video');
});

test('data links point at dashboards that exist', () => {
  for (const { d } of dashboards) {
    const text = JSON.stringify(d.panels);
    for (const m of text.matchAll(/\/d\/([A-Za-z0-9_-]+)/g)) {
      assert.ok(byUid.has(m[1]), `${d.uid}: link to unknown dashboard ${m[1]}`);
    }
  }
});

test("every dashboard is one of the app's includes, and every include is a dashboard here", () => {
  const app = readJson(join(ROOT, 'src', 'plugin.json'));
  const included = app.includes.filter((i) => i.type === 'dashboard').map((i) => resolve(ROOT, 'src', i.path));
  assert.deepEqual([...included].sort(), [...files].sort());
  assert.ok(files.every((f) => f.startsWith(DASHBOARDS)));
});

test('sites: history by site from Prometheus, events by site from Loki, live tiles from the Tapo datasource', () => {
  const d = byUid.get('tapo-sites');
  const vars = new Map(d.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.get('prometheus').query, 'prometheus');
  assert.equal(vars.get('loki').query, 'loki');
  const site = vars.get('site');
  assert.equal(site.datasource.uid, '${prometheus}');
  assert.match(site.definition, /^label_values\(tapo_[a-z_]+, site\)$/);
  assert.ok(site.multi && site.includeAll);
  // The series and labels the queries name are the ones the sidecar exposes and ships.
  const exposition = readFileSync(join(ROOT, 'sidecar/src/http/prometheus.ts'), 'utf8');
  const shipped = readFileSync(join(ROOT, 'sidecar/src/ship/loki-push.ts'), 'utf8');
  const targets = allPanels(d).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ p, t, ds: t.datasource ?? p.datasource }))
  );
  const prom = targets.filter((x) => x.ds.type === 'prometheus');
  const loki = targets.filter((x) => x.ds.type === 'loki');
  assert.ok(prom.length >= 2 && loki.length >= 2);
  for (const { p, t } of [...prom, ...loki]) {
    assert.match(t.expr, /site=~"\$site"/, `panel ${p.id}: follows $site`);
  }
  for (const { p, t } of prom) {
    for (const m of t.expr.matchAll(/tapo_([a-z_]+)/g)) {
      assert.ok(exposition.includes(`'${m[1]}'`), `panel ${p.id}: the sidecar exposes no tapo_${m[1]}`);
    }
  }
  assert.match(shipped, /stream: \{ site, camera, kind \}/, 'the shipped stream labels are site, camera and kind');
  assert.ok(allPanels(d).some((p) => p.type === 'logs' && (p.targets ?? []).some((t) => t.datasource.type === 'loki')));
  assert.ok(allPanels(d).some((p) => p.type === PANEL_TYPE));
});
