// One-way imports (DESIGN.md, "Processes"): the engine never imports Electron, host or UI code;
// shared code imports nothing process-specific; the renderer never imports engine, host or main code.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
const group = (names, message) => ({ group: names, message });

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
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['**/engine', '**/engine/**', '**/host/**', '**/app/**', '**/src-main/index', '**/preload'],
          'The renderer talks to the engine only through api.ts and the shared contract.',
        ),
        group(
          ['electron', '@tensorflow/*', 'node:*', 'ws'],
          'The renderer is sandboxed web code: no Node, Electron or tfjs.',
        ),
      ]),
    },
  },
  {
    files: ['src-main/engine/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(['electron'], 'The engine is pure Node: it never imports Electron.'),
        group(
          ['**/src-renderer/**', 'svelte', 'svelte/*', '**/app/**', '**/host/**', '**/index', '**/preload'],
          'The engine never imports UI, main or host code.',
        ),
      ]),
    },
  },
  {
    files: ['src-main/shared/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['electron', '@tensorflow/*', 'node:*', 'ws', 'svelte'],
          'The shared contract runs in every process: keep it free of Node, Electron, tfjs and UI.',
        ),
        group(
          ['**/engine/**', '**/host/**', '**/app/**', '**/src-renderer/**'],
          'Shared code imports only shared code.',
        ),
      ]),
    },
  },
  {
    files: ['src-main/host/**', 'src-main/cli/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(['electron'], 'The browser host and the CLI run without Electron.'),
        group(['**/src-renderer/**'], 'Hosts never import UI code.'),
      ]),
    },
  },
);
