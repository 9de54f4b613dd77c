import { defineConfig } from 'eslint/config';
import baseConfig from './.config/eslint.config.mjs';
import tsParser from '@typescript-eslint/parser';
import tsPlugin from '@typescript-eslint/eslint-plugin';

/**
 * The sidecar's layers point down only (CONTRIBUTING.md, "Layers"). Each entry forbids a folder's
 * files to import the folders above it; `moment` stays forbidden as in Grafana's base config.
 */
const above = {
  app: ['**/app.ts', '**/app/**', '**/main.ts', '**/demo/**', '**/simulator/**'],
  adapters: ['**/datasource/**', '**/http/**'],
  fleet: ['**/fleet/**', '**/fleet/index.ts'],
};
/**
 * Sub-folders with a public face: tapo/hub/ and media/fmp4/ are entered only through their
 * index.ts from outside (inside, their modules import each other as `./x.ts`).
 */
const innerFaces = {
  group: [
    '**/tapo/hub/*',
    '!**/tapo/hub/index.ts',
    '**/media/fmp4/*',
    '!**/media/fmp4/index.ts',
    './hub/*',
    '!./hub/index.ts',
    './fmp4/*',
    '!./fmp4/index.ts',
    '../fmp4/*',
    '!../fmp4/index.ts',
  ],
  message: 'Enter tapo/hub/ and media/fmp4/ through their index.ts.',
};
const layer = (files, groups, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { paths: ['moment'], patterns: [{ group: groups, message }, innerFaces] }],
  },
});
/** fleet/ and http/ are entered only through their index.ts (their public face) from outside. */
const faces = ['**/fleet/*', '!**/fleet/index.ts', '**/http/*', '!**/http/index.ts'];
const layerRules = [
  layer(
    ['sidecar/src/{tapo,media,store,util,grafana,config,link}/**/*.ts', 'sidecar/src/*.ts'],
    [...above.app, ...above.adapters, ...above.fleet],
    'A lower layer (tapo, media, store, util, grafana, config, link, model) never imports fleet/, datasource/, http/, demo/, simulator/ or the app.'
  ),
  layer(
    ['sidecar/src/fleet/**/*.ts'],
    [...above.app, ...above.adapters],
    'fleet/ never imports datasource/, http/, demo/, simulator/ or the app.'
  ),
  layer(
    ['sidecar/src/{datasource,http}/**/*.ts'],
    above.app,
    'Only demo/, tests and benchmarks use the simulator; nothing imports the app.'
  ),
  {
    files: ['sidecar/src/demo/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['moment'],
          patterns: [
            { group: ['**/app.ts', '**/app/**', '**/main.ts'], message: 'Nothing imports the app.' },
            { group: faces, message: 'Enter fleet/ and http/ through their index.ts.' },
            innerFaces,
          ],
        },
      ],
    },
  },
];

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      '**/artifacts/',
      '**/work/',
      '**/ci/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
      // Not ours to lint: Python virtualenvs, Go harness, runtime data, build and test outputs.
      '**/.venv/',
      'test/conformance/',
      'sidecar/node_modules/',
      'sidecar/.data/',
      '.data/',
      'test/browser/output/',
      'test-output/',
    ],
  },
  ...baseConfig,
  {
    // The sidecar is Node TypeScript with its own tsconfig: lint it with type information too.
    files: ['sidecar/**/*.ts'],
    languageOptions: {
      parser: tsParser,
      parserOptions: { project: './sidecar/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tsPlugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/await-thenable': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  ...layerRules,
  {
    // The composition root wires every layer; only its demo/ may start the simulator.
    files: ['sidecar/src/app.ts', 'sidecar/src/main.ts', 'sidecar/src/options.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['moment'],
          patterns: [
            { group: ['**/simulator/**'], message: 'Only demo/ starts the simulator.' },
            { group: faces, message: 'Enter fleet/ and http/ through their index.ts.' },
            innerFaces,
          ],
        },
      ],
    },
  },
  {
    // The composition root's parts (app/): they wire the layers below, never the root or the simulator.
    files: ['sidecar/src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['moment'],
          patterns: [
            {
              group: ['**/app.ts', '**/main.ts', '**/simulator/**'],
              message: 'app/ never imports the root or the simulator (only demo/ starts it).',
            },
            { group: faces, message: 'Enter fleet/ and http/ through their index.ts.' },
            innerFaces,
          ],
        },
      ],
    },
  },
  {
    // node:test's test() returns a promise the runner awaits; benchmarks print by design.
    files: ['sidecar/test/**/*.ts', 'sidecar/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off', 'no-console': 'off' },
  },
]);
