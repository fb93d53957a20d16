/**
 * Training conv nets with the native kernels and the fused conv step: it learns what the stock
 * kernels learn (same weights after two epochs), the fused step covers the presets, and
 * training leaks no tensors (numTensors equal at every epoch end).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { accelerateWasm, initBackend } from '../backend';
import { addonSkipReason, TEST_ACCEL_CONFIG } from '../testing/addon';
import { buildModel, validateSpec } from '../model';
import { train, mulberry32 } from '../train';
import type { LabelledImages } from '../idx';
import { IMAGE_PIXELS, PRESETS, type ModelSpec } from '../../shared/spec';
import { trainingSteps } from '../step';

const installAccelerations = (mode: 'best' | 'wasm-transpose') => accelerateWasm({ ...TEST_ACCEL_CONFIG, mode });
const removeAccelerations = () => accelerateWasm({ ...TEST_ACCEL_CONFIG, mode: 'none' });

/** Each class draws its own bar of pixels (a row band), plus noise; ~80% zeros as in MNIST. */
function syntheticImages(count: number, seed: number): LabelledImages {
  const random = mulberry32(seed);
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < IMAGE_PIXELS; p++) {
      const inBand = Math.floor(p / 78.4) === label;
      const noise = random() < 0.85 ? 0 : Math.floor(random() * 60);
      images[i * IMAGE_PIXELS + p] = inBand ? 150 + Math.floor(random() * 100) : noise;
    }
  }
  return { images, labels, count, rows: 28, cols: 28 };
}

/**
 * A small conv net with every kind of step: same and valid padding, stride 2, pointwise, pooling,
 * dropout, Dense relu. No pool follows the linear conv: the stock wasm MaxPoolGrad misroutes
 * windows without a positive value (its search starts at FLT_MIN), the native one does not.
 */
const smallSpec: ModelSpec = validateSpec({
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 5, kernelSize: 1, strides: 1, padding: 'valid', activation: 'linear' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 12, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { name: 'adam', learningRate: 0.003 },
});

async function weightsAfterTraining(set: LabelledImages, spec: ModelSpec): Promise<Float32Array[]> {
  const model = buildModel(spec, 3);
  await train(model, spec, set, { epochs: 2, batchSize: 32, validationSplit: 0, shuffle: true, seed: 5 });
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  model.optimizer.dispose();
  model.dispose();
  return weights;
}

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

describe.skipIf(Boolean(addonSkipReason))(
  `conv training on native kernels${addonSkipReason ? ` (${addonSkipReason})` : ''}`,
  () => {
    it('the fused conv step covers every conv preset and the test net, and nothing else', () => {
      installAccelerations('best');
      for (const spec of [...PRESETS.map((preset) => preset.spec), smallSpec]) {
        const model = buildModel(spec, 1);
        const hasConv = spec.layers.some((layer) => layer.type === 'conv2d');
        const step = trainingSteps.stepFor({ model, spec, set: syntheticImages(1, 1) }, 'wasm');
        expect(step.description.includes('fused conv forward')).toBe(hasConv);
        if (hasConv) expect(step.description).toContain('native Adam update');
        model.optimizer.dispose();
        model.dispose();
      }
    });

    it('learns what the stock kernels learn, with the addon and without (same weights after two epochs)', async () => {
      const set = syntheticImages(256, 1);
      removeAccelerations();
      const stock = await weightsAfterTraining(set, smallSpec);
      installAccelerations('wasm-transpose');
      const withoutAddon = await weightsAfterTraining(set, smallSpec);
      installAccelerations('best');
      const accelerated = await weightsAfterTraining(set, smallSpec);
      for (const weights of [accelerated, withoutAddon]) {
        expect(weights).toHaveLength(stock.length);
        weights.forEach((values, i) => {
          let worst = 0;
          for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j] - stock[i][j]));
          expect(worst).toBeLessThan(1e-3);
        });
      }
    });
  },
);

describe('conv training memory', () => {
  for (const mode of ['best', 'wasm-transpose', 'none'] as const) {
    it(`numTensors is the same at every epoch end (${mode} kernels)`, async () => {
      if (mode === 'none') removeAccelerations();
      else installAccelerations(mode);
      const set = syntheticImages(160, 2);
      const model = buildModel(smallSpec, 1);
      const counts: number[] = [];
      const before = tf.memory().numTensors;
      const result = await train(
        model,
        smallSpec,
        set,
        { epochs: 3, batchSize: 32, validationSplit: 0.2, shuffle: true, seed: 3 },
        { onEpoch: () => counts.push(tf.memory().numTensors) },
      );
      expect(result.history).toHaveLength(3);
      expect(counts).toHaveLength(3);
      expect(new Set(counts).size).toBe(1);
      model.optimizer.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
      installAccelerations('best');
    });
  }
});
