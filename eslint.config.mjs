import { defineConfig } from 'eslint/config';
import baseConfig from './.config/eslint.config.mjs';
import tsParser from '@typescript-eslint/parser';
import tsPlugin from '@typescript-eslint/eslint-plugin';

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
  {
    // node:test's test() returns a promise the runner awaits; benchmarks print by design.
    files: ['sidecar/test/**/*.ts', 'sidecar/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off', 'no-console': 'off' },
  },
]);
