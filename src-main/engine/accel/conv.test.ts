/**
 * The native conv, pooling and Adam kernels must give what the stock wasm kernels give, on
 * random inputs over the geometries the presets and the layer editor's limits allow (filters
 * up to 512, kernels 1-11, strides 1-4, valid/same; pools 1-8 with strides 1-8; batch sizes
 * from 1 to 32). Skipped (with the reason) where the addon is not built.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { accelerateWasm, initBackend } from '../backend';
import { addonSkipReason, TEST_ACCEL_CONFIG, testAddon } from '../testing/addon';
import { adamUpdate } from './adam';
import { mulberry32 } from '../train';
import { convName, type ConvCase } from '../testing/conv-cases';

const installAccelerations = (mode: 'best' | 'wasm-transpose') => accelerateWasm({ ...TEST_ACCEL_CONFIG, mode });
const removeAccelerations = () => accelerateWasm({ ...TEST_ACCEL_CONFIG, mode: 'none' });
const random = mulberry32(19);

function randomValues(shape: number[], scale = 1): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);
}

function valuesOf(compute: () => tf.Tensor): Float32Array {
  const out = compute();
  const values = Float32Array.from(out.dataSync() as Float32Array);
  out.dispose();
  return values;
}

/** Runs `compute` with the stock kernels and with the native ones; returns both results' values. */
function bothWays(compute: () => tf.Tensor): [Float32Array, Float32Array] {
  removeAccelerations();
  const stock = valuesOf(compute);
  installAccelerations('best');
  return [stock, valuesOf(compute)];
}

/** Likewise with the route for machines without the addon (im2col + XNNPACK, JavaScript pooling). */
function withoutAddon(compute: () => tf.Tensor): [Float32Array, Float32Array] {
  removeAccelerations();
  const stock = valuesOf(compute);
  installAccelerations('wasm-transpose');
  const fallback = valuesOf(compute);
  installAccelerations('best');
  return [stock, fallback];
}

/** Every value within `tolerance` of the stock one, relative to the stock result's largest magnitude. */
function expectClose(native: Float32Array, stock: Float32Array, tolerance = 2e-5): void {
  expect(native.length).toBe(stock.length);
  let scale = 1e-6;
  for (const value of stock) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  for (let i = 0; i < stock.length; i++) worst = Math.max(worst, Math.abs(native[i] - stock[i]));
  expect(worst / scale).toBeLessThan(tolerance);
}

const convCases: ConvCase[] = [
  // The presets' layers at batch 32 (Small CNN, Keras convnet).
  { batch: 32, size: 28, inChannels: 1, filters: 16, kernel: 3, stride: 1, pad: 'valid' },
  { batch: 32, size: 13, inChannels: 16, filters: 32, kernel: 3, stride: 1, pad: 'valid' },
  { batch: 32, size: 28, inChannels: 1, filters: 32, kernel: 3, stride: 1, pad: 'valid' },
  { batch: 32, size: 13, inChannels: 32, filters: 64, kernel: 3, stride: 1, pad: 'valid' },
  // The editor's extremes: 512 filters, 11x11 kernels, stride 4, pointwise.
  { batch: 2, size: 28, inChannels: 1, filters: 512, kernel: 11, stride: 1, pad: 'same' },
  { batch: 3, size: 28, inChannels: 2, filters: 5, kernel: 11, stride: 4, pad: 'valid' },
  { batch: 1, size: 7, inChannels: 512, filters: 3, kernel: 1, stride: 1, pad: 'valid' },
  { batch: 5, size: 13, inChannels: 8, filters: 6, kernel: 1, stride: 2, pad: 'same' },
];
// Random geometries within the limits.
for (let i = 0; i < 16; i++) {
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];
  const size = pick([28, 26, 13, 11, 6]);
  convCases.push({
    batch: pick([1, 2, 7, 32]),
    size,
    inChannels: pick([1, 3, 16, 32]),
    filters: pick([1, 4, 17, 64]),
    kernel: Math.min(size, pick([1, 2, 3, 4, 5, 7, 11])),
    stride: pick([1, 2, 3, 4]),
    pad: pick(['valid', 'same'] as const),
  });
}

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

describe.skipIf(Boolean(addonSkipReason))(
  `native conv kernels${addonSkipReason ? ` (${addonSkipReason})` : ''}`,
  () => {
    for (const c of convCases) {
      it(`Conv2D, FusedConv2D (bias + relu) and both gradients: ${convName(c)}`, () => {
        const xShape = [c.batch, c.size, c.size, c.inChannels];
        const filterShape = [c.kernel, c.kernel, c.inChannels, c.filters];
        const xValues = randomValues(xShape);
        const filterValues = randomValues(filterShape, 0.3);
        const biasValues = randomValues([c.filters]);
        const x = () => tf.tensor4d(xValues, xShape as [number, number, number, number]);
        const filter = () => tf.tensor4d(filterValues, filterShape as [number, number, number, number]);
        const strides: [number, number] = [c.stride, c.stride];

        const [stockForward, nativeForward] = bothWays(() => tf.tidy(() => tf.conv2d(x(), filter(), strides, c.pad)));
        expectClose(nativeForward, stockForward);
        const [stockFused, nativeFused] = bothWays(() =>
          tf.tidy(() =>
            tf.fused.conv2d({
              x: x(),
              filter: filter(),
              strides,
              pad: c.pad,
              bias: tf.tensor1d(biasValues),
              activation: 'relu',
            }),
          ),
        );
        expectClose(nativeFused, stockFused);

        const outShape = tf.backend_util.computeConv2DInfo(
          xShape as [number, number, number, number],
          filterShape as [number, number, number, number],
          strides,
          1,
          c.pad,
        ).outShape;
        const dyValues = randomValues(outShape);
        const attrs = { strides, pad: c.pad, dataFormat: 'NHWC' };
        const [stockInput, nativeInput] = bothWays(() =>
          tf.tidy(
            () =>
              tf
                .engine()
                .runKernel(
                  tf.Conv2DBackpropInput,
                  { dy: tf.tensor(dyValues, outShape), filter: filter() },
                  { ...attrs, inputShape: xShape },
                ) as tf.Tensor,
          ),
        );
        expectClose(nativeInput, stockInput);
        const [, fallbackInput] = withoutAddon(() =>
          tf.tidy(
            () =>
              tf
                .engine()
                .runKernel(
                  tf.Conv2DBackpropInput,
                  { dy: tf.tensor(dyValues, outShape), filter: filter() },
                  { ...attrs, inputShape: xShape },
                ) as tf.Tensor,
          ),
        );
        expectClose(fallbackInput, stockInput);
        const [stockFilter, nativeFilter] = bothWays(() =>
          tf.tidy(
            () =>
              tf
                .engine()
                .runKernel(
                  tf.Conv2DBackpropFilter,
                  { x: x(), dy: tf.tensor(dyValues, outShape) },
                  { ...attrs, filterShape },
                ) as tf.Tensor,
          ),
        );
        expectClose(nativeFilter, stockFilter);
        const [, fallbackFilter] = withoutAddon(() =>
          tf.tidy(
            () =>
              tf
                .engine()
                .runKernel(
                  tf.Conv2DBackpropFilter,
                  { x: x(), dy: tf.tensor(dyValues, outShape) },
                  { ...attrs, filterShape },
                ) as tf.Tensor,
          ),
        );
        expectClose(fallbackFilter, stockFilter);
      });
    }

    const poolCases: [
      batch: number,
      size: number,
      channels: number,
      pool: number,
      stride: number,
      pad: 'valid' | 'same',
    ][] = [
      [32, 26, 16, 2, 2, 'valid'],
      [32, 11, 32, 2, 2, 'valid'],
      [32, 26, 32, 2, 2, 'valid'],
      [1, 28, 1, 8, 8, 'valid'],
      [3, 13, 5, 3, 1, 'valid'],
      [2, 13, 7, 3, 2, 'same'],
      [4, 9, 3, 1, 1, 'valid'],
      [2, 28, 4, 5, 3, 'valid'],
      [7, 11, 64, 4, 4, 'same'],
      [1, 5, 2, 8, 1, 'same'],
      [3, 10, 13, 2, 2, 'valid'],
      [2, 12, 8, 3, 3, 'valid'],
    ];
    for (const [batch, size, channels, pool, stride, pad] of poolCases) {
      it(`MaxPool and MaxPoolGrad: batch ${batch}, ${size}x${size}x${channels}, pool ${pool}, stride ${stride}, ${pad}`, () => {
        const shape: [number, number, number, number] = [batch, size, size, channels];
        // Positive and distinct: the stock wasm MaxPoolGrad starts its search at FLT_MIN, so it
        // misroutes windows with no positive value (the native one takes their first maximum).
        const xValues = randomValues(shape).map((value) => Math.abs(value) + 0.01);
        const [stockForward, nativeForward] = bothWays(() =>
          tf.tidy(() => tf.maxPool(tf.tensor4d(xValues, shape), pool, stride, pad)),
        );
        expect(Array.from(nativeForward)).toEqual(Array.from(stockForward));
        const [stockGrad, nativeGrad] = bothWays(() =>
          tf.tidy(() => {
            const outShape = tf.maxPool(tf.tensor4d(xValues, shape), pool, stride, pad).shape;
            const dy = tf.tensor(randomValuesSeeded(outShape, batch * size + pool), outShape);
            return tf.grad((input: tf.Tensor) =>
              tf
                .maxPool(input as tf.Tensor4D, pool, stride, pad)
                .mul(dy)
                .sum(),
            )(tf.tensor4d(xValues, shape));
          }),
        );
        expectClose(nativeGrad, stockGrad, 1e-6);
        const [, fallbackGrad] = withoutAddon(() =>
          tf.tidy(() => {
            const outShape = tf.maxPool(tf.tensor4d(xValues, shape), pool, stride, pad).shape;
            const dy = tf.tensor(randomValuesSeeded(outShape, batch * size + pool), outShape);
            return tf.grad((input: tf.Tensor) =>
              tf
                .maxPool(input as tf.Tensor4D, pool, stride, pad)
                .mul(dy)
                .sum(),
            )(tf.tensor4d(xValues, shape));
          }),
        );
        expectClose(fallbackGrad, stockGrad, 1e-6);
      });
    }

    it('gives the same filter gradient bits in every run whichever worker takes which images, close to one worker', () => {
      const xShape: [number, number, number, number] = [32, 13, 13, 16];
      const filterShape: [number, number, number, number] = [3, 3, 16, 32];
      const outShape = [32, 11, 11, 32];
      const xValues = randomValues(xShape);
      const dyValues = randomValues(outShape);
      const filterGrad = () =>
        valuesOf(() =>
          tf.tidy(
            () =>
              tf
                .engine()
                .runKernel(
                  tf.Conv2DBackpropFilter,
                  { x: tf.tensor4d(xValues, xShape), dy: tf.tensor(dyValues, outShape) },
                  { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], filterShape },
                ) as tf.Tensor,
          ),
        );
      installAccelerations('best');
      const first = filterGrad();
      for (let run = 0; run < 8; run++) expect(filterGrad()).toEqual(first);
      accelerateWasm({ ...TEST_ACCEL_CONFIG, convThreads: 1 });
      const oneWorker = filterGrad();
      installAccelerations('best');
      expectClose(first, oneWorker);
    });

    it('MaxPoolGrad routes windows without a positive value (and ties) to their first maximum', () => {
      installAccelerations('best');
      const [batch, size, channels, pool] = [2, 6, 11, 2];
      // Negative values, with ties: the window's first largest value gets the gradient.
      const xValues = randomValues([batch, size, size, channels]).map((value) => -Math.round(Math.abs(value) * 3));
      const dyValues = randomValues([batch, size / pool, size / pool, channels]);
      const expected = new Float32Array(xValues.length);
      for (let b = 0; b < batch; b++)
        for (let oh = 0; oh < size / pool; oh++)
          for (let ow = 0; ow < size / pool; ow++)
            for (let c = 0; c < channels; c++) {
              let best = -1;
              for (let fh = 0; fh < pool; fh++)
                for (let fw = 0; fw < pool; fw++) {
                  const at = ((b * size + oh * pool + fh) * size + ow * pool + fw) * channels + c;
                  if (best < 0 || xValues[at] > xValues[best]) best = at;
                }
              expected[best] += dyValues[((b * (size / pool) + oh) * (size / pool) + ow) * channels + c];
            }
      const dx = tf.tidy(() => {
        const dy = tf.tensor4d(dyValues, [batch, size / pool, size / pool, channels]);
        return tf.grad((input: tf.Tensor) =>
          tf
            .maxPool(input as tf.Tensor4D, pool, pool, 'valid')
            .mul(dy)
            .sum(),
        )(tf.tensor4d(xValues, [batch, size, size, channels]));
      });
      expect(Array.from(dx.dataSync())).toEqual(Array.from(expected));
      dx.dispose();
    });

    it('Adam as one kernel per variable gives exactly the stock optimizer state and values, in place or not', async () => {
      const shape = [37, 29];
      const initial = randomValues(shape, 0.5);
      const gradients = [0, 1, 2, 3].map(() => randomValues(shape, 2));
      const runSteps = async (fused: boolean, inPlace: boolean, keepClone: boolean) => {
        if (fused) installAccelerations('best');
        else removeAccelerations();
        const start = tf.tensor(initial, shape);
        const variable = tf.variable(start, true, `adam_test_${fused}_${inPlace}_${keepClone}`);
        start.dispose();
        const clone = keepClone ? variable.clone() : undefined;
        const optimizer = tf.train.adam(0.01, 0.85, 0.99);
        const update = fused ? adamUpdate(testAddon(), optimizer, { inPlace }) : undefined;
        if (fused) expect(update).toBeDefined();
        for (const gradient of gradients) {
          const g = tf.tensor(gradient, shape);
          if (update) update({ [variable.name]: g });
          else optimizer.applyGradients({ [variable.name]: g } as tf.NamedTensorMap as never);
          g.dispose();
        }
        const state = await optimizer.getWeights();
        const result = {
          value: Array.from(variable.dataSync() as Float32Array),
          names: state.map((entry) => entry.name.replace(/_(true|false)/g, '')),
          state: state.map((entry) => Array.from(entry.tensor.dataSync() as Float32Array)),
          iterations: optimizer.iterations,
          clone: clone ? Array.from(clone.dataSync() as Float32Array) : undefined,
        };
        // getWeights' first entry is a fresh iterations scalar; the others are the optimizer's own.
        state[0].tensor.dispose();
        optimizer.dispose();
        tf.dispose([variable, ...(clone ? [clone] : [])]);
        return result;
      };
      const before = tf.memory().numTensors;
      // The stock kernels and tf.AdamOptimizer's own update.
      const stock = await runSteps(false, false, false);
      for (const [inPlace, keepClone] of [
        [false, false],
        [true, false],
        [true, true],
      ]) {
        const fused = await runSteps(true, inPlace, keepClone);
        expect(fused.names).toEqual(stock.names);
        expect(fused.iterations).toBe(stock.iterations);
        expect(fused.value).toEqual(stock.value);
        fused.state.forEach((values, i) => expect(values).toEqual(stock.state[i]));
        if (keepClone) expect(fused.clone).toEqual(Array.from(initial));
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  },
);

function randomValuesSeeded(shape: number[], seed: number): Float32Array {
  const next = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => next() * 2 - 1);
}
