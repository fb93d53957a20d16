/**
 * Auto mode with native TensorFlow and WebAssembly both loaded (vitest.config.ts runs this file
 * in its "auto" project only, where native TensorFlow loads or MNIST_STUDIO_REQUIRE_NATIVE=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, TrainBackend } from '../shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec, smallCnnSpec, type ModelSpec } from '../shared/spec';
import { initBackend, wasmAccelerationMode } from './backend';
import { chooseTrainingBackend } from './backend-choice';
import { Engine } from './engine';

let home: string;
let engine: Engine;
const begins: TrainBackend[] = [];
const quick = { ...KERAS_EXAMPLE_SETTINGS, epochs: 1, trainLimit: 640 };
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-auto-'));
  engine = new Engine(home);
  engine.onEvent((event: EngineEvent) => {
    if (event.kind === 'train.begin' && event.backend) begins.push(event.backend);
  });
});
afterAll(async () => {
  engine?.dispose();
  if (home) await rm(home, { recursive: true, force: true });
});

const expected = (spec: ModelSpec) => {
  const choice = chooseTrainingBackend({
    spec,
    requested: 'auto',
    available: ['tensorflow', 'wasm'],
    wasmAcceleration: wasmAccelerationMode(),
  });
  if ('error' in choice) throw new Error(choice.error);
  return choice.name;
};

/** The backend holding a model's weights keeps them when the model predicts or evaluates. */
function dataIdsOn(name: string): number {
  return (tf.engine().findBackend(name) as tf.KernelBackend).numDataIds();
}

describe('auto: each training on the faster backend for its model', () => {
  it('keeps native TensorFlow and WebAssembly both', async () => {
    const info = await initBackend();
    expect(info.available).toEqual(['tensorflow', 'wasm']);
    expect(info.name).toBe(expected(kerasExampleSpec()));
  });

  it('trains a dense model and a conv net each where the bench measured it faster, and says so', async () => {
    for (const spec of [kerasExampleSpec(64), smallCnnSpec()]) {
      const result = await engine.handle('model.fit', { spec, settings: quick });
      expect(result.backend?.name).toBe(expected(spec));
      expect(result.backend?.reason).toMatch(/^Auto: .*npm run bench/);
      expect(begins.at(-1)).toEqual(result.backend);
    }
  });

  it('predicts and evaluates on the backend the model lives on, whatever the global one is', async () => {
    const spec = smallCnnSpec();
    const result = await engine.handle('model.fit', { spec, settings: { ...quick, backend: 'wasm' } });
    expect(result.backend).toEqual({ name: 'wasm', reason: 'Chosen in the training settings.' });
    await tf.setBackend('tensorflow');
    const before = dataIdsOn('wasm');
    const { probabilities } = await engine.handle('model.predict', { images: [new Array(784).fill(0.5)] });
    expect(probabilities[0].reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    const evaluation = await engine.handle('model.evaluate', {});
    expect(evaluation.count).toBe(10_000);
    expect(dataIdsOn('wasm')).toBe(before);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('refuses a backend name the settings schema does not know, in a sentence', async () => {
    await expect(
      engine.handle('model.fit', { spec: kerasExampleSpec(8), settings: { ...quick, backend: 'cuda' } }),
    ).rejects.toThrow(/backend/);
  });
});
