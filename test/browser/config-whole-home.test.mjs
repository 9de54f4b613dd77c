/*
 * Adding a whole home in the built config editor, in headless Chromium, against the BUILT sidecar
 * and a simulated home (six cameras and an H200 hub with battery cameras and sensors, one cloud
 * password, answering TP-Link discovery on loopback): the editor's resource calls go to the
 * sidecar's CallResource as Grafana sends them. Discovery finds the six cameras and the hub (marked
 * as one); "Add all" with the password typed once adds seven folded rows, each with the password in
 * its own secure field and nowhere else; the page after adding stays within one 1080 px screen
 * (at 1100 and 800 px wide); after a save, the hub's list (through the sidecar's login to it) adds
 * a camera behind it, whose row says so, runs it, and has no host, RTSP, ONVIF or password fields;
 * the hub's row lists its sensors once its list was read.
 * Needs `npm run build` first, and Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startBrowserHarness, startTogether } from './chromium.mjs';
import { bridgeResource, callResource, pluginClients, pluginContext, resourceJson, startSidecar } from './sidecar.mjs';
import { startHomeSimulator } from './simulator.mjs';

const UID = 'tapo-home-ds';
/** One screen: the page after adding six cameras and a hub by discovery must fit it. */
const ONE_SCREEN = 1080;
const WIDTH = 1100;
const NARROW = 800;

let sidecar;
let sim;
let harness;
let clients;

before(async () => {
  await startTogether(
    [startSidecar({ waitFor: null, args: ['--no-demo'] }), startHomeSimulator({ cameras: 6 }), startBrowserHarness()],
    (v) => ([sidecar, sim, harness] = v)
  );
  clients = pluginClients(sidecar.address);
});

after(async () => {
  clients?.close();
  await Promise.allSettled([harness?.close(), sidecar?.stop(), sim?.stop()]);
});

/** The datasource as Grafana sends it with each call: its saved settings (decrypted secrets), `version` as its update time. */
const contextOf = (jsonData, secure, version) => {
  const ctx = pluginContext({ uid: UID, role: 'Editor', jsonData, secure });
  return { ...ctx, dataSourceInstanceSettings: { ...ctx.dataSourceInstanceSettings, lastUpdatedMS: version } };
};

/** Lets the editor's answers land and Chromium lay out what they changed. */
const settle = (page) =>
  page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

const editorHeight = (page) =>
  page.evaluate(() => Math.round(document.querySelector('#editor').getBoundingClientRect().height));

describe('adding a whole home in the built config editor, through the built sidecar and a simulated home', () => {
  it(
    'discovers six cameras and a hub, adds all with one password within one screen, and a hub child has no address fields',
    {
      timeout: 180_000,
    },
    async (t) => {
      const { page, errors } = await harness.openPanel({ plugin: 'datasource', role: 'Editor' });
      try {
        await page.setViewportSize({ width: WIDTH + 40, height: ONE_SCREEN });
        let ctx = contextOf({}, {}, 1);
        /** What the page sent to the sidecar (path and body), to show the password never travels there. */
        const sent = [];
        await page.exposeFunction('tapoResourceBridge', (req) => {
          sent.push(req);
          // The simulated home answers discovery on a free port, not 20002 (a shared machine): the
          // only change made to the editor's request.
          const data = req.url.endsWith('/resources/discover') ? { ...req.data, port: sim.discoveryPort } : req.data;
          return bridgeResource(clients.resource, ctx, { ...req, data });
        });
        const fresh = {
          uid: UID,
          version: 1,
          jsonData: {},
          secureJsonFields: {},
          name: 'Tapo',
          type: 'camwatch-tapo-datasource',
        };
        await page.evaluate(([o, w]) => window.tapoHarness.showEditor('config', { options: o }, w), [fresh, WIDTH]);
        await page.locator('#editor').waitFor();

        // Discovery through the sidecar: six cameras and the hub, marked as one.
        await page.getByText('Find cameras on my network').click();
        await page.locator('#tapo-discover-target').fill('127.0.0.1');
        await page.getByRole('button', { name: 'Find cameras', exact: true }).click();
        const rows = page.locator('table[aria-label="Cameras found"] tbody tr');
        await page.waitForFunction(
          () => document.querySelectorAll('table[aria-label="Cameras found"] tbody tr').length >= 7,
          null,
          { timeout: 20_000 }
        );
        assert.equal(await rows.count(), 7, 'six cameras and one hub answered');
        const hubRow = rows.filter({ hasText: 'H200' });
        assert.equal(await hubRow.count(), 1);
        assert.match(await hubRow.innerText(), /Hub/);
        assert.match(await hubRow.innerText(), new RegExp(`127\\.0\\.0\\.1:${sim.hub.port}`));

        // All seven with one password, typed once.
        await page.locator('#tapo-discover-password').fill(sim.password);
        await settle(page);
        const before = await editorHeight(page);
        await page.getByRole('button', { name: 'Add all (7)' }).click();
        await page.locator('[data-testid="camera-row-6"]').waitFor();
        await settle(page);
        const height = await editorHeight(page);
        t.diagnostic(
          `six cameras and a hub added by discovery at ${WIDTH} px: ${height} px high, ${height - before} px more than the search alone (bound ${ONE_SCREEN} px)`
        );
        assert.ok(
          height <= ONE_SCREEN,
          `the page after adding is ${height} px, more than one screen (${ONE_SCREEN} px)`
        );
        // Narrower, as on a laptop: the same rows, the table's columns closer.
        const showAt = (w) =>
          page.evaluate((width) => {
            window.tapoHarness.showEditor('config', { options: window.tapoHarness.editorOptions() }, width);
          }, w);
        await showAt(NARROW);
        await settle(page);
        const narrow = await editorHeight(page);
        t.diagnostic(`the same at ${NARROW} px: ${narrow} px high (bound ${ONE_SCREEN} px)`);
        assert.ok(narrow <= ONE_SCREEN, `at ${NARROW} px the page after adding is ${narrow} px`);
        await showAt(WIDTH);
        // Folded: no form open.
        for (let i = 0; i < 7; i++) {
          assert.equal(
            await page.getByRole('button', { name: `Edit camera ${i + 1}`, exact: true }).getAttribute('aria-expanded'),
            'false'
          );
        }
        assert.equal(await page.locator('[data-testid^="camera-"][role="group"]').count(), 0, 'no form open');

        const added = await page.evaluate(() => window.tapoHarness.editorOptions());
        const cameras = added.jsonData.cameras;
        assert.equal(cameras.length, 7);
        const hub = cameras.find((c) => c.kind === 'hub');
        assert.ok(hub, 'the hub was added as a hub');
        assert.equal(hub.host, `127.0.0.1:${sim.hub.port}`);
        assert.deepEqual(
          added.secureJsonData,
          Object.fromEntries(cameras.map((c) => [`password.${c.id}`, sim.password])),
          'each row holds the password in its own secure field'
        );
        assert.ok(!JSON.stringify(added.jsonData).includes(sim.password), 'no password in jsonData');

        // Grafana saves: the secrets stored, the page gets "configured" fields and a new version.
        ctx = contextOf(added.jsonData, added.secureJsonData, 2);
        const saved = {
          ...added,
          version: 2,
          secureJsonData: {},
          secureJsonFields: Object.fromEntries(Object.keys(added.secureJsonData).map((k) => [k, true])),
        };
        await page.evaluate(([o, w]) => window.tapoHarness.showEditor('config', { options: o }, w), [saved, WIDTH]);

        // The hub's row: its own small form, and its cameras listed through the sidecar's login to it.
        const hubIndex = cameras.indexOf(hub);
        await page.getByRole('button', { name: `Edit camera ${hubIndex + 1}`, exact: true }).click();
        const hubForm = page.locator(`[data-testid="camera-${hubIndex}"]`);
        await hubForm.waitFor();
        assert.equal(await hubForm.locator('input[id$="-host"]').count(), 1, "the hub's address");
        assert.equal(await hubForm.locator('input[id$="-password"]').count(), 1, "the hub's password");
        assert.equal(await hubForm.locator('input[id$="-rtsp"], input[id$="-onvif"]').count(), 0);
        await page.getByRole('button', { name: "List the hub's cameras" }).click();
        const behind = page.locator(`table[aria-label="Cameras behind ${hub.name}"]`);
        await behind.waitFor({ timeout: 30_000 });
        const childName = sim.children[0].name;
        await behind.getByRole('button', { name: `Add ${childName}`, exact: true }).click();

        // The camera behind the hub: folded, "behind hub X", and none of a camera's address fields.
        const childRow = page.locator('[data-testid="camera-row-7"]');
        await childRow.waitFor();
        assert.match(await childRow.innerText(), new RegExp(`behind hub ${hub.name}`));
        assert.equal(
          await page.getByRole('button', { name: 'Edit camera 8', exact: true }).getAttribute('aria-expanded'),
          'false'
        );
        await page.getByRole('button', { name: 'Edit camera 8', exact: true }).click();
        const childForm = page.locator('[data-testid="camera-7"]');
        await childForm.waitFor();
        assert.equal(await childForm.locator('input[id$="-name"]').inputValue(), childName);
        assert.equal(
          await childForm
            .locator(
              'input[id$="-host"], input[id$="-rtsp"], input[id$="-onvif"], input[id$="-password"], input[id$="-cameraAccount"]'
            )
            .count(),
          0,
          'a hub child has no host, RTSP, ONVIF or password fields'
        );
        assert.match(await childForm.innerText(), new RegExp(`Camera behind hub ${hub.name}`));
        const withChild = await page.evaluate(() => window.tapoHarness.editorOptions());
        const child = withChild.jsonData.cameras[7];
        assert.deepEqual(child.hubChild, { hubId: hub.id, deviceId: sim.children[0].deviceId });
        assert.equal(child.host, hub.host, "it logs in through the hub's address");
        assert.ok(!(`password.${child.id}` in (withChild.secureJsonData ?? {})), "it uses the hub's password");

        // Saved again: the hub's row lists the sensors the sidecar found behind it.
        ctx = contextOf(withChild.jsonData, added.secureJsonData, 3);
        await page.evaluate(
          ([o, w]) => window.tapoHarness.showEditor('config', { options: { ...o, version: 3 } }, w),
          [withChild, WIDTH]
        );
        // Listing the hub again reads what the sidecar runs behind it now (its cameras and sensors).
        await page.getByRole('button', { name: "List the hub's cameras" }).click();
        const list = page.locator(`ul[aria-label="Behind ${hub.name}"]`);
        await page.waitForFunction(
          (name) =>
            (document.querySelector(`ul[aria-label="Behind ${name}"]`)?.textContent ?? '').includes(
              'Door/window contact'
            ),
          hub.name,
          { timeout: 30_000 }
        );
        const listed = await list.innerText();
        t.diagnostic(`behind the hub: ${listed.replace(/\n/g, '; ')}`);
        // Sensors by kind (with their model once the sidecar polled them, once a minute with the hub's list).
        assert.match(listed, /Cellar \(Temperature and humidity/);
        assert.match(listed, /Front door contact \(Door\/window contact/);
        assert.match(listed, /Washing machine \(Water leak sensor/);
        assert.match(listed, new RegExp(`${childName} \\(camera 8\\)`));
        // The row runs the child: the hub's list does not hold it against the row.
        const own = resourceJson(await callResource(clients.resource, { pluginContext: ctx, path: 'ownership' }));
        assert.deepEqual(own.cameras, [], 'no camera of this datasource is polled by another source');
        assert.doesNotMatch(await childRow.innerText(), /Polled by another datasource/);

        // The password travelled in no request the page made, only in Grafana's (decrypted) settings.
        assert.ok(sent.length > 0);
        assert.ok(!JSON.stringify(sent).includes(sim.password), 'no password in a resource request');
        const calls = await page.evaluate(() => window.tapoHarness.calls);
        assert.ok(!JSON.stringify(calls).includes(sim.password), 'no password in any request');
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    }
  );
});
