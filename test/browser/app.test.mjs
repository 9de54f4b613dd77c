/*
 * The built app's page (dist/module.js) in headless Chromium, loaded as Grafana loads an app's
 * root page: the getting-started steps, the Tapo datasources there are, and the app's included
 * dashboards (listed by Grafana's plugin dashboards API, answered here from the built plugin.json)
 * with an Import that calls Grafana's import API and then links to the dashboard.
 * Needs `npm run build:frontend` first. Run: node --test test/browser/
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { catalogScreenshot, startBrowserHarness } from './chromium.mjs';

let harness;

before(async () => {
  harness = await startBrowserHarness();
});

after(async () => {
  await harness?.close();
});

describe('app page in Chromium', () => {
  it('explains the setup, lists the datasources and imports an included dashboard', async () => {
    const { page, errors } = await harness.openPanel({ plugin: 'app', datasources: 'tapo' });
    try {
      const app = page.locator('#app');
      await app.getByText('1. Add the Tapo Cameras datasource').waitFor();
      await app.getByText('2. Add cameras: two accounts per camera').waitFor();
      // The datasource list comes from getDataSourceSrv().getList({ pluginId }).
      const dsLink = app.getByRole('link', { name: 'Tapo (tapo)' });
      assert.equal(await dsLink.getAttribute('href'), '/connections/datasources/edit/tapo');

      const list = app.getByRole('list', { name: 'Tapo dashboards' });
      await list.getByText('Tapo Camera Overview').waitFor();
      const rows = await list.locator('li').allInnerTexts();
      // One row per dashboard the app includes (src/plugin.json).
      const included = JSON.parse(readFileSync(new URL('../../src/plugin.json', import.meta.url), 'utf8')).includes.filter(
        (i) => i.type === 'dashboard'
      );
      assert.ok(included.length >= 4, 'overview, camera, live wall and sites');
      assert.equal(rows.length, included.length, `dashboards listed: ${rows}`);
      await catalogScreenshot(app, 'app-page.png');

      await list.getByRole('button', { name: 'Import Tapo Camera Overview' }).click();
      const open = list.locator('li', { hasText: 'Tapo Camera Overview' }).getByRole('link', { name: 'Open' });
      await open.waitFor();
      assert.equal(await open.getAttribute('href'), '/d/tapo-overview');

      const calls = await page.evaluate(() => window.tapoHarness.calls);
      const imports = calls.filter((c) => c.url === '/api/dashboards/import');
      assert.equal(imports.length, 1);
      assert.equal(imports[0].method, 'POST');
      assert.deepEqual(imports[0].data, {
        pluginId: 'camwatch-tapo-app',
        path: 'dashboards/tapo-overview.json',
        overwrite: true,
        inputs: [],
      });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
