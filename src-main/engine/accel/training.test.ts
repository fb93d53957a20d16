/**
 * Training with the accelerations: the fused RMSprop update equals tfjs' own, training leaks no
 * tensors (numTensors equal at every epoch end), and the accelerated engine learns what the
 * stock one learns.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kerasExampleSpec, IMAGE_PIXELS } from '../../shared/spec';
import { accelerateWasm, initBackend } from '../backend';
import type { LabelledImages } from '../idx';
import { buildModel } from '../model';
import { addonSkipReason, TEST_ACCEL_CONFIG, testAddon } from '../testing/addon';
import { mulberry32, train } from '../train';
import type { AccelConfig } from './config';
import { rmspropUpdate } from './rmsprop';

const stockKernels: AccelConfig = { ...TEST_ACCEL_CONFIG, mode: 'none' };

/**
 * A small learnable set: each class lights up its own band of pixels, plus noise; with
 * `mostlyZero`, ~80% of the pixels are 0 as in MNIST (the zero-skipping products run).
 */
function syntheticImages(count: number, seed: number, mostlyZero = false): LabelledImages {
  const random = mulberry32(seed);
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < IMAGE_PIXELS; p++) {
      const inBand = Math.floor(p / 78.4) === label;
      const noise = mostlyZero && random() < 0.85 ? 0 : Math.floor(random() * 60);
      images[i * IMAGE_PIXELS + p] = inBand ? 150 + Math.floor(random() * 100) : noise;
    }
  }
  return { images, labels, count, rows: 28, cols: 28 };
}

async function weightsAfterTraining(set: LabelledImages, epochs: number, hiddenUnits = 32): Promise<Float32Array[]> {
  const spec = kerasExampleSpec(hiddenUnits);
  const model = buildModel(spec, 3);
  await train(model, spec, set, { epochs, batchSize: 32, validationSplit: 0, shuffle: true, seed: 5 });
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  model.optimizer.dispose();
  model.dispose();
  return weights;
}

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

describe.skipIf(addonSkipReason !== false)(
  `fused RMSprop update${addonSkipReason ? ` (${addonSkipReason})` : ''}`,
  () => {
    it('gives exactly the stock optimizer state and values', async () => {
      const random = mulberry32(11);
      const shape = [37, 29];
      const initial = Float32Array.from({ length: 37 * 29 }, () => random() - 0.5);
      const gradients = [0, 1, 2].map(() => Float32Array.from({ length: 37 * 29 }, () => (random() - 0.5) * 3));

      const runSteps = async (fused: boolean) => {
        accelerateWasm(fused ? TEST_ACCEL_CONFIG : stockKernels);
        const variable = tf.variable(tf.tensor(initial, shape), true, `rmsprop_test_${fused ? 'fused' : 'stock'}`);
        const optimizer = tf.train.rmsprop(0.01, 0.9, 0.2);
        const update = fused ? rmspropUpdate(testAddon(), optimizer, { inPlace: false }) : undefined;
        if (fused) expect(update).toBeDefined();
        for (const gradient of gradients) {
          const g = tf.tensor(gradient, shape);
          (update ?? ((grads: tf.NamedTensorMap) => optimizer.applyGradients(grads)))({ [variable.name]: g });
          g.dispose();
        }
        const state = await optimizer.getWeights();
        const result = {
          value: Float32Array.from(variable.dataSync() as Float32Array),
          names: state.map((entry) => entry.name.replace(/_(fused|stock)/, '')),
          state: state.map((entry) => Float32Array.from(entry.tensor.dataSync() as Float32Array)),
          iterations: optimizer.iterations,
        };
        optimizer.dispose();
        variable.dispose();
        return result;
      };

      const stock = await runSteps(false);
      const fused = await runSteps(true);
      expect(fused.names).toEqual(stock.names);
      expect(fused.iterations).toBe(stock.iterations);
      expect(Array.from(fused.value)).toEqual(Array.from(stock.value));
      fused.state.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(stock.state[i])));
    });

    it('updates in place only what nothing else shares, with the same values', () => {
      accelerateWasm(TEST_ACCEL_CONFIG);
      const random = mulberry32(12);
      const initial = Float32Array.from({ length: 300 }, () => random() - 0.5);
      const gradient = tf.tensor(Float32Array.from({ length: 300 }, () => random() - 0.5));
      const run = (inPlace: boolean, keepClone: boolean) => {
        const start = tf.tensor(initial);
        const variable = tf.variable(start, true, `in_place_${inPlace}_${keepClone}`);
        start.dispose();
        const optimizer = tf.train.rmsprop(0.01, 0.9, 0.5);
        const update = rmspropUpdate(testAddon(), optimizer, { inPlace })!;
        const clone = keepClone ? variable.clone() : undefined;
        for (let step = 0; step < 3; step++) update({ [variable.name]: gradient });
        const values = Float32Array.from(variable.dataSync() as Float32Array);
        const cloneValues = clone ? Float32Array.from(clone.dataSync() as Float32Array) : undefined;
        tf.dispose([variable, ...(clone ? [clone] : [])]);
        optimizer.dispose();
        return { values, cloneValues };
      };
      const before = tf.memory().numTensors;
      const separate = run(false, false);
      const inPlace = run(true, false);
      const shared = run(true, true);
      expect(Array.from(inPlace.values)).toEqual(Array.from(separate.values));
      expect(Array.from(shared.values)).toEqual(Array.from(separate.values));
      // A clone taken before the update still sees the values it was taken with.
      expect(Array.from(shared.cloneValues!)).toEqual(Array.from(initial));
      expect(tf.memory().numTensors).toBe(before);
      gradient.dispose();
    });

    it('training with every acceleration learns what the stock kernels learn', async () => {
      const set = syntheticImages(320, 1);
      accelerateWasm(stockKernels);
      const stock = await weightsAfterTraining(set, 2);
      expect(accelerateWasm(TEST_ACCEL_CONFIG).mode).toBe('openblas');
      const accelerated = await weightsAfterTraining(set, 2);
      accelerated.forEach((values, i) => {
        let worst = 0;
        for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j] - stock[i][j]));
        expect(worst).toBeLessThan(1e-4);
      });
    });

    it('training on MNIST-like inputs (zeros skipped, 256 units) learns what the stock kernels learn', async () => {
      const set = syntheticImages(320, 4, true);
      accelerateWasm(stockKernels);
      const stock = await weightsAfterTraining(set, 2, 256);
      expect(accelerateWasm(TEST_ACCEL_CONFIG).mode).toBe('openblas');
      const accelerated = await weightsAfterTraining(set, 2, 256);
      accelerated.forEach((values, i) => {
        let worst = 0;
        for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j] - stock[i][j]));
        expect(worst).toBeLessThan(1e-4);
      });
    });
  },
);

describe('memory', () => {
  for (const mode of ['best', 'wasm-transpose', 'none'] as const) {
    it(`numTensors is the same at every epoch end (${mode} kernels)`, async () => {
      accelerateWasm({ ...TEST_ACCEL_CONFIG, mode });
      const set = syntheticImages(200, 2);
      const spec = kerasExampleSpec(16);
      const model = buildModel(spec, 1);
      const counts: number[] = [];
      const before = tf.memory().numTensors;
      const result = await train(
        model,
        spec,
        set,
        { epochs: 4, batchSize: 32, validationSplit: 0.2, shuffle: true, seed: 3 },
        { onEpoch: () => counts.push(tf.memory().numTensors) },
      );
      expect(result.history).toHaveLength(4);
      expect(result.history[3].acc).toBeGreaterThan(0.5);
      expect(counts).toHaveLength(4);
      expect(new Set(counts).size).toBe(1);
      model.optimizer.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
      accelerateWasm(TEST_ACCEL_CONFIG);
    });
  }
});
