/** The HTTP API over a fleet of simulated cameras: each route with good and bad input, auth, WebSocket push. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { WebSocket } from 'ws';
import {
  createHttpApi,
  HttpApiConfigError,
  startHttpApi,
  wantsPrometheus,
  type RunningHttpApi,
} from '../../src/http/api.ts';
import { configsFor, simFleet, startFleet, tempStore, until } from '../fleet/helpers.ts';
import type { Fleet } from '../../src/fleet/fleet.ts';

const TOKEN = 'test-token-0123456789';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

async function setup(t: { after: (fn: () => unknown) => void }) {
  const sim = await simFleet(t, { count: 3, profiles: ['C210', 'C110', 'C310'] });
  const cfgs = configsFor(sim, (i) => ({
    pollIntervalMs: 200,
    ...(i === 2 ? { name: 'Yard <script>alert(1)</script>', password: 'wrong-pass' } : {}),
  }));
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, cfgs);
  await until(
    fleet,
    () => [0, 1, 2].every((i) => rec.polls.some((p) => p.cameraId === `cam-${i}`)),
    'a poll of each camera'
  );
  const api = await startHttpApi({
    fleet,
    address: '127.0.0.1:0',
    token: TOKEN,
    frameProvider: { latest: (id) => (id === 'cam-0' ? { jpeg: JPEG, time: Date.now() } : undefined) },
  });
  t.after(() => api.close());
  return { sim, fleet, rec, api };
}

const get = (api: RunningHttpApi, path: string, headers: Record<string, string> = {}, token: string | null = TOKEN) =>
  fetch(api.url + path, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

test('auth: bearer token required, checked, accepted from the header or ?token=', async (t) => {
  const { api } = await setup(t);
  const none = await get(api, '/metrics/cameras', {}, null);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate')!, /Bearer/);
  assert.match((await none.json()).detail, /bearer token is required/);
  const wrong = await get(api, '/metrics/cameras', {}, 'nope');
  assert.equal(wrong.status, 401);
  assert.doesNotMatch(await wrong.text(), new RegExp(TOKEN), 'the token is never echoed');
  assert.equal((await get(api, '/metrics/cameras')).status, 200);
  assert.equal((await fetch(`${api.url}/metrics/cameras?token=${TOKEN}`)).status, 200);
});

test('auth: the Bearer scheme is case-insensitive; other schemes and a wrong token are still refused', async (t) => {
  const { api } = await setup(t);
  for (const scheme of ['bearer', 'Bearer', 'BEARER', 'bEaReR']) {
    const r = await fetch(`${api.url}/metrics/cameras`, { headers: { authorization: `${scheme} ${TOKEN}` } });
    assert.equal(r.status, 200, `${scheme} scheme`);
  }
  const tabs = await fetch(`${api.url}/metrics/cameras`, { headers: { authorization: `bearer \t${TOKEN}` } });
  assert.equal(tabs.status, 200, 'any whitespace after the scheme');
  for (const header of [`bearer nope`, `Basic ${TOKEN}`, `bearer${TOKEN}`]) {
    const r = await fetch(`${api.url}/metrics/cameras`, { headers: { authorization: header } });
    assert.equal(r.status, 401, header.replace(TOKEN, '<token>'));
  }
});

test('auth off is allowed on loopback only, and a token-less API refuses to start otherwise', async (t) => {
  const { fleet } = await setup(t);
  assert.throws(() => createHttpApi({ fleet }), HttpApiConfigError);
  await assert.rejects(
    startHttpApi({ fleet, address: '0.0.0.0:0', noAuth: true }),
    /only allowed on a loopback address/
  );
  const open = await startHttpApi({ fleet, address: '127.0.0.1:0', noAuth: true });
  t.after(() => open.close());
  const r = await fetch(`${open.url}/`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'healthy', service: 'tapo-camera-metrics' });
});

/** A raw HTTP/1.1 request, so the test decides the Host and Origin headers (fetch() would not). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, headers, setHost: !('host' in headers) },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }
    );
    req.on('error', reject);
    req.end();
  });
}

test('auth off: a foreign Host (DNS rebinding) and a foreign Origin (cross-site) are refused, loopback names answered', async (t) => {
  const { fleet } = await setup(t);
  const open = await startHttpApi({ fleet, address: '127.0.0.1:0', noAuth: true });
  t.after(() => open.close());
  const port = open.port;
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `127.9.8.7:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
    const r = await rawGet(`${open.url}/metrics/cameras`, { host });
    assert.equal(r.status, 200, `Host ${host}: ${r.body}`);
  }
  for (const host of [
    `evil.example:${port}`,
    `127.0.0.1.evil.example:${port}`,
    `localhost.evil.example`,
    `10.0.0.1:${port}`,
  ]) {
    const r = await rawGet(`${open.url}/metrics/cameras`, { host });
    assert.equal(r.status, 403, `Host ${host}`);
    assert.match(JSON.parse(r.body).detail, /is not a loopback name/);
    assert.doesNotMatch(r.body, /cam-0/);
  }
  const own = await rawGet(`${open.url}/metrics/cameras`, {
    host: `localhost:${port}`,
    origin: `http://localhost:${port}`,
  });
  assert.equal(own.status, 200, 'the API’s own origin');
  for (const origin of ['https://evil.example', `http://localhost:${port + 1}`, 'null', `https://localhost:${port}`]) {
    const r = await rawGet(`${open.url}/metrics/cameras`, { host: `localhost:${port}`, origin });
    assert.equal(r.status, 403, `Origin ${origin}`);
    assert.match(JSON.parse(r.body).detail, /cross-site request refused/);
  }
  // WebSockets: a browser always sends Origin; the ws client sends what it is told.
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  await assert.rejects(wsMessages(wsUrl, {}, { origin: 'https://evil.example' }), /HTTP 403/);
  await assert.rejects(wsMessages(wsUrl, { host: `attacker.example:${port}` }), /HTTP 403/);
  const ok = await wsMessages(wsUrl, {}, { origin: `http://127.0.0.1:${port}` });
  assert.equal((await ok.next((m) => m.type === 'hello')).type, 'hello');
  ok.ws.close();
});

test('with a token, any Host is answered (the token is the gate): Prometheus reaches it by a service name', async (t) => {
  const { api } = await setup(t);
  const r = await rawGet(`${api.url}/metrics/cameras`, { host: 'sidecar:8080', authorization: `Bearer ${TOKEN}` });
  assert.equal(r.status, 200);
});

test('/ is the seed health JSON, or the status page for a browser (escaped, with pictures)', async (t) => {
  const { api } = await setup(t);
  const health = await get(api, '/');
  assert.equal(health.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.deepEqual(await health.json(), { status: 'healthy', service: 'tapo-camera-metrics' });
  const page = await get(api, '/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
  assert.match(page.headers.get('content-type')!, /text\/html/);
  const html = await page.text();
  assert.match(html, /Sim C210 1/);
  assert.match(html, /Yard &lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'names are escaped');
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, />auth_failed</, "each camera's state");
  assert.match(html, /login refused|refused/i, 'the last error');
  assert.match(html, /<img src="\/frames\/cam-0\.jpg"/, 'a picture where one exists');
  assert.doesNotMatch(html, /<img src="\/frames\/cam-2\.jpg"/, 'no broken image for a camera that cannot log in');
  assert.match(html, /Login failed: wrong password/, 'says why there is no picture');
  assert.doesNotMatch(html, /https?:\/\/(?!sidecar)[a-z]/i, 'no external assets');
  assert.doesNotMatch(html, /wrong-pass|CloudPass/);
});

test('/metrics: JSON summary by default, Prometheus text when the Accept header asks for it', async (t) => {
  const { api } = await setup(t);
  const json = await (await get(api, '/metrics')).json();
  assert.deepEqual(Object.keys(json).sort(), ['cameras', 'summary', 'timestamp']);
  assert.deepEqual(Object.keys(json.cameras).sort(), ['cam-0', 'cam-1', 'cam-2']);
  assert.equal(json.summary.total_cameras, 3);
  assert.equal(json.summary.online_cameras, 2);
  assert.equal(json.summary.offline_cameras, 1);
  assert.equal(typeof json.summary.average_latency_ms, 'number');
  const c0 = json.cameras['cam-0'];
  for (const k of [
    'name',
    'status',
    'uptime_seconds',
    'temperature',
    'motion_detected',
    'motion_events_count',
    'network_latency_ms',
    'signal_strength',
    'storage_used_percent',
    'last_seen',
    'model',
    'ip_address',
    'firmware',
  ]) {
    assert.ok(k in c0, `seed field ${k}`);
  }
  assert.equal(c0.model, 'C210');
  assert.equal(c0.temperature, null);
  assert.equal(json.cameras['cam-2'].status, 'auth_failed');

  const prom = await get(api, '/metrics', {
    accept:
      'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1',
  });
  assert.match(prom.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await prom.text();
  assert.match(text, /^tapo_camera_up\{camera_id="cam-0",camera_name="Sim C210 1",model="C210"\} 1$/m);
  assert.match(
    text,
    /^tapo_camera_up\{camera_id="cam-2",camera_name="Yard <script>alert\(1\)<\/script>",model=""\} 0$/m
  );
  assert.match(text, /^tapo_camera_polls_total\{camera_id="cam-0",.*status="online"\} \d+$/m);
  assert.match(text, /^tapo_camera_status\{camera_id="cam-2",.*status="auth_failed"\} 1$/m);
  assert.doesNotMatch(text, /tapo_camera_temperature_celsius\{/, 'no temperature series for wired cameras');
  assert.match(text, /^process_cpu_user_seconds_total /m, 'process metrics');
  assert.equal(wantsPrometheus('text/plain'), true);
  assert.equal(wantsPrometheus('*/*'), false);
  assert.equal(wantsPrometheus('application/json'), false);
});

test('/metrics/cameras, /metrics/cameras/{id}, /metrics/history/{id}: good and bad input', async (t) => {
  const { api } = await setup(t);
  assert.deepEqual(await (await get(api, '/metrics/cameras')).json(), ['cam-0', 'cam-1', 'cam-2']);
  const one = await get(api, '/metrics/cameras/cam-1');
  assert.equal(one.status, 200);
  assert.equal((await one.json()).model, 'C110');
  const missing = await get(api, '/metrics/cameras/nope');
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).detail, /camera "nope" not found/);
  assert.equal((await get(api, '/metrics/cameras/%E0%A4%A')).status, 404);

  const hist = await (await get(api, '/metrics/history/cam-0?hours=2')).json();
  assert.equal(hist.camera_id, 'cam-0');
  assert.ok(hist.history.length >= 1);
  assert.deepEqual(Object.keys(hist.history[0]).slice(0, 6), [
    'timestamp',
    'uptime_seconds',
    'temperature',
    'network_latency_ms',
    'motion_detected',
    'status',
  ]);
  assert.equal(hist.history[0].status, 'online');
  assert.equal((await (await get(api, '/metrics/history/cam-0')).json()).camera_id, 'cam-0', 'hours defaults to 1');
  assert.equal((await get(api, '/metrics/history/cam-0?hours=0.5')).status, 200, 'decimal fractions are fine');
  assert.equal((await get(api, '/metrics/history/cam-0?hours=24')).status, 200);
  // Decimal digits only: Number() would read 0x10 as 16, 1e3 as 1000, '+5' as 5 and ' 5' as 5.
  for (const bad of ['abc', '0', '-1', '', '1e9', 'NaN', '0x10', '1e3', '+5', '%205', '5.', '.5', '1_0', 'Infinity']) {
    const r = await get(api, `/metrics/history/cam-0?hours=${bad}`);
    assert.equal(r.status, 400, `hours=${bad}`);
    assert.match((await r.json()).detail, /hours must be a number/);
  }
  assert.equal((await get(api, '/metrics/history/ghost?hours=1')).status, 404);
  assert.equal((await get(api, '/no/such/thing')).status, 404);
  assert.equal(
    (await fetch(`${api.url}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status,
    405
  );
  assert.equal((await get(api, '/ws')).status, 426);
});

test('/frames/{id}.jpg serves the latest picture', async (t) => {
  const { api } = await setup(t);
  const r = await get(api, '/frames/cam-0.jpg');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), JPEG);
  assert.equal((await get(api, '/frames/cam-1.jpg')).status, 404);
  assert.equal((await get(api, '/frames/ghost.jpg')).status, 404);
});

test('/frames/{id}.jpg grabs a fresh picture when there is none, and says why it cannot', async (t) => {
  const { fleet } = await setup(t);
  const asked: string[] = [];
  const api = await startHttpApi({
    fleet,
    address: '127.0.0.1:0',
    token: TOKEN,
    frameProvider: {
      latest: () => undefined,
      snapshot: async (id) => {
        asked.push(id);
        if (id === 'cam-2') {
          throw new Error('the camera refused the camera account');
        }
        return { jpeg: JPEG, time: Date.now() };
      },
    },
  });
  t.after(() => api.close());
  const ok = await get(api, '/frames/cam-1.jpg');
  assert.equal(ok.status, 200);
  assert.deepEqual(Buffer.from(await ok.arrayBuffer()), JPEG);
  const failed = await get(api, '/frames/cam-2.jpg');
  assert.equal(failed.status, 503);
  assert.match((await failed.json()).detail, /no picture of camera "cam-2": the camera refused the camera account/);
  assert.deepEqual(asked, ['cam-1', 'cam-2']);
  const page = await (await get(api, '/', { accept: 'text/html' })).text();
  assert.match(page, /<img src="\/frames\/cam-0\.jpg/, 'the status page asks for every camera picture');
});

function wsMessages(
  url: string,
  headers: Record<string, string>,
  extra: { origin?: string } = {}
): Promise<{ ws: WebSocket; messages: any[]; next: (pred: (m: any) => boolean) => Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...extra });
    const messages: any[] = [];
    const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      messages.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        next: (pred) => {
          const hit = messages.find(pred);
          if (hit) {
            return Promise.resolve(hit);
          }
          return new Promise((res2, rej2) => {
            const timer = setTimeout(() => rej2(new Error('no such WebSocket message in time')), 10_000);
            waiters.push({ pred, resolve: (m) => (clearTimeout(timer), res2(m)) });
          });
        },
      })
    );
  });
}

test('/ws pushes polls and motion events as they happen; it needs the token too', async (t) => {
  const { api, sim } = await setup(t);
  const wsUrl = api.url.replace('http', 'ws') + '/ws';
  await assert.rejects(wsMessages(wsUrl, {}), /HTTP 401/);
  const { ws, next } = await wsMessages(wsUrl, { authorization: `Bearer ${TOKEN}` });
  t.after(() => ws.close());
  const hello = await next((m) => m.type === 'hello');
  assert.deepEqual(hello.cameras, ['cam-0', 'cam-1', 'cam-2']);
  const p = await next((m) => m.type === 'poll' && m.camera_id === 'cam-1');
  assert.equal(p.data.model, 'C110');
  assert.equal(p.data.status, 'online');
  sim.cameras[0]!.triggerMotion('person');
  const e = await next((m) => m.type === 'motion_event');
  assert.equal(e.camera_id, 'cam-0');
  assert.equal(e.data.kind, 'person');
  assert.equal(e.timestamp, new Date(e.data.start).toISOString());
  // Query-string token (browsers cannot set headers on WebSockets).
  const q = await wsMessages(`${wsUrl}?token=${TOKEN}`, {});
  q.ws.close();
});

export type { Fleet };
