/**
 * Runs in both test projects (vitest.config.ts): on the backend the project forces, and across
 * native TensorFlow and WebAssembly where both load here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec, smallCnnSpec, type ModelSpec } from '../shared/spec';
import { activateBackend, initBackend, type BackendName } from './backend';
import { loadDataset, type Dataset } from './dataset';
import { buildModel } from './model';
import { predict } from './predict';
import { SavedModels } from './saved-models';
import { evaluate } from './evaluate';
import { train } from './train';

let mnist: Dataset;
let home: string;
let startedOn: BackendName;
beforeAll(async () => {
  startedOn = (await initBackend()).name;
  mnist = await loadDataset();
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-backends-'));
});
afterAll(() => (home ? rm(home, { recursive: true, force: true }) : undefined));

const firstTest = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const testImages = (n: number) =>
  Array.from({ length: n }, (_, row) =>
    Array.from(mnist.test.images.subarray(row * 784, (row + 1) * 784), (pixel) => pixel / 255),
  );

describe('the engine on its backend', () => {
  it('runs on the backend MNIST_STUDIO_BACKEND names', () => {
    const forced = process.env.MNIST_STUDIO_BACKEND;
    if (forced) expect(startedOn).toBe(forced);
    expect(tf.getBackend()).toBe(startedOn);
  });

  it('trains the Small CNN preset (conv, pooling, dense) past 50% on 500 test images', async () => {
    const spec = smallCnnSpec();
    const model = buildModel(spec, 5);
    const settings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 1, validationSplit: 0, seed: 5, trainLimit: 960 };
    const result = await train(model, spec, mnist.train, settings);
    expect(result.status).toBe('completed');
    expect(result.history[0].loss).toBeLessThan(2.3);
    expect(evaluate(model, spec, mnist.test, firstTest(500)).acc).toBeGreaterThan(0.5);
    model.dispose();
  });
});

/** Native TensorFlow is what may be missing; MNIST_STUDIO_REQUIRE_NATIVE=1 turns that into a failure. */
async function bothBackends(): Promise<string | undefined> {
  try {
    await activateBackend('tensorflow');
    await activateBackend('wasm');
    return undefined;
  } catch (error) {
    if (process.env.MNIST_STUDIO_REQUIRE_NATIVE === '1') throw error;
    return error instanceof Error ? error.message : String(error);
  } finally {
    await activateBackend(startedOn);
  }
}

describe('across native TensorFlow and WebAssembly', () => {
  async function saveOnLoadOn(spec: ModelSpec, from: BackendName, to: BackendName) {
    const savedModels = new SavedModels(path.join(home, `${from}-${to}`));
    await activateBackend(from);
    const model = buildModel(spec, 21);
    const images = testImages(8);
    const before = predict(model, spec, images);
    const saved = await savedModels.save(model, {
      name: `saved on ${from}`,
      spec,
      settings: KERAS_EXAMPLE_SETTINGS,
      params: model.countParams(),
      dataset: { id: 'MNIST:test', name: 'MNIST' },
      backend: from,
      history: [],
    });
    model.dispose();
    await activateBackend(to);
    const { model: loaded } = await savedModels.load(saved.id);
    expect(tf.getBackend()).toBe(to);
    const after = predict(loaded, spec, images);
    loaded.dispose();
    await activateBackend(startedOn);
    return { before, after };
  }

  it('loads a model saved on the other backend with the same predictions (both ways, dense and conv)', async (context) => {
    const missing = await bothBackends();
    if (missing) {
      console.log(`Skipped: native TensorFlow does not load here (${missing}).`);
      context.skip();
    }
    for (const spec of [kerasExampleSpec(32), smallCnnSpec()]) {
      for (const [from, to] of [
        ['wasm', 'tensorflow'],
        ['tensorflow', 'wasm'],
      ] as const) {
        const { before, after } = await saveOnLoadOn(spec, from, to);
        expect(after).toHaveLength(8);
        after.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(before[i][j], 5)));
      }
    }
  });
});
