/**
 * Training with the accelerations: the fused RMSprop update equals tfjs' own, training leaks no
 * tensors (numTensors equal at every epoch end), and the accelerated engine learns what the
 * stock one learns.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { buildModel } from '../model';
import { train } from '../train';
import type { LabelledImages } from '../idx';
import { kerasExampleSpec, IMAGE_PIXELS } from '../../shared/spec';
import { accelerateRmsprop, installAccelerations, removeAccelerations } from '.';
import { loadNativeAddon } from './native-kernels';
import { mulberry32 } from '../train';

const addonLoad = loadNativeAddon();

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

describe.skipIf(!addonLoad.addon)(
  `fused RMSprop update${addonLoad.addon ? '' : ` (skipped: ${'reason' in addonLoad ? addonLoad.reason : ''})`}`,
  () => {
    it('gives exactly the stock optimizer state and values', async () => {
      const random = mulberry32(11);
      const shape = [37, 29];
      const initial = Float32Array.from({ length: 37 * 29 }, () => random() - 0.5);
      const gradients = [0, 1, 2].map(() => Float32Array.from({ length: 37 * 29 }, () => (random() - 0.5) * 3));

      const runSteps = async (fused: boolean) => {
        if (fused) installAccelerations('best');
        else removeAccelerations();
        const variable = tf.variable(tf.tensor(initial, shape), true, `rmsprop_test_${fused ? 'fused' : 'stock'}`);
        const optimizer = tf.train.rmsprop(0.01, 0.9, 0.2);
        if (fused) expect(accelerateRmsprop(optimizer)).toBe(true);
        for (const gradient of gradients) {
          const g = tf.tensor(gradient, shape);
          optimizer.applyGradients({ [variable.name]: g });
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
      installAccelerations('best');
      const random = mulberry32(12);
      const initial = Float32Array.from({ length: 300 }, () => random() - 0.5);
      const gradient = tf.tensor(Float32Array.from({ length: 300 }, () => random() - 0.5));
      const run = (inPlace: boolean, keepClone: boolean) => {
        if (inPlace) delete process.env.MNIST_STUDIO_RMSPROP_IN_PLACE;
        else process.env.MNIST_STUDIO_RMSPROP_IN_PLACE = '0';
        const start = tf.tensor(initial);
        const variable = tf.variable(start, true, `in_place_${inPlace}_${keepClone}`);
        start.dispose();
        const optimizer = tf.train.rmsprop(0.01, 0.9, 0.5);
        accelerateRmsprop(optimizer);
        const clone = keepClone ? variable.clone() : undefined;
        for (let step = 0; step < 3; step++) optimizer.applyGradients({ [variable.name]: gradient });
        const values = Float32Array.from(variable.dataSync() as Float32Array);
        const cloneValues = clone ? Float32Array.from(clone.dataSync() as Float32Array) : undefined;
        tf.dispose([variable, ...(clone ? [clone] : [])]);
        optimizer.dispose();
        delete process.env.MNIST_STUDIO_RMSPROP_IN_PLACE;
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
      removeAccelerations();
      const stock = await weightsAfterTraining(set, 2);
      installAccelerations('best');
      const accelerated = await weightsAfterTraining(set, 2);
      accelerated.forEach((values, i) => {
        let worst = 0;
        for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j] - stock[i][j]));
        expect(worst).toBeLessThan(1e-4);
      });
    });

    it('training on MNIST-like inputs (zeros skipped, 256 units) learns what the stock kernels learn', async () => {
      const set = syntheticImages(320, 4, true);
      removeAccelerations();
      const stock = await weightsAfterTraining(set, 2, 256);
      installAccelerations('best');
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
      if (mode === 'none') removeAccelerations();
      else installAccelerations(mode);
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
      installAccelerations('best');
    });
  }
});
