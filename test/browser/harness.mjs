/*
 * Browser harness for the built panel (dist/panel/module.js, nested in the app), and for the
 * datasource's editors (?plugin=datasource&editor=config|query): provides the AMD externals
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
/** ?plugin=app renders the app's page, ?plugin=datasource its editors; otherwise the nested panel. */
const MODE = ['app', 'datasource'].includes(params.get('plugin')) ? params.get('plugin') : 'panel';
const PLUGIN_URL =
  { app: `${APP_BASE}module.js`, datasource: `${APP_BASE}datasource/module.js` }[MODE] ?? `${APP_BASE}panel/module.js`;
/** Grafana's theme, light or dark (?theme=light); the panel and editors read it through ThemeContext. */
let theme = grafanaData.createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
/** Panel size, changeable from the test (setSize). */
const size = { width: Number(params.get('width') ?? 960), height: Number(params.get('height') ?? 540) };

function themed(child) {
  document.body.style.background = theme.colors.background.canvas;
  return React.createElement(grafanaUi.ThemeContext.Provider, { value: theme }, child);
}

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
 * Records requests; answers resources/me as the sidecar does for ?role= (controls for Editors and
 * Admins), the camera list so that PTZ controls can show, and Grafana's plugin
 * dashboards API from the built app's own plugin.json (its dashboard includes, none imported).
 */
const calls = [];
const cameraList = JSON.parse(params.get('cameras') ?? '[]');
let appDashboards = [];
const RESOURCE = /^\/api\/datasources\/uid\/[^/]+\/resources\/(.+)$/;
/**
 * A test that exposes tapoResourceBridge(url, method) answers the datasource's resource calls from
 * the real sidecar (CallResource), as Grafana does: `{ status, contentType, body }` (base64).
 */
function bridgedResource(req) {
  return rxjs.from(window.tapoResourceBridge(req.url, req.method ?? 'GET')).pipe(
    rxjs.map(({ status, contentType, body }) => {
      const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      const json = contentType.startsWith('application/json');
      const data = json ? JSON.parse(new TextDecoder().decode(bytes)) : new Blob([bytes], { type: contentType });
      if (status >= 400) {
        throw { status, statusText: String(status), data };
      }
      return { data, status, ok: true };
    })
  );
}
grafanaRuntime.setBackendSrv({
  fetch: (req) => {
    calls.push({ url: req.url, method: req.method, data: req.data ?? null });
    if (window.tapoResourceBridge && RESOURCE.test(req.url) && !req.url.endsWith('/resources/me')) {
      return bridgedResource(req);
    }
    let body = {};
    if (req.url.endsWith('/resources/me')) {
      const role = params.get('role') ?? 'Viewer';
      body = { role, controls: role === 'Admin' || role === 'Editor' };
    } else if (req.url.endsWith('/resources/cameras')) {
      body = cameraList;
    } else if (req.url.endsWith('/resources/info')) {
      body = { connection: 'managed', address: null, version: 'harness' };
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
  getInstanceSettingsSync: (ref) => dsSettings(typeof ref === 'string' ? ref : ref?.uid),
  reload: async () => undefined,
});
// Variables for the editors' camera pickers: none defined.
grafanaRuntime.setTemplateSrv({
  getVariables: () => [],
  replace: (s) => s ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => undefined,
});

/**
 * Grafana Live for the panel's own subscriptions (video tiles watch their channels themselves):
 * every message pushed for an address reaches each subscriber of it, in order.
 */
const live = { subjects: new Map(), subscribers: new Map() };
const liveSubject = (key) => {
  if (!live.subjects.has(key)) {
    live.subjects.set(key, new rxjs.Subject());
  }
  return live.subjects.get(key);
};
grafanaRuntime.setGrafanaLiveSrv({
  getStream(addr) {
    const key = `${addr.scope}/${addr.namespace}/${addr.path}`;
    return new rxjs.Observable((observer) => {
      live.subscribers.set(key, (live.subscribers.get(key) ?? 0) + 1);
      const sub = liveSubject(key).subscribe((message) => observer.next({ type: 'message', message }));
      // A test that exposes tapoLiveBridge opens the channel on the sidecar as Grafana would.
      window.tapoLiveBridge?.('subscribe', key);
      return () => {
        live.subscribers.set(key, live.subscribers.get(key) - 1);
        sub.unsubscribe();
        window.tapoLiveBridge?.('unsubscribe', key);
      };
    });
  },
});

/** Decode time (ms) of an fMP4 fragment, from its tfdt box. */
function fragmentTimeMs(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 16 <= bytes.length; i++) {
    if (bytes[i] === 0x74 && bytes[i + 1] === 0x66 && bytes[i + 2] === 0x64 && bytes[i + 3] === 0x74) {
      const version = bytes[i + 4];
      const t = version === 1 ? Number(view.getBigUint64(i + 8)) : view.getUint32(i + 8);
      return Math.round((t / 90000) * 1000);
    }
  }
  return null;
}

/** Per video address: when each picture's packet arrived, and what the <video> showed when. */
const video = { names: new Map(), arrivals: new Map(), shown: new Map(), watched: new WeakSet() };

function watchVideoFrames(cameraId) {
  const el = document.querySelector(`[data-camera="${cameraId}"] video`);
  if (!el || video.watched.has(el) || !el.requestVideoFrameCallback) {
    return;
  }
  video.watched.add(el);
  const stats = { frames: 0, latencies: [], first: null, last: null };
  video.shown.set(cameraId, stats);
  const onFrame = (_now, meta) => {
    stats.frames++;
    stats.first ??= meta.expectedDisplayTime;
    stats.last = meta.expectedDisplayTime;
    const arrived = video.arrivals.get(cameraId)?.get(Math.round(meta.mediaTime * 1000));
    if (arrived !== undefined) {
      stats.latencies.push(meta.expectedDisplayTime - arrived);
    }
    el.requestVideoFrameCallback(onFrame);
  };
  el.requestVideoFrameCallback(onFrame);
}

const state = {
  /** channel → DataFrame: a length-1 replace buffer per stream. */
  frames: new Map(),
  schemas: new Map(),
  options: {},
  renders: 0,
  /** The query request Grafana passes with the data (its targets name each query's datasource). */
  request: undefined,
};

let root;
let Panel;

function render() {
  const series = Array.from(state.frames.values());
  const timeRange = grafanaData.getDefaultTimeRange();
  const props = {
    id: 1,
    data: { series, state: grafanaData.LoadingState.Streaming, timeRange, request: state.request },
    options: state.options,
    width: size.width,
    height: size.height,
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
    themed(
      React.createElement(
        'div',
        {
          id: 'panel',
          style: { width: props.width, height: props.height, background: theme.colors.background.primary },
        },
        React.createElement(Panel, props)
      )
    )
  );
}

/** The datasource's config or query editor, holding its options as Grafana's pages do. */
let editorState;
function renderEditor() {
  const { kind, props } = editorState;
  const el =
    kind === 'config'
      ? React.createElement(DatasourcePlugin.components.ConfigEditor, {
          ...props,
          onOptionsChange: (options) => {
            editorState.props = { ...props, options };
            renderEditor();
          },
        })
      : React.createElement(DatasourcePlugin.components.QueryEditor, {
          ...props,
          datasource: new DatasourcePlugin.DataSourceClass(dsSettings('tapo-ds')),
          onChange: (query) => {
            editorState.props = { ...props, query };
            renderEditor();
          },
          onRunQuery: () => undefined,
        });
  root.render(
    themed(
      React.createElement(
        'div',
        {
          id: 'editor',
          style: {
            width: editorState.width,
            padding: 16,
            background: theme.colors.background.primary,
            color: theme.colors.text.primary,
            fontFamily: theme.typography.fontFamily,
            fontSize: theme.typography.fontSize,
          },
        },
        el
      )
    )
  );
}
let DatasourcePlugin;

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
  /** A Live message for the panel's own subscriptions (`ds/<uid>/<path>`), as Grafana Live delivers it. */
  pushLive(address, json) {
    const cameraId = /camera\/([^/]+)\/video\//.exec(address)?.[1];
    if (cameraId) {
      const names = json.schema?.fields?.map((f) => f.name) ?? video.names.get(address);
      video.names.set(address, names);
      const cols = json.data?.values ?? [];
      const kind = cols[names.indexOf('kind')] ?? [];
      const data = cols[names.indexOf('data')] ?? [];
      const now = performance.now();
      kind.forEach((k, i) => {
        if (k === 'fragment') {
          const bin = atob(data[i]);
          const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
          const t = fragmentTimeMs(bytes);
          if (!video.arrivals.has(cameraId)) {
            video.arrivals.set(cameraId, new Map());
          }
          video.arrivals.get(cameraId).set(t, now);
        }
      });
      watchVideoFrames(cameraId);
    }
    liveSubject(address).next(json);
  },
  /** How many of the panel's subscriptions an address has. */
  liveSubscribers(address) {
    return live.subscribers.get(address) ?? 0;
  },
  /** A video query's answer (one row per camera with its channels), as the datasource returns it. */
  setVideoTiles(rows) {
    const col = (name) => rows.map((r) => r[name] ?? null);
    const names = ['camera_id', 'camera_name', 'status', 'stream', 'video_channel', 'frames_channel', 'error'];
    state.frames.set(
      'video-query',
      grafanaData.toDataFrame({
        refId: 'A',
        fields: names.map((name) => ({ name, type: grafanaData.FieldType.string, values: col(name) })),
      })
    );
    render();
  },
  /** What each video tile decoded and showed: the element's own counters and per-frame callbacks. */
  videoStats() {
    return Array.from(document.querySelectorAll('[data-camera]')).map((tile) => {
      const cameraId = tile.getAttribute('data-camera');
      watchVideoFrames(cameraId);
      const el = tile.querySelector('video');
      const q = el?.getVideoPlaybackQuality?.();
      const shown = video.shown.get(cameraId);
      return {
        cameraId,
        mode: tile.getAttribute('data-mode'),
        reason: tile.querySelector('[data-testid="mode-reason"]')?.textContent ?? null,
        problem: tile.querySelector('[data-testid="video-problem"]')?.textContent ?? null,
        stalled: tile.getAttribute('data-stalled') === 'true',
        offline: tile.getAttribute('data-offline') === 'true',
        message: tile.querySelector('[data-testid="tile-message"]')?.textContent ?? null,
        status: tile.querySelector('[data-testid="tile-status"]')?.textContent ?? null,
        age: tile.querySelector('[data-testid="frame-age"]')?.textContent ?? null,
        motion: tile.querySelector('[data-testid="motion-badge"]') !== null,
        opacity: el ? getComputedStyle(el).opacity : null,
        decoded: q?.totalVideoFrames ?? 0,
        dropped: q?.droppedVideoFrames ?? 0,
        videoWidth: el?.videoWidth ?? 0,
        videoHeight: el?.videoHeight ?? 0,
        currentTime: el?.currentTime ?? 0,
        error: el?.error ? `${el.error.code}: ${el.error.message}` : null,
        shownFrames: shown?.frames ?? 0,
        shownSpanMs: shown && shown.last !== null ? shown.last - shown.first : 0,
        latencies: shown?.latencies ?? [],
      };
    });
  },
  canPlay(mime) {
    return typeof MediaSource === 'function' && MediaSource.isTypeSupported(mime);
  },
  /** The request's targets ({ refId, datasource: { type, uid } }), as Grafana passes them with the data. */
  setRequest(targets) {
    state.request = { targets };
    render();
  },
  setOptions(options) {
    state.options = { ...state.options, ...options };
    render();
  },
  /** Panel size in px, as Grafana gives it. */
  setSize(width, height) {
    size.width = width;
    size.height = height;
    render();
  },
  /** Grafana's light or dark theme. */
  setTheme(mode) {
    theme = grafanaData.createTheme({ colors: { mode } });
    if (editorState) {
      renderEditor();
    } else {
      render();
    }
  },
  /** Drops every frame (a fresh panel). */
  clearFrames() {
    state.frames.clear();
    state.schemas.clear();
    render();
  },
  /** Renders the datasource's 'config' editor (props.options) or 'query' editor (props.query). */
  showEditor(kind, props, width = 1000) {
    editorState = { kind, props, width };
    renderEditor();
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

const loadDatasource = () =>
  loadAmdPlugin(PLUGIN_URL).then((exports) => {
    DatasourcePlugin = exports.plugin;
    if (!DatasourcePlugin?.components?.ConfigEditor || !DatasourcePlugin?.components?.QueryEditor) {
      throw new Error('datasource module.js has no config or query editor');
    }
    root = createRoot(document.getElementById('root'));
    window.tapoHarness.ready = true;
  });

(MODE === 'app'
  ? loadApp()
  : MODE === 'datasource'
    ? loadDatasource()
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
