/*
 * Two plugins from one repository: every folder src/<name>/ holding a plugin.json and a module.ts
 * becomes its own webpack configuration writing dist/<plugin id>/. The scaffold's
 * .config/webpack/webpack.config.ts assumes a single src/plugin.json, so it is not imported; its
 * externals, version helpers and build-mode plugin are, and its rules are mirrored here.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import ESLintPlugin from 'eslint-webpack-plugin';
import ForkTsCheckerWebpackPlugin from 'fork-ts-checker-webpack-plugin';
import fs from 'fs';
import path from 'path';
import ReplaceInFileWebpackPlugin from 'replace-in-file-webpack-plugin';
import TerserPlugin from 'terser-webpack-plugin';
import webpack, { type Configuration } from 'webpack';
import { SubresourceIntegrityPlugin } from 'webpack-subresource-integrity';
import VirtualModulesPlugin from 'webpack-virtual-modules';

import { BuildModeWebpackPlugin } from './.config/webpack/BuildModeWebpackPlugin.ts';
import { DIST_DIR, SOURCE_DIR } from './.config/bundler/constants.ts';
import { externals } from './.config/bundler/externals.ts';
import { getCPConfigVersion, getPackageJson } from './.config/bundler/utils.ts';

type Env = { [key: string]: true | string | Env };

interface PluginFolder {
  /** Absolute path of src/<name>. */
  dir: string;
  id: string;
  logos: string[];
}

const ROOT = process.cwd();

/** Files the sidecar build (npm run build:sidecar) writes into dist/<datasource id>/ after webpack. */
const KEEP_IN_DIST = /(^|\/)(gpx_[^/]*_(amd64|arm64?)(\.exe)?|go_plugin_build_manifest|sidecar(\/.*)?)$/;

function findPluginFolders(): PluginFolder[] {
  const srcDir = path.join(ROOT, SOURCE_DIR);
  return fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(srcDir, d.name))
    .filter((dir) => fs.existsSync(path.join(dir, 'plugin.json')) && fs.existsSync(path.join(dir, 'module.ts')))
    .map((dir) => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'plugin.json'), 'utf8'));
      const logos = Array.from(new Set<string>([json.info?.logos?.large, json.info?.logos?.small])).filter(Boolean);
      return { dir, id: json.id as string, logos };
    });
}

function pluginConfig(plugin: PluginFolder, env: Env): Configuration {
  const production = Boolean(env.production);
  const pluginVersion = getPackageJson().version;
  const cpVersion = getCPConfigVersion();
  const outDir = path.resolve(ROOT, DIST_DIR, plugin.id);
  const readme = fs.existsSync(path.join(plugin.dir, 'README.md')) ? 'README.md' : '../../README.md';

  return {
    name: plugin.id,
    cache: {
      type: 'filesystem',
      name: `${plugin.id}-${production ? 'production' : 'development'}`,
      buildDependencies: { config: [path.join(ROOT, 'webpack.config.ts')] },
    },
    context: plugin.dir,
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: { module: './module.ts' },
    externals,
    mode: production ? 'production' : 'development',
    module: {
      rules: [
        // Must come first, or source maps break (as in the scaffold).
        {
          test: /src\/(?:.*\/)?module\.tsx?$/,
          use: [{ loader: 'imports-loader', options: { imports: 'side-effects grafana-public-path' } }],
        },
        {
          exclude: /(node_modules)/,
          test: /\.[tj]sx?$/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                baseUrl: path.resolve(ROOT, SOURCE_DIR),
                target: 'es2015',
                loose: false,
                parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
              },
            },
          },
        },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        {
          test: /\.(png|jpe?g|gif|svg)$/,
          type: 'asset/resource',
          generator: { filename: production ? '[hash][ext]' : '[file]' },
        },
      ],
    },
    optimization: {
      minimize: production,
      minimizer: [
        new TerserPlugin({
          terserOptions: {
            format: {
              comments: (_, { type, value }) => type === 'comment2' && value.trim().startsWith('[create-plugin]'),
            },
            compress: { drop_console: ['log', 'info'] },
          },
        }),
      ],
    },
    output: {
      clean: { keep: KEEP_IN_DIST },
      filename: '[name].js',
      chunkFilename: production ? '[name].js?_cache=[contenthash]' : '[name].js',
      library: { type: 'amd' },
      path: outDir,
      publicPath: `public/plugins/${plugin.id}/`,
      uniqueName: plugin.id,
      crossOriginLoading: 'anonymous',
    },
    plugins: [
      new BuildModeWebpackPlugin(),
      // Resolved relative to the context, so each plugin gets its own public path module.
      new VirtualModulesPlugin({
        'node_modules/grafana-public-path.js': `
import amdMetaModule from 'amd-module';

__webpack_public_path__ =
  amdMetaModule && amdMetaModule.uri
    ? amdMetaModule.uri.slice(0, amdMetaModule.uri.lastIndexOf('/') + 1)
    : 'public/plugins/${plugin.id}/';
`,
      }),
      new webpack.BannerPlugin({
        banner: `/* [create-plugin] version: ${cpVersion} */
          /* [create-plugin] plugin: ${plugin.id}@${pluginVersion} */`,
        raw: true,
        entryOnly: true,
      }),
      new CopyWebpackPlugin({
        patterns: [
          { from: readme, to: 'README.md', force: true },
          { from: 'plugin.json', to: '.' },
          { from: '../../LICENSE', to: '.', noErrorOnMissing: true },
          { from: '../../CHANGELOG.md', to: '.', noErrorOnMissing: true },
          ...plugin.logos.map((logo) => ({ from: logo, to: logo })),
        ],
      }),
      new ReplaceInFileWebpackPlugin([
        {
          dir: outDir,
          test: [/(^|\/)plugin\.json$/, /(^|\/)README\.md$/],
          rules: [
            { search: /%VERSION%/g, replace: pluginVersion },
            { search: /%TODAY%/g, replace: new Date().toISOString().substring(0, 10) },
            { search: /%PLUGIN_ID%/g, replace: plugin.id },
          ],
        },
      ]),
      new SubresourceIntegrityPlugin({ hashFuncNames: ['sha256'] }),
      ...(env.development
        ? [
            new ForkTsCheckerWebpackPlugin({
              async: true,
              issue: { include: [{ file: '**/*.{ts,tsx}' }] },
              typescript: { configFile: path.join(ROOT, 'tsconfig.json') },
            }),
            new ESLintPlugin({ extensions: ['.ts', '.tsx'], lintDirtyModulesOnly: true }),
          ]
        : []),
    ],
    resolve: {
      extensions: ['.js', '.jsx', '.ts', '.tsx'],
      modules: [path.resolve(ROOT, SOURCE_DIR), 'node_modules'],
      unsafeCache: true,
    },
  };
}

const config = async (env: Env): Promise<Configuration[]> => {
  const plugins = findPluginFolders();
  if (plugins.length === 0) {
    throw new Error(`no plugin folders (src/<name>/plugin.json + module.ts) under ${SOURCE_DIR}/`);
  }
  return plugins.map((plugin) => pluginConfig(plugin, env));
};

export default config;
