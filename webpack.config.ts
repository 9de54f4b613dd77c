/*
 * Extends the create-plugin webpack configuration (.config/webpack/webpack.config.ts) for what is
 * ours, as plugin-tools' "extend the webpack config" guide says, so `create-plugin update` keeps
 * reaching the build. The scaffold already bundles the nested plugins (src/datasource/,
 * src/panel/ → dist/datasource/module.js, dist/panel/module.js) and copies every plugin.json and
 * the dashboards (src/dashboards/*.json). What it does not do, and this file adds:
 * - copy the nested plugins' logos, screenshots and READMEs (it copies only the app's);
 * - keep the Node sidecar and its launchers (written into dist/datasource/ by
 *   scripts/build-sidecar.mjs) when webpack cleans dist/ in watch mode;
 * - replace %REPOSITORY% (package.json `repository.url`) in plugin.json and README links, so the
 *   catalog's links are absolute and set in one place;
 * - name the persistent cache after this checkout (see cacheName).
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import ReplaceInFileWebpackPlugin from 'replace-in-file-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';
import { DIST_DIR, SOURCE_DIR } from './.config/bundler/constants.ts';
import { getPackageJson } from './.config/bundler/utils.ts';

interface NestedPlugin {
  /** Folder under src/ (and under dist/): "datasource", "panel". */
  folder: string;
  assets: string[];
}

/** Nested plugins: src/<folder>/plugin.json beside a module.ts, as the scaffold's getEntries() finds them. */
export function nestedPlugins(srcDir = path.resolve(process.cwd(), SOURCE_DIR)): NestedPlugin[] {
  return fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(srcDir, d.name, 'plugin.json')))
    .map((d) => {
      const dir = path.join(srcDir, d.name);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'plugin.json'), 'utf8'));
      const assets = new Set<string>([json.info?.logos?.small, json.info?.logos?.large].filter(Boolean));
      for (const shot of json.info?.screenshots ?? []) {
        assets.add(shot.path);
      }
      if (fs.existsSync(path.join(dir, 'README.md'))) {
        assets.add('README.md');
      }
      return { folder: d.name, assets: [...assets] };
    });
}

/** Files the sidecar build writes into dist/datasource/ after webpack ran: kept by `output.clean`. */
export const KEEP_IN_DIST = /(^|\/)(gpx_[^/]*_(amd64|arm64?)(\.exe)?|go_plugin_build_manifest|sidecar(\/.*)?)$/;

function repositoryUrl(): string {
  const repo = getPackageJson().repository;
  const url = typeof repo === 'string' ? repo : repo?.url;
  if (!url) {
    throw new Error('package.json has no repository.url: plugin.json links and the README need it');
  }
  return String(url)
    .replace(/^git\+/, '')
    .replace(/\.git$/, '');
}

/**
 * The scaffold's filesystem cache lives in node_modules/.cache/webpack, and copy-webpack-plugin keys
 * its entries by paths relative to src/ while their snapshots point at absolute files. A
 * node_modules copied from another checkout (a worktree, a CI cache) then serves that checkout's
 * copies as valid: seen as another tree's nested plugin.json in dist/. A name per checkout path
 * keeps each checkout's cache its own.
 */
export function cacheName(mode: 'production' | 'development', dir = process.cwd()): string {
  return `default-${mode}-${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 12)}`;
}

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  const nested = nestedPlugins();
  const merged = merge(base, {
    plugins: [
      new CopyWebpackPlugin({
        patterns: nested.flatMap((p) =>
          p.assets.map((asset) => ({ from: `${p.folder}/${asset}`, to: `${p.folder}/${asset}`, force: true }))
        ),
      }),
      new ReplaceInFileWebpackPlugin([
        {
          dir: DIST_DIR,
          test: [/(^|\/)plugin\.json$/, /(^|\/)README\.md$/],
          rules: [{ search: /%REPOSITORY%/g, replace: repositoryUrl() }],
        },
      ]),
    ],
  });
  // Set, not merged: webpack-merge would keep the scaffold's RegExp.
  merged.output = { ...merged.output, clean: { keep: KEEP_IN_DIST } };
  if (merged.cache && typeof merged.cache === 'object' && merged.cache.type === 'filesystem') {
    merged.cache = { ...merged.cache, name: cacheName(env.production ? 'production' : 'development') };
  }
  return merged;
};

export default config;
