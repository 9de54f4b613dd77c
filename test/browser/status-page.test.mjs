/*
 * The built sidecar's status page in Chromium, over its demo fleet (simulated cameras, a hub with
 * battery children): every camera row shows a picture that loads, or words saying why there is
 * none; never a broken image. Saved as output/screenshots/status-page.png.
 * Needs `npm run build` first (the bundled sidecar) and Chromium.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import { OUT } from './chromium.mjs';
import { startSidecar } from './sidecar.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let sidecar;
let browser;

before(async () => {
  sidecar = await startSidecar({ args: ['--http', '127.0.0.1:0', '--no-auth'] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
    headless: true,
  });
});
after(async () => {
  await browser?.close().catch(() => undefined);
  await sidecar?.stop();
});

describe('status page in Chromium', () => {
  it('shows each camera’s picture or says why there is none, never a broken image', async () => {
    const url = sidecar.httpUrl();
    assert.ok(url, 'the sidecar logged its HTTP address');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      // Polled cameras first: the page refreshes itself every 10 s; reload until every row has a state.
      const deadline = Date.now() + 30_000;
      let rows;
      for (;;) {
        await page.goto(url, { waitUntil: 'load' });
        rows = await page.locator('tbody tr').evaluateAll((trs) =>
          trs.map((tr) => {
            const img = tr.querySelector('td img');
            return {
              id: tr.querySelector('code')?.textContent,
              state: tr.querySelector('.st')?.textContent,
              img: img ? { loaded: img.complete && img.naturalWidth > 0, src: img.getAttribute('src') } : null,
              why: tr.querySelector('[data-no-picture]')?.textContent ?? null,
            };
          })
        );
        if ((rows.length > 0 && rows.every((r) => r.state !== 'unknown')) || Date.now() > deadline) {
          break;
        }
      }
      assert.ok(rows.length >= 6, `the demo fleet's cameras: ${JSON.stringify(rows)}`);
      for (const r of rows) {
        assert.ok(r.img || r.why, `${r.id}: a picture or the reason there is none`);
        if (r.img) {
          assert.ok(r.img.loaded, `${r.id} (${r.state}): its picture ${r.img.src} did not load (a broken image)`);
        } else {
          assert.ok(r.why.length > 10, `${r.id}: says why (${r.why})`);
        }
      }
      mkdirSync(join(OUT, 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(OUT, 'screenshots', 'status-page.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
