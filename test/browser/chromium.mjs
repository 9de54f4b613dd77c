/*
 * Shared setup of the browser tests: bundles the harness (harness.mjs) with esbuild, serves it, the
 * built panel (dist/panel, nested in the app) and Grafana's icons from a loopback HTTP server, and
 * launches Debian's Chromium through playwright-core.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const OUT = join(HERE, 'output');
// The built app (dist/): Grafana serves it at public/plugins/<app id>/, the nested panel under panel/.
const APP_DIST = join(ROOT, 'dist');
const PANEL_DIST = join(APP_DIST, 'panel');
// Grafana serves its icons (public/build/img/icons); @grafana/ui ships the same files.
const ICONS = join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The harness bundle, kept in memory so that test files running in parallel share no file. */
async function bundleHarness() {
  const result = await esbuild.build({
    entryPoints: [join(HERE, 'harness.mjs')],
    bundle: true,
    write: false,
    outfile: 'harness.js',
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
  return Buffer.from(result.outputFiles[0].contents);
}

function staticFile(pathname) {
  const under = (prefix, dir) => {
    const file = normalize(join(dir, pathname.slice(prefix.length)));
    return file.startsWith(dir) ? file : undefined;
  };
  // Grafana 12 serves them under public/build/img/icons (10.x: public/img/icons).
  for (const prefix of ['/public/build/img/icons/', '/public/img/icons/']) {
    if (pathname.startsWith(prefix)) {
      return under(prefix, ICONS);
    }
  }
  if (pathname.startsWith('/public/plugins/camwatch-tapo-app/')) {
    return under('/public/plugins/camwatch-tapo-app/', APP_DIST);
  }
  return undefined;
}

/**
 * Starts the server and Chromium. `openPanel(query)` opens the harness page (query: role, cameras,
 * width, height) and resolves once the built panel module is loaded and rendered.
 */
export async function startBrowserHarness() {
  assert.ok(existsSync(join(PANEL_DIST, 'module.js')), 'dist/panel/module.js is missing: run npm run build:frontend');
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium`);
  mkdirSync(OUT, { recursive: true });
  const harnessJs = await bundleHarness();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        // Grafana's global box sizing (its reboot styles), which plugins are laid out under.
        '<!doctype html><html><head><meta charset="utf-8"><style>html{box-sizing:border-box}*,*::before,*::after{box-sizing:inherit}</style></head><body style="margin:0;background:#111"><div id="root"></div><script src="/harness.js"></script></body></html>'
      );
      return;
    }
    if (url.pathname === '/harness.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(harnessJs);
      return;
    }
    const file = staticFile(url.pathname);
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  } catch (err) {
    server.close();
    throw err;
  }

  async function openPanel(query = {}) {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const errors = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`${baseUrl}/?${new URLSearchParams(query)}`);
    await page.waitForFunction(
      () => window.tapoHarness && (window.tapoHarness.ready || window.tapoHarness.error),
      null,
      { timeout: 15_000 }
    );
    const error = await page.evaluate(() => window.tapoHarness.error);
    assert.equal(error, null, `harness failed: ${error}`);
    return { page, errors };
  }

  async function close() {
    await browser.close().catch(() => undefined);
    await new Promise((done) => server.close(() => done()));
  }

  return { baseUrl, openPanel, close };
}

/**
 * A screenshot for the plugin catalog (plugin.json `screenshots`): written to output/catalog/,
 * and into src/img/screenshots/ too when TAPO_CATALOG_SCREENSHOTS=1 (`npm run screenshots`).
 */
export async function catalogScreenshot(locator, name) {
  const dirs = [join(OUT, 'catalog')];
  if (process.env.TAPO_CATALOG_SCREENSHOTS === '1') {
    dirs.push(join(ROOT, 'src', 'img', 'screenshots'));
  }
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await locator.screenshot({ path: join(dir, name) });
  }
}

/**
 * Starts things at once (sidecar, simulator, browser): `keep` gets every one that started
 * (undefined where one failed) before the first failure is thrown, so `after` can stop the others.
 */
export async function startTogether(starts, keep) {
  const settled = await Promise.allSettled(starts);
  keep(settled.map((s) => s.value));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    throw failed.reason;
  }
}
