/*
 * The built panel in headless Chromium: module.js is loaded as Grafana loads it (AMD, externals),
 * fed Grafana Live frame packets in the sidecar's frames contract carrying real JPEGs, and checked
 * for a drawn, updating picture; screenshots go to test/browser/output/.
 * Needs `npm run build:frontend` first and Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 * Run: node --test test/browser/
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OUT = join(HERE, 'output');
const PANEL_DIST = join(ROOT, 'dist/camwatch-tapo-panel');
// Grafana serves its icons under public/img/icons; @grafana/ui ships the same files.
const ICONS = join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const UID = 'tapo-ds';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.svg': 'image/svg+xml' };

/** Packet for channel ds/<uid>/camera/<id>/frames/<fps>/<width>, as RunStream sends it. */
function framePacket(cam, { withSchema }) {
  const channel = `ds/${UID}/camera/${cam.id}/frames/2/${cam.width}`;
  const schema = {
    name: cam.id,
    refId: 'A',
    meta: { channel },
    fields: [
      { name: 'time', type: 'time', typeInfo: { frame: 'time.Time' } },
      { name: 'camera_id', type: 'string', typeInfo: { frame: 'string' } },
      { name: 'camera_name', type: 'string', typeInfo: { frame: 'string' } },
      { name: 'width', type: 'number', typeInfo: { frame: 'int64' } },
      { name: 'height', type: 'number', typeInfo: { frame: 'int64' } },
      { name: 'jpeg', type: 'string', typeInfo: { frame: 'string' } },
      { name: 'status', type: 'string', typeInfo: { frame: 'string', nullable: true } },
      { name: 'last_seen', type: 'time', typeInfo: { frame: 'time.Time', nullable: true } },
      { name: 'motion', type: 'boolean', typeInfo: { frame: 'bool', nullable: true } },
      { name: 'error', type: 'string', typeInfo: { frame: 'string', nullable: true } },
    ],
  };
  const data = {
    values: [
      [cam.time],
      [cam.id],
      [cam.name],
      [cam.width],
      [cam.height],
      [cam.jpeg],
      [cam.status ?? 'online'],
      [cam.lastSeen ?? cam.time],
      [cam.motion ?? false],
      [cam.error ?? null],
    ],
  };
  return { channel, packet: withSchema ? { schema, data } : { data } };
}

let server;
let baseUrl;
let browser;

before(async () => {
  assert.ok(
    existsSync(join(PANEL_DIST, 'module.js')),
    'dist/camwatch-tapo-panel/module.js is missing: run npm run build:frontend'
  );
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium`);
  mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    entryPoints: [join(HERE, 'harness.mjs')],
    bundle: true,
    outfile: join(OUT, 'harness.js'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.css': 'empty', '.svg': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty' },
    logLevel: 'error',
    absWorkingDir: ROOT,
    plugins: [
      {
        // @grafana/runtime imports SystemJS for loadPluginCss, which the harness never calls.
        name: 'stub-systemjs',
        setup(build) {
          build.onResolve({ filter: /^systemjs(\/|-cjs-extra)/ }, (args) => ({ path: args.path, namespace: 'stub' }));
          build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: '', loader: 'js' }));
        },
      },
    ],
  });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file;
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<!doctype html><html><body style="margin:0;background:#111"><div id="root"></div><script src="/harness.js"></script></body></html>'
      );
      return;
    } else if (url.pathname === '/harness.js') {
      file = join(OUT, 'harness.js');
    } else if (url.pathname.startsWith('/public/img/icons/')) {
      file = normalize(join(ICONS, url.pathname.slice('/public/img/icons/'.length)));
      if (!file.startsWith(ICONS)) {
        file = undefined;
      }
    } else if (url.pathname.startsWith('/public/plugins/camwatch-tapo-panel/')) {
      file = normalize(join(PANEL_DIST, url.pathname.slice('/public/plugins/camwatch-tapo-panel/'.length)));
      if (!file.startsWith(PANEL_DIST)) {
        file = undefined;
      }
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
});

after(async () => {
  await browser?.close();
  await new Promise((done) => (server ? server.close(done) : done()));
});

async function openPanel(query = {}) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${baseUrl}/?${new URLSearchParams(query)}`);
  await page.waitForFunction(() => window.tapoHarness && (window.tapoHarness.ready || window.tapoHarness.error), null, {
    timeout: 15_000,
  });
  const error = await page.evaluate(() => window.tapoHarness.error);
  assert.equal(error, null, `harness failed: ${error}`);
  return { page, errors };
}

async function push(page, cam, withSchema) {
  const { channel, packet } = framePacket(cam, { withSchema });
  await page.evaluate(([c, p]) => window.tapoHarness.pushFrameJSON(c, p), [channel, packet]);
}

const jpeg = (page, color, label, width, height) =>
  page.evaluate(([c, l, w, h]) => window.tapoHarness.makeJpeg(c, l, w, h), [color, label, width, height]);

/** Waits until the tile's picture is decoded and mostly one colour channel (the frame's colour). */
async function waitForColour(page, cameraId, dominant) {
  const handle = await page.waitForFunction(
    ([id, main]) => {
      const px = window.tapoHarness.imagePixel(id);
      const others = ['r', 'g', 'b'].filter((c) => c !== main);
      return px && px[main] > 120 && others.every((c) => px[c] < 90) ? px : null;
    },
    [cameraId, dominant],
    { timeout: 10_000 }
  );
  return handle.jsonValue();
}

describe('camera panel in Chromium', () => {
  it('draws live frames, replaces them, and releases the replaced picture', async () => {
    const { page, errors } = await openPanel({ role: 'Viewer' });
    const now = Date.now();
    const red = await jpeg(page, '#d01010', 'frame 1', 640, 360);
    await push(
      page,
      { id: 'front', name: 'Front door', width: 640, height: 360, time: now, jpeg: red, motion: true },
      true
    );
    await push(
      page,
      {
        id: 'garage',
        name: 'Garage',
        width: 640,
        height: 360,
        time: now - 60_000,
        jpeg: red,
        status: 'offline',
        error: 'timeout',
        lastSeen: now - 600_000,
      },
      true
    );

    const first = await waitForColour(page, 'front', 'r');
    assert.equal(first.width, 640, 'the JPEG decodes to the requested width');
    assert.equal(first.height, 360);
    assert.match(first.src, /^blob:/);
    assert.equal(await page.locator('[data-testid="camera-tile"]').count(), 2);
    assert.equal(
      await page.locator('[data-camera="front"] [data-testid="motion-badge"]').getAttribute('data-lit'),
      'true'
    );
    assert.equal(await page.locator('[data-camera="garage"]').getAttribute('data-offline'), 'true');
    assert.match(await page.locator('[data-camera="garage"] [role="status"]').innerText(), /timeout/);
    assert.equal(await page.locator('[data-testid="tile-controls"]').count(), 0, 'viewers get no controls');
    await page.locator('#panel').screenshot({ path: join(OUT, 'panel-1.png') });

    // The next packet carries data only, as RunStream sends after the first.
    const blue = await jpeg(page, '#1030d0', 'frame 2', 640, 360);
    await push(page, { id: 'front', name: 'Front door', width: 640, height: 360, time: now + 500, jpeg: blue }, false);
    const second = await waitForColour(page, 'front', 'b');
    assert.notEqual(second.src, first.src, 'a new frame gets a new object URL');
    const oldStillLoads = await page.evaluate(
      (src) =>
        fetch(src).then(
          () => true,
          () => false
        ),
      first.src
    );
    assert.equal(oldStillLoads, false, 'the replaced object URL was revoked');
    await page.locator('#panel').screenshot({ path: join(OUT, 'panel-2.png') });

    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows PTZ and privacy controls to editors and calls the datasource resources', async () => {
    const cameras = [
      { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: 'h', ptz: true, privacyMode: false },
    ];
    const { page, errors } = await openPanel({ role: 'Editor', cameras: JSON.stringify(cameras) });
    const frame = await jpeg(page, '#20a020', 'ptz', 320, 180);
    await push(page, { id: 'front', name: 'Front door', width: 320, height: 180, time: Date.now(), jpeg: frame }, true);
    await waitForColour(page, 'front', 'g');
    await page.getByRole('button', { name: 'Move left' }).click();
    await page.getByRole('button', { name: 'Turn privacy mode on' }).click();
    await page.getByRole('button', { name: 'Privacy mode is on: turn it off' }).waitFor();
    const calls = await page.evaluate(() => window.tapoHarness.calls);
    assert.deepEqual(
      calls.filter((c) => c.method === 'POST'),
      [
        { url: `/api/datasources/uid/${UID}/resources/cameras/front/ptz`, method: 'POST', data: { direction: 180 } },
        { url: `/api/datasources/uid/${UID}/resources/cameras/front/privacy`, method: 'POST', data: { enabled: true } },
      ]
    );
    await page.locator('#panel').screenshot({ path: join(OUT, 'panel-editor.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
