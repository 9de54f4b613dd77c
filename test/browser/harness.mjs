/*
 * Browser harness for the built panel (dist/panel/module.js, nested in the app): provides the AMD externals
 * Grafana provides (react, @grafana/*, rxjs, @emotion/css), loads the module as Grafana does, and
 * renders its panel with data frames pushed in as Grafana Live frame JSON ({schema, data}), one
 * replace buffer per channel as the datasource's stream options ask for (maxLength 1).
 * Bundled by esbuild in panel.test.mjs; exposes window.tapoHarness.
 */
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as rxjs from 'rxjs';

const params = new URLSearchParams(window.location.search);
const APP_BASE = '/public/plugins/camwatch-tapo-app/';
/** ?plugin=app renders the app's page; otherwise the nested panel. */
const MODE = params.get('plugin') === 'app' ? 'app' : 'panel';
const PLUGIN_URL = MODE === 'app' ? `${APP_BASE}module.js` : `${APP_BASE}panel/module.js`;

const externals = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
  rxjs,
};

/** Just enough AMD for one webpack `library: amd` module. */
function loadAmdPlugin(url) {
  return new Promise((resolve, reject) => {
    window.define = (deps, factory) => {
      try {
        const args = deps.map((dep) => {
          if (dep === 'module') {
            return { uri: url };
          }
          if (!(dep in externals)) {
            throw new Error(`the panel asks for an external the harness does not provide: ${dep}`);
          }
          return externals[dep];
        });
        resolve(factory(...args));
      } catch (err) {
        reject(err);
      }
    };
    window.define.amd = true;
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}

/**
 * Records requests; answers the camera list so that PTZ controls can show, and Grafana's plugin
 * dashboards API from the built app's own plugin.json (its dashboard includes, none imported).
 */
const calls = [];
const cameraList = JSON.parse(params.get('cameras') ?? '[]');
let appDashboards = [];
grafanaRuntime.setBackendSrv({
  fetch: (req) => {
    calls.push({ url: req.url, method: req.method, data: req.data ?? null });
    let body = {};
    if (req.url.endsWith('/resources/cameras')) {
      body = cameraList;
    } else if (req.url === '/api/plugins/camwatch-tapo-app/dashboards') {
      body = appDashboards;
    } else if (req.url === '/api/dashboards/import') {
      const dash = appDashboards.find((d) => d.path === req.data?.path);
      body = dash ? { importedUrl: `/d/${dash.uid}` } : {};
    }
    return rxjs.of({ data: body, status: 200, ok: true });
  },
});
// Resource calls go through getDataSourceSrv().get(uid): Grafana's own DataSourceWithBackend,
// which sends them to the BackendSrv above with the URLs Grafana uses.
const dsSettings = (uid) => ({
  uid,
  name: uid,
  type: 'camwatch-tapo-datasource',
  meta: { id: 'camwatch-tapo-datasource' },
  jsonData: {},
  access: 'proxy',
});
const dsInstances = new Map();
grafanaRuntime.setDataSourceSrv({
  get: async (ref) => {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    if (!dsInstances.has(uid)) {
      dsInstances.set(uid, new grafanaRuntime.DataSourceWithBackend(dsSettings(uid)));
    }
    return dsInstances.get(uid);
  },
  getList: (filters) =>
    filters?.pluginId === 'camwatch-tapo-datasource' && params.get('datasources')
      ? params
          .get('datasources')
          .split(',')
          .map((uid) => ({ ...dsSettings(uid), name: `Tapo (${uid})` }))
      : [],
  getInstanceSettings: (ref) => dsSettings(typeof ref === 'string' ? ref : ref?.uid),
  reload: async () => undefined,
});
grafanaRuntime.config.bootData = {
  ...grafanaRuntime.config.bootData,
  user: {
    ...(grafanaRuntime.config.bootData?.user ?? {}),
    orgRole: params.get('role') ?? 'Viewer',
    isGrafanaAdmin: false,
  },
};

const state = {
  /** channel → DataFrame: a length-1 replace buffer per stream. */
  frames: new Map(),
  schemas: new Map(),
  options: {},
  renders: 0,
};

let root;
let Panel;

function render() {
  const series = Array.from(state.frames.values());
  const timeRange = grafanaData.getDefaultTimeRange();
  const props = {
    id: 1,
    data: { series, state: grafanaData.LoadingState.Streaming, timeRange },
    options: state.options,
    width: Number(params.get('width') ?? 960),
    height: Number(params.get('height') ?? 540),
    timeRange,
    timeZone: 'utc',
    title: 'Cameras',
    transparent: false,
    renderCounter: state.renders++,
    fieldConfig: { defaults: {}, overrides: [] },
    replaceVariables: (s) => s,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
    eventBus: new grafanaData.EventBusSrv(),
  };
  root.render(
    React.createElement(
      'div',
      { id: 'panel', style: { width: props.width, height: props.height } },
      React.createElement(Panel, props)
    )
  );
}

window.tapoHarness = {
  ready: false,
  error: null,
  calls,
  /** A packet as RunStream sends it: schema on the first packet of a channel, data only after. */
  pushFrameJSON(channel, json) {
    const schema = json.schema ?? state.schemas.get(channel);
    if (!schema) {
      throw new Error(`no schema yet for ${channel}`);
    }
    state.schemas.set(channel, schema);
    state.frames.set(channel, grafanaData.dataFrameFromJSON({ schema, data: json.data }));
    render();
  },
  setOptions(options) {
    state.options = { ...state.options, ...options };
    render();
  },
  /** A real JPEG from Chromium's encoder: a solid colour with a frame number. */
  async makeJpeg(color, label, width, height) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.font = `${Math.round(height / 6)}px sans-serif`;
    ctx.fillText(label, width / 20, height / 4);
    return canvas.toDataURL('image/jpeg', 0.8).slice('data:image/jpeg;base64,'.length);
  },
  /** Centre pixel of a tile's picture as drawn by the browser (object URLs are same-origin). */
  imagePixel(cameraId) {
    const img = document.querySelector(`[data-camera="${cameraId}"] img`);
    if (!img || !img.complete || img.naturalWidth === 0) {
      return null;
    }
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const [r, g, b] = ctx.getImageData(
      Math.floor(img.naturalWidth / 2),
      Math.floor((img.naturalHeight * 3) / 4),
      1,
      1
    ).data;
    return { r, g, b, width: img.naturalWidth, height: img.naturalHeight, src: img.src };
  },
  /**
   * The tile's picture as the page has it: its object URL, decoded size, on-screen size, the
   * SHA-256 of the bytes behind the URL (to match them to a packet's JPEG) and an FNV-1a hash of
   * the decoded pixels (to tell two drawn pictures apart). Null until the picture is decoded.
   */
  async imageInfo(cameraId) {
    const img = document.querySelector(`[data-camera="${cameraId}"] img`);
    if (!img || !img.complete || img.naturalWidth === 0) {
      return null;
    }
    const src = img.src;
    const bytes = await (await fetch(src)).arrayBuffer();
    const sha256 = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) =>
      b.toString(16).padStart(2, '0')
    ).join('');
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 0x811c9dc5;
    for (let i = 0; i < pixels.length; i++) {
      hash = Math.imul(hash ^ pixels[i], 0x01000193);
    }
    const rect = img.getBoundingClientRect();
    return {
      src,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      shownWidth: rect.width,
      shownHeight: rect.height,
      sha256,
      pixelHash: (hash >>> 0).toString(16),
    };
  },
  /** Whether an object URL still resolves (a revoked one does not). */
  urlLoads(url) {
    return fetch(url).then(
      () => true,
      () => false
    );
  },
};

async function loadApp() {
  const meta = await (await fetch(`${APP_BASE}plugin.json`)).json();
  appDashboards = await Promise.all(
    meta.includes
      .filter((i) => i.type === 'dashboard')
      .map(async (i) => {
        const d = await (await fetch(`${APP_BASE}${i.path}`)).json();
        return { title: d.title, uid: d.uid, path: i.path, imported: false, pluginId: meta.id };
      })
  );
  const exports = await loadAmdPlugin(PLUGIN_URL);
  const Root = exports.plugin.root;
  if (!Root) {
    throw new Error('module.js did not export an app plugin with a root page');
  }
  root = createRoot(document.getElementById('root'));
  root.render(
    React.createElement(
      'div',
      // Grafana's dark theme (the default of @grafana/ui's theme) on its page colours.
      {
        id: 'app',
        style: { width: 960, padding: 16, background: '#181b1f', color: '#ccccdc', fontFamily: 'Inter, sans-serif' },
      },
      React.createElement(Root, {
        meta: { ...meta, enabled: true, jsonData: {} },
        basename: '/a/camwatch-tapo-app',
        query: {},
        path: '/a/camwatch-tapo-app',
        onNavChanged: () => undefined,
      })
    )
  );
  window.tapoHarness.ready = true;
}

(MODE === 'app'
  ? loadApp()
  : loadAmdPlugin(PLUGIN_URL).then((exports) => {
      Panel = exports.plugin.panel;
      if (!Panel) {
        throw new Error('module.js did not export a panel plugin');
      }
      root = createRoot(document.getElementById('root'));
      render();
      window.tapoHarness.ready = true;
    })
).catch((err) => {
  window.tapoHarness.error = String(err?.stack ?? err);
});
