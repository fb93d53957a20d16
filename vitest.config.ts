import { spawnSync } from 'node:child_process';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/**
 * The engine's tests run on the WebAssembly engine ("main"), again on native TensorFlow
 * (@tensorflow/tfjs-node, `npm run setup:native`: "tensorflow"), and in auto mode, where the engine
 * keeps both and trains each model on the faster one ("auto"). The last two need native TensorFlow:
 * where it does not load they are left out with one printed reason; with
 * MNIST_STUDIO_REQUIRE_NATIVE=1 (CI) they run anyway, so every native test fails loudly instead.
 */
const NATIVE_ENGINE_TESTS = [
  'src-main/engine/train.test.ts',
  'src-main/engine/engine.test.ts',
  'src-main/engine/saved-models.test.ts',
  'src-main/engine/runs.test.ts',
  'src-main/engine/evaluate.test.ts',
  'src-main/engine/sweep.test.ts',
  'src-main/engine/model.test.ts',
  'src-main/engine/backends.test.ts',
  'src-main/engine/keras/keras-file.test.ts',
  'src-main/engine/keras/keras-peer.test.ts',
];
const AUTO_TESTS = ['src-main/engine/auto-backend.test.ts'];

function nativeTensorFlowProblem(): string | undefined {
  const probe = spawnSync(
    process.execPath,
    ['-e', "const tf = require('@tensorflow/tfjs-node'); if (tf.getBackend() !== 'tensorflow') process.exit(3);"],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (probe.status === 0) return undefined;
  const line = (probe.stderr ?? '').split('\n').find((text) => /Error/.test(text));
  return /Cannot find module '@tensorflow\/tfjs-node'/.test(line ?? '')
    ? '@tensorflow/tfjs-node is not installed (npm run setup:native)'
    : `@tensorflow/tfjs-node does not load: ${line?.trim() ?? `exit code ${probe.status}`}`;
}

const nativeRequired = process.env.MNIST_STUDIO_REQUIRE_NATIVE === '1';
const nativeProblem = nativeTensorFlowProblem();
if (nativeProblem) {
  console.log(
    nativeRequired
      ? `Native TensorFlow tests run and will fail (MNIST_STUDIO_REQUIRE_NATIVE=1): ${nativeProblem}.`
      : `Native TensorFlow tests skipped: ${nativeProblem}; MNIST_STUDIO_REQUIRE_NATIVE=1 makes this a failure.`,
  );
}
const nativeProjects =
  nativeProblem && !nativeRequired
    ? []
    : [
        {
          extends: true as const,
          test: { name: 'tensorflow', include: NATIVE_ENGINE_TESTS, env: { MNIST_STUDIO_BACKEND: 'tensorflow' } },
        },
        { extends: true as const, test: { name: 'auto', include: AUTO_TESTS, env: { MNIST_STUDIO_BACKEND: '' } } },
      ];

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['src-main/**/*.test.ts'],
          exclude: AUTO_TESTS,
          env: { MNIST_STUDIO_BACKEND: process.env.MNIST_STUDIO_BACKEND || 'wasm' },
        },
      },
      {
        // The renderer's feature state is written in runes (.svelte.ts). In Node, vitest would
        // compile them for the server, where effects never run: compile them as the browser gets
        // them, against svelte's client runtime.
        extends: true,
        plugins: [svelte({ dynamicCompileOptions: () => ({ generate: 'client' }) })],
        ssr: { resolve: { conditions: ['browser'], externalConditions: ['browser'] } },
        test: {
          name: 'renderer',
          include: ['src-renderer/**/*.test.ts'],
          server: { deps: { inline: ['svelte'] } },
        },
      },
      ...nativeProjects,
    ],
  },
});
