/*
 * The built panel in headless Chromium with frames made in the page (real JPEGs from Chromium's
 * encoder), for what frames from the running sidecar cannot show on demand: a motion badge, an
 * offline camera dimmed with its reason, and the controls editors get (PTZ, privacy) calling the
 * datasource's resources. Drawing and replacing real frames is live-sidecar.test.mjs.
 * Needs `npm run build:frontend` first and Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 * Run: node --test test/browser/
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { OUT, catalogScreenshot, startBrowserHarness } from './chromium.mjs';
import { UID, holdClock, makeJpeg, pushFrame } from './frames.mjs';

let harness;

before(async () => {
  harness = await startBrowserHarness();
});

after(async () => {
  await harness?.close();
});

const openPanel = (query) => harness.openPanel(query);

const push = pushFrame;
const jpeg = makeJpeg;

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
  it('shows the motion badge, and an offline camera dimmed with its reason and when it last answered', async () => {
    const { page, errors } = await openPanel({ role: 'Viewer' });
    const now = Date.now();
    await holdClock(page, now);
    const red = await jpeg(page, '#d01010', 'front', 640, 360);
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

    await waitForColour(page, 'front', 'r');
    await waitForColour(page, 'garage', 'r');
    assert.equal(await page.locator('[data-testid="camera-tile"]').count(), 2);
    const badges = (id) => page.locator(`[data-camera="${id}"] [data-testid="motion-badge"]`).count();
    assert.equal(await badges('front'), 1, 'a motion badge where there is motion');
    assert.equal(await badges('garage'), 0, 'no badge without motion');
    assert.equal(await page.locator('[data-camera="front"]').getAttribute('data-offline'), 'false');
    assert.equal(await page.locator('[data-camera="garage"]').getAttribute('data-offline'), 'true');
    assert.match(await page.locator('[data-camera="garage"] [data-testid="tile-message"]').innerText(), /timeout/);
    assert.match(
      await page.locator('[data-camera="garage"] [data-testid="tile-status"]').innerText(),
      /last answered (9|10) min ago/
    );
    const opacity = (id) =>
      page.locator(`[data-camera="${id}"] img`).evaluate((img) => Number(getComputedStyle(img).opacity));
    assert.ok((await opacity('garage')) < (await opacity('front')), 'the offline picture is dimmed');
    await page.locator('#panel').screenshot({ path: join(OUT, 'panel-status.png') });
    await catalogScreenshot(page.locator('#panel'), 'live-panel.png');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows PTZ and privacy controls to editors and calls the datasource resources', async () => {
    const cameras = [
      { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: 'h', ptz: true, privacyMode: false },
    ];
    const { page, errors } = await openPanel({ role: 'Editor', cameras: JSON.stringify(cameras) });
    await holdClock(page, Date.now());
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
