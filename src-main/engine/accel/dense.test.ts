/**
 * The fused Dense training step must give what the stock path gives (model.apply, then tfjs'
 * categorical cross-entropy): loss, outputs and every variable's gradient, on random data; and
 * it must stay out of the way for models it does not cover.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kerasExampleSpec, NUM_CLASSES, type ModelSpec } from '../../shared/spec';
import { accelerateWasm, initBackend } from '../backend';
import type { LabelledImages } from '../idx';
import { buildModel } from '../model';
import { trainingSteps } from '../step';
import { addonSkipReason, TEST_ACCEL_CONFIG } from '../testing/addon';
import { mulberry32 } from '../train';
import { fusedDenseForward } from './dense';

const best = () => expect(accelerateWasm(TEST_ACCEL_CONFIG).mode).toBe('openblas');
const random = mulberry32(17);

/** Random inputs with the given share of nonzeros (MNIST images have ~20%), one-hot labels. */
function batch(rows: number, features: number, density = 0.4): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const pixels = Float32Array.from({ length: rows * features }, () => (random() < density ? random() : 0));
  const oneHot = new Float32Array(rows * NUM_CLASSES);
  for (let row = 0; row < rows; row++) oneHot[row * NUM_CLASSES + Math.floor(random() * NUM_CLASSES)] = 1;
  return { xs: tf.tensor2d(pixels, [rows, features]), ys: tf.tensor2d(oneHot, [rows, NUM_CLASSES]) };
}

function worstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const threeLayers: ModelSpec = {
  layers: [
    { type: 'dense', units: 48, activation: 'relu' },
    { type: 'dense', units: 24, activation: 'linear' },
    { type: 'dense', units: NUM_CLASSES, activation: 'softmax' },
  ],
  optimizer: { name: 'rmsprop', learningRate: 0.001 },
  loss: 'categoricalCrossentropy',
};

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

afterAll(() => {
  accelerateWasm(TEST_ACCEL_CONFIG);
});

describe.skipIf(addonSkipReason !== false)(
  `fused Dense training step${addonSkipReason ? ` (${addonSkipReason})` : ''}`,
  () => {
    for (const [name, spec, density] of [
      ['the Keras example (32 units)', kerasExampleSpec(32), 0.4],
      ['the Keras example (512 units), MNIST-like sparse inputs', kerasExampleSpec(512), 0.18],
      ['relu -> linear -> softmax', threeLayers, 0.4],
    ] as const) {
      it(`gives the stock loss, outputs and gradients: ${name}`, () => {
        best();
        const model = buildModel(spec, 9);
        const { xs, ys } = batch(32, 784, density);
        const fused = fusedDenseForward(model);
        expect(fused).toBeDefined();
        const tensorsBefore = tf.memory().numTensors;
        let fusedOutputs: tf.Tensor | undefined;
        const fusedGrads = tf.variableGrads(() => {
          const { loss, outputs } = fused!(xs, ys);
          fusedOutputs = outputs;
          return loss;
        });
        let stockOutputs: tf.Tensor | undefined;
        const stockGrads = tf.variableGrads(() => {
          const predictions = model.apply(xs, { training: true }) as tf.Tensor;
          stockOutputs = tf.keep(predictions);
          return tf.metrics.categoricalCrossentropy(ys, predictions).mean() as tf.Scalar;
        });
        expect(fusedGrads.value.dataSync()[0]).toBeCloseTo(stockGrads.value.dataSync()[0], 5);
        expect(worstDifference(fusedOutputs!.dataSync(), stockOutputs!.dataSync())).toBeLessThan(1e-6);
        const names = Object.keys(stockGrads.grads);
        expect(Object.keys(fusedGrads.grads).sort()).toEqual([...names].sort());
        for (const variable of names) {
          const stock = stockGrads.grads[variable].dataSync() as Float32Array;
          const scale = stock.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
          expect(worstDifference(fusedGrads.grads[variable].dataSync(), stock)).toBeLessThan(1e-5 * scale + 1e-9);
          expect(fusedGrads.grads[variable].shape).toEqual(stockGrads.grads[variable].shape);
        }
        tf.dispose([fusedOutputs!, fusedGrads.value, ...Object.values(fusedGrads.grads)]);
        tf.dispose([stockOutputs!, stockGrads.value, ...Object.values(stockGrads.grads)]);
        expect(tf.memory().numTensors).toBe(tensorsBefore);
        tf.dispose([xs, ys]);
        model.dispose();
      });
    }

    it('leaves other models, other backends and the stock kernels to the stock forward pass', () => {
      best();
      const dropout: ModelSpec = {
        ...threeLayers,
        layers: [threeLayers.layers[0], { type: 'dropout', rate: 0.2 }, threeLayers.layers[2]],
      };
      const sigmoid: ModelSpec = {
        ...threeLayers,
        layers: [{ type: 'dense', units: 16, activation: 'sigmoid' }, threeLayers.layers[2]],
      };
      const set: LabelledImages = {
        count: 1,
        rows: 28,
        cols: 28,
        images: new Uint8Array(784),
        labels: new Uint8Array(1),
      };
      const stepFor = (spec: ModelSpec, backend?: string) => {
        const model = buildModel(spec, 1);
        const { description } = trainingSteps.stepFor({ model, spec, set }, backend);
        model.dispose();
        return description;
      };
      for (const spec of [dropout, sigmoid]) {
        const model = buildModel(spec, 1);
        expect(fusedDenseForward(model)).toBeUndefined();
        model.dispose();
        expect(stepFor(spec)).toBe('stock forward, native RMSprop update, batches on the heap');
      }
      expect(stepFor(kerasExampleSpec(16))).toBe(
        'fused Dense forward and backward, native RMSprop update, batches on the heap',
      );
      expect(stepFor(kerasExampleSpec(16), 'cpu')).toBe('stock tfjs');
      accelerateWasm({ ...TEST_ACCEL_CONFIG, mode: 'none' });
      expect(stepFor(kerasExampleSpec(16))).toBe('stock tfjs');
      accelerateWasm({ ...TEST_ACCEL_CONFIG, mode: 'wasm-transpose' });
      expect(stepFor(kerasExampleSpec(16))).toBe('stock forward, stock update, batches on the heap');
      accelerateWasm({ ...TEST_ACCEL_CONFIG, fusedDense: false, heapBatch: false });
      expect(stepFor(kerasExampleSpec(16))).toBe('stock forward, native RMSprop update, stock batches');
    });
  },
);
