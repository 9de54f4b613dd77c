/*
 * The screenshot suite: the built panel and the datasource's editors in Chromium, dark and light,
 * 1/4/6/16 cameras from 200×150 per tile up to full HD, and the editors with and without errors.
 * Every picture is saved under test/browser/output/screenshots/ (CI keeps that folder) with a
 * stable name (panel-dark-6.png, config-editor-light.png, ...), and each is checked on what
 * Chromium laid out: no text box overlaps another or leaves its tile, overlay text reaches WCAG AA
 * contrast against what is behind it (over a picture: the worse of black and white), and no box is
 * wider than its container. The config editor with six cameras is measured too: folded they fit
 * one screen; one camera's form takes two columns at 1100 px (inputs side by side, level) and one
 * at 600 px. Needs `npm run build:frontend` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { OUT, startBrowserHarness } from './chromium.mjs';
import { holdClock, makeJpeg, pushFrame } from './frames.mjs';
import { checkLayout } from './layout-checks.mjs';

export const SCREENSHOTS = join(OUT, 'screenshots');
/** The pictures the project's README shows: copied to docs/screenshots/ by `npm run screenshots`. */
export const README_SHOTS = ['panel-dark-6', 'panel-light-4', 'config-editor-dark', 'query-editor-light'];

/** Saves one picture of the suite (and the README's copy when asked for). */
async function shot(locator, what) {
  await locator.screenshot({ path: join(SCREENSHOTS, `${what}.png`) });
  if (process.env.TAPO_CATALOG_SCREENSHOTS === '1' && README_SHOTS.includes(what)) {
    const dir = join(OUT, '..', '..', '..', 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    await locator.screenshot({ path: join(dir, `${what}.png`) });
  }
}
const THEMES = ['dark', 'light'];
const TILE = '[data-testid="camera-tile"]';

/** The states a wall of cameras is in, in turn: every overlay the panel draws, with long words. */
const STATES = [
  { name: 'Front door', color: '#f4f4f4', motion: true },
  {
    name: 'Garage by the garden gate, north side',
    color: '#303030',
    status: 'offline',
    error: 'unreachable (check the address and that it is powered and on the network)',
    lastSeenAgo: 3 * 3600_000,
  },
  { name: 'Nursery', color: '#ffe680', privacy: true },
  { name: 'Doorbell', status: 'sleeping', noPicture: true },
  { name: 'Yard', color: '#101010' },
  {
    name: 'Attic',
    color: '#2060d0',
    status: 'auth_failed',
    error: 'wrong password, or Third-Party Compatibility off? (Tapo app → Me → Tapo Lab)',
  },
];

/** The panel scenes: name → cameras and panel size (16 cameras at 812×612 make 200×150 tiles). */
const SCENES = [
  { file: '1', count: 1, width: 1920, height: 1080 },
  { file: '4', count: 4, width: 960, height: 540 },
  { file: '6', count: 6, width: 1200, height: 675 },
  { file: '16', count: 16, width: 812, height: 612, hover: true },
  { file: '1-small', count: 1, width: 200, height: 150, state: 1 },
];

const cameraList = (count) =>
  Array.from({ length: count }, (_, i) => ({
    id: `cam-${i}`,
    name: STATES[i % STATES.length].name,
    model: i % 2 ? 'C110' : 'C210',
    status: 'online',
    host: `192.0.2.${i + 10}`,
    ptz: i % 2 === 0,
    privacyMode: STATES[i % STATES.length].privacy ?? false,
  }));

let harness;
before(async () => {
  harness = await startBrowserHarness();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await harness?.close();
});

/** Fails with every finding listed, so one run shows all that is wrong in a picture. */
function assertClean(findings, what, { contrast = true } = {}) {
  assert.equal(findings.error, undefined, findings.error);
  assert.ok(findings.texts > 0, `${what}: no text found to check`);
  const problems = [
    ...findings.overlaps,
    ...findings.outside,
    ...findings.tooWide,
    ...(contrast ? findings.lowContrast : []),
  ];
  assert.deepEqual(problems, [], `${what}:\n  ${problems.join('\n  ')}`);
}

async function showScene(page, scene, jpegs) {
  await page.evaluate(
    ([w, h]) => {
      window.tapoHarness.clearFrames();
      window.tapoHarness.setSize(w, h);
    },
    [scene.width, scene.height]
  );
  const now = Date.now();
  await holdClock(page, now);
  for (let i = 0; i < scene.count; i++) {
    const s = STATES[(scene.state ?? i) % STATES.length];
    await pushFrame(page, {
      id: `cam-${i}`,
      name: s.name,
      width: 640,
      height: 360,
      time: now - 2000,
      jpeg: s.noPicture ? '' : jpegs.get(s.color),
      status: s.status ?? 'online',
      error: s.error,
      motion: s.motion ?? false,
      privacy: s.privacy ?? false,
      lastSeen: now - (s.lastSeenAgo ?? 2000),
    });
  }
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('#panel [data-testid="camera-tile"]').length === n &&
      Array.from(document.querySelectorAll('#panel img')).every((img) => img.complete && img.naturalWidth > 0),
    scene.count,
    { timeout: 10_000 }
  );
}

describe('screenshot suite: the panel', () => {
  for (const theme of THEMES) {
    it(`${theme} theme: 1, 4, 6 and 16 cameras, 200×150 per tile to full HD, every overlay readable`, async () => {
      const { page, errors } = await harness.openPanel({
        role: 'Editor',
        theme,
        cameras: JSON.stringify(cameraList(16)),
      });
      try {
        await page.setViewportSize({ width: 1940, height: 1100 });
        const jpegs = new Map();
        for (const color of new Set(STATES.map((s) => s.color).filter(Boolean))) {
          jpegs.set(color, await makeJpeg(page, color, '12-05-2026 10:41:07', 640, 360));
        }
        for (const scene of SCENES) {
          await showScene(page, scene, jpegs);
          const what = `panel-${theme}-${scene.file}`;
          const grid = page.locator('[data-testid="camera-grid"]');
          if (scene.count === 6) {
            assert.equal(await grid.getAttribute('data-columns'), '3', `${what}: 3×2 gives larger pictures than 2×3`);
          }
          const tiles = page.locator(`#panel ${TILE}`);
          // Pictures in a row line up: every tile's picture area has the same height.
          const heights = await tiles.evaluateAll((els) =>
            els.map((t) => Math.round(t.firstElementChild.getBoundingClientRect().height))
          );
          assert.equal(new Set(heights).size, 1, `${what}: picture heights differ: ${heights}`);
          const findings = await checkLayout(page, {
            rootSelector: '#panel',
            tileSelector: TILE,
            pictureSelector: 'img, video',
          });
          assertClean(findings, what);
          await shot(page.locator('#panel'), what);
          if (scene.hover) {
            await tiles.first().hover();
            const bar = tiles.first().locator('[data-testid="tile-control-bar"]');
            await page.waitForFunction((el) => getComputedStyle(el).opacity === '1', await bar.elementHandle());
            assertClean(
              await checkLayout(page, { rootSelector: '#panel', tileSelector: TILE, pictureSelector: 'img, video' }),
              `${what}-hover`
            );
            await shot(page.locator('#panel'), `${what}-hover`);
            await page.mouse.move(0, 0);
          }
        }
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }
});

const baseSettings = {
  id: 1,
  uid: 'tapo-ds',
  orgId: 1,
  name: 'Tapo',
  type: 'camwatch-tapo-datasource',
  typeName: 'Tapo Cameras',
  typeLogoUrl: '',
  access: 'proxy',
  url: '',
  user: '',
  database: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  withCredentials: false,
  readOnly: false,
  version: 1,
};

const sixCameras = cameraList(6).map((c, i) => ({
  id: c.id,
  name: c.name,
  host: c.host,
  username: 'admin',
  cameraAccount: 'viewer',
  // The first one has a restream, so its open form shows the restream's own account too.
  ...(i === 0 ? { rtspUrlOverride: 'rtsp://192.0.2.1:8554/front-door' } : {}),
  ...(i === 5 ? { disabled: true } : {}),
}));

const EDITORS = [
  {
    file: 'config-editor',
    kind: 'config',
    props: {
      options: {
        ...baseSettings,
        jsonData: { cameras: sixCameras },
        secureJsonFields: Object.fromEntries(sixCameras.flatMap((c) => [[`password.${c.id}`, true]])),
      },
    },
  },
  {
    file: 'config-editor-errors',
    kind: 'config',
    props: {
      options: {
        ...baseSettings,
        jsonData: {
          cameras: [
            { id: 'cam-0', name: 'Front door', host: '' },
            { id: 'cam-0', name: 'Same id as the front door', host: '192.0.2.11' },
            { id: 'bad id with spaces', name: '', host: 'not a host name!', onvifPort: 70000 },
          ],
          retentionHours: -1,
        },
        secureJsonFields: {},
      },
    },
  },
  {
    file: 'query-editor',
    kind: 'query',
    props: { query: { refId: 'A', queryType: 'live', cameras: ['cam-0', 'cam-1'], live: { kind: 'video' } } },
  },
  {
    file: 'query-editor-errors',
    kind: 'query',
    props: {
      query: { refId: 'A', queryType: 'live', cameras: ['gone-camera'], live: { kind: 'frames', width: 10, fps: 99 } },
    },
  },
];

/** Grafana's chrome (top bar, page header, tabs, save bar) leaves about this much of a 1080 px screen. */
const ONE_SCREEN = 900;
/** One camera open: the page stays within two screens (the one-column form made it over 2,000 px). */
const OPEN_MAX = 2 * ONE_SCREEN;

/** Lets the editors' answers from the harness datasource land and Chromium lay out what they changed. */
async function settle(page) {
  await page.waitForFunction(() => document.querySelector('#editor')?.textContent?.length > 0);
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** The editor's laid-out height in px. */
const editorHeight = (page) =>
  page.evaluate(() => Math.round(document.querySelector('#editor').getBoundingClientRect().height));

/**
 * How a camera's form is laid out: its text and number inputs, the pairs of them that share a row
 * side by side (one's left edge right of the other's right edge, their boxes level), and those
 * pairs whose tops differ (descriptions of different lengths must not push one input down).
 */
function formColumns(page, testId) {
  return page.evaluate((id) => {
    const form = document.querySelector(`[data-testid="${id}"]`);
    if (!form) {
      return { error: `no ${id}` };
    }
    const inputs = Array.from(form.querySelectorAll('input:not([type="radio"])'))
      .map((el) => ({ id: el.id, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0);
    const sideBySide = [];
    const notLevel = [];
    for (const a of inputs) {
      for (const b of inputs) {
        const level = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top) > 0;
        if (a !== b && level && b.r.left >= a.r.right) {
          sideBySide.push(`${a.id} | ${b.id}`);
          if (Math.abs(a.r.top - b.r.top) > 1) {
            notLevel.push(`${a.id} at ${Math.round(a.r.top)} | ${b.id} at ${Math.round(b.r.top)}`);
          }
        }
      }
    }
    const lefts = new Set(inputs.map(({ r }) => Math.round(r.left)));
    const box = form.getBoundingClientRect();
    return {
      inputs: inputs.length,
      lefts: lefts.size,
      sideBySide,
      notLevel,
      width: Math.round(box.width),
      height: Math.round(box.height),
    };
  }, testId);
}

describe('screenshot suite: the datasource editors', () => {
  for (const theme of THEMES) {
    it(`${theme} theme: config and query editors, with and without errors`, async () => {
      const { page, errors } = await harness.openPanel({
        plugin: 'datasource',
        theme,
        cameras: JSON.stringify(cameraList(6)),
      });
      try {
        await page.setViewportSize({ width: 1100, height: 900 });
        for (const editor of EDITORS) {
          await page.evaluate(
            ([kind, props]) => window.tapoHarness.showEditor(kind, props, 1000),
            [editor.kind, editor.props]
          );
          await page.locator('#editor').waitFor();
          // The editors ask the (harness) datasource for cameras and sidecar info: let those answers land.
          await settle(page);
          const what = `${editor.file}-${theme}`;
          const findings = await checkLayout(page, { rootSelector: '#editor' });
          assertClean(findings, what, { contrast: false });
          await shot(page.locator('#editor'), what);
        }
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }
});

describe('screenshot suite: six cameras in the config editor', () => {
  for (const theme of THEMES) {
    it(`${theme} theme: folded they fit one screen; an open form takes two columns when wide, one when narrow`, async (t) => {
      const { page, errors } = await harness.openPanel({
        plugin: 'datasource',
        theme,
        cameras: JSON.stringify(cameraList(6)),
      });
      try {
        const { props } = EDITORS.find((e) => e.file === 'config-editor');
        await page.setViewportSize({ width: 1140, height: 900 });
        await page.evaluate((p) => window.tapoHarness.showEditor('config', p, 1100), props);
        await page.locator('[data-testid="camera-row-5"]').waitFor();
        await settle(page);
        const folded = await editorHeight(page);
        t.diagnostic(`${theme}: 6 cameras folded at 1100 px: ${folded} px high`);
        assert.ok(folded <= ONE_SCREEN, `6 folded cameras take ${folded} px, more than one screen (${ONE_SCREEN} px)`);

        // One camera open at 1100 px: fields side by side, and a page that stays short.
        await page.getByRole('button', { name: 'Edit camera 1', exact: true }).click();
        await page.locator('[data-testid="camera-0"]').waitFor();
        await settle(page);
        const wide = await formColumns(page, 'camera-0');
        const open = await editorHeight(page);
        t.diagnostic(
          `${theme}: camera 1 open at 1100 px: ${open} px high, form ${wide.width}×${wide.height} px, ` +
            `${wide.inputs} inputs at ${wide.lefts} left edges, side by side: ${wide.sideBySide.join(', ')}`
        );
        assert.equal(wide.error, undefined, wide.error);
        assert.ok(wide.sideBySide.length > 0, `at 1100 px the form is one column of ${wide.inputs} inputs`);
        assert.deepEqual(wide.notLevel, [], `inputs side by side do not line up: ${wide.notLevel}`);
        assert.equal(wide.lefts, 2, `at 1100 px the inputs start at ${wide.lefts} left edges, not 2 columns`);
        assert.ok(open <= OPEN_MAX, `one open camera makes the page ${open} px high (at most ${OPEN_MAX})`);
        assertClean(await checkLayout(page, { rootSelector: '#editor' }), `config-editor-open-${theme}`, {
          contrast: false,
        });
        await shot(page.locator('#editor'), `config-editor-open-${theme}`);

        // Narrow (600 px): one column, nothing wider than its container.
        await page.setViewportSize({ width: 640, height: 900 });
        await page.evaluate((p) => window.tapoHarness.showEditor('config', p, 600), props);
        await settle(page);
        const narrow = await formColumns(page, 'camera-0');
        t.diagnostic(
          `${theme}: camera 1 open at 600 px: ${await editorHeight(page)} px high, form ${narrow.width}×${narrow.height} px, ` +
            `${narrow.inputs} inputs at ${narrow.lefts} left edges`
        );
        assert.equal(narrow.inputs, wide.inputs, 'the form kept its fields when narrowed');
        assert.deepEqual(narrow.sideBySide, [], `at 600 px fields stand side by side: ${narrow.sideBySide}`);
        assert.equal(narrow.lefts, 1, `at 600 px the inputs start at ${narrow.lefts} left edges`);
        assertClean(await checkLayout(page, { rootSelector: '#editor' }), `config-editor-open-narrow-${theme}`, {
          contrast: false,
        });
        await shot(page.locator('#editor'), `config-editor-open-narrow-${theme}`);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }
});

describe('screenshot suite: the checks themselves', () => {
  it('catch overlapping text, text leaving its tile, low contrast over a picture and a box wider than its container', async () => {
    const { page } = await harness.openPanel({});
    try {
      await page.setContent(`<div id="bad" style="width:300px;height:200px;position:relative;background:#fff">
        <div data-testid="camera-tile" style="position:relative;width:200px;height:150px;overflow:hidden">
          <img src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==" style="width:200px;height:150px;display:block">
          <div style="position:absolute;top:0;left:0"><span style="display:block;color:#777;background:rgba(0,0,0,0.2)">Front door</span></div>
          <div style="position:absolute;top:4px;left:20px;display:block;color:#000;background:#fff">Online</div>
          <div style="position:absolute;top:100px;left:150px;width:120px;display:block;color:#000;background:#fff">picture 2 s old</div>
        </div>
      </div>`);
      const f = await checkLayout(page, { rootSelector: '#bad', tileSelector: TILE, pictureSelector: 'img, video' });
      assert.equal(f.overlaps.length, 1, f.overlaps.join('\n'));
      assert.match(f.overlaps[0], /Front door.*overlaps.*Online/);
      assert.equal(f.outside.length, 1);
      assert.match(f.outside[0], /picture 2 s old/);
      assert.ok(
        f.lowContrast.some((l) => /Front door/.test(l)),
        f.lowContrast.join('\n')
      );
      assert.ok(!f.lowContrast.some((l) => /Online/.test(l)), 'black on an opaque white chip is fine');
      assert.ok(f.tooWide.some((l) => /picture 2 s old/.test(l)) === false, 'absolute but narrower than its tile');
      await page.setContent('<div id="wide" style="width:100px"><div style="width:150px">too wide</div></div>');
      const wide = await checkLayout(page, { rootSelector: '#wide' });
      assert.equal(wide.tooWide.length, 1);
      assert.match(wide.tooWide[0], /150 px wide/);
    } finally {
      await page.close();
    }
  });
});
