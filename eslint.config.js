// Imports per folder (README, "Layout"): each folder is one runtime, and the folders each may
// import from are listed below — anything not listed is refused (eslint-plugin-boundaries).
// Packages that must never load in a runtime are refused on top (no-restricted-imports).
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

/** folder -> [runtime, the folders it may import from (besides itself)] */
const LAYERS = {
  shared: ['src-main/shared', []],
  engine: ['src-main/engine', ['shared']],
  supervisor: ['src-main/supervisor', ['shared']],
  host: ['src-main/host', ['supervisor', 'shared']],
  app: ['src-main/app', ['supervisor', 'shared']],
  preload: ['src-main/preload', ['shared']],
  launcher: ['src-main/launcher', ['host', 'shared']],
  cli: ['src-main/cli', ['engine', 'shared']],
  renderer: ['src-renderer', ['shared']],
  e2e: ['e2e', ['launcher', 'cli', 'engine', 'shared']],
  scripts: ['scripts', ['engine', 'shared']],
};

const restrict = (patterns) => ['error', { patterns }];
const group = (names, message) => ({ group: names, message });
const NODE_ONLY = ['node:*', 'ws', 'sirv', 'commander', 'cli-progress'];

export default ts.config(
  {
    ignores: [
      'out/',
      'dist/',
      'node_modules/',
      'scratch/',
      'test-results/',
      'playwright-report/',
      'src-main/engine/accel/native/build/',
      '.venv-peers/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    files: Object.values(LAYERS).map(([folder]) => `${folder}/**/*.{ts,js,mjs,svelte}`),
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { alwaysTryTypes: true }, node: true },
      'boundaries/elements': Object.entries(LAYERS).map(([type, [pattern]]) => ({
        type,
        pattern: `${pattern}/**`,
        partialMatch: false,
      })),
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            { allow: { to: { module: { origin: ['external', 'core'] } } } },
            ...Object.entries(LAYERS).map(([type, [, allowed]]) => ({
              from: { element: { type } },
              allow: { to: { element: { types: { anyOf: [type, ...allowed] } } } },
            })),
          ],
        },
      ],
      'boundaries/no-unknown-files': 'error',
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['electron', '@tensorflow/*', ...NODE_ONLY],
          'The renderer is sandboxed web code: no Node, Electron or tfjs.',
        ),
      ]),
    },
  },
  {
    files: ['src-main/shared/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['electron', '@tensorflow/*', 'svelte', ...NODE_ONLY],
          'The shared contract runs in every process: keep it free of Node, Electron, tfjs and UI.',
        ),
      ]),
    },
  },
  {
    files: [
      'src-main/engine/**',
      'src-main/supervisor/**',
      'src-main/host/**',
      'src-main/cli/**',
      'src-main/launcher/**',
    ],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['electron', 'svelte', 'svelte/*'],
          'Only Electron main (app/) and the preload import Electron; UI code stays in the renderer.',
        ),
      ]),
    },
  },
  {
    files: ['src-main/engine/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['electron', 'svelte', 'svelte/*', 'ws', 'sirv', 'commander', 'cli-progress'],
          'The engine is a pure Node library: no Electron, UI, server or CLI packages.',
        ),
      ]),
    },
  },
  {
    files: ['src-main/preload/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['@tensorflow/*', 'svelte', ...NODE_ONLY, 'zod'],
          'A sandboxed preload imports nothing at run time but electron.',
        ),
      ]),
    },
  },
);
