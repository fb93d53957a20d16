/**
 * The fused conv step's gradient kernel (conv-step.ts' MnistStudioConv2DGrad: relu's mask, bias,
 * filter and input gradients in one call) must give what tf.grad gives through the stock
 * kernels, on random inputs: the presets' first layers (the native side's direct pass for small
 * patches), padded and strided small patches, and a layer that takes the im2col product path.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { accelerateWasm, initBackend } from '../backend';
import { addonSkipReason, TEST_ACCEL_CONFIG } from '../testing/addon';
import { mulberry32 } from '../train';
import { convName, type ConvCase } from '../testing/conv-cases';

const random = mulberry32(23);
const randomValues = (size: number, scale = 1) => Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);

const cases: ConvCase[] = [
  { batch: 32, size: 28, inChannels: 1, filters: 16, kernel: 3, stride: 1, pad: 'valid' },
  { batch: 7, size: 28, inChannels: 1, filters: 32, kernel: 5, stride: 1, pad: 'same' },
  { batch: 3, size: 13, inChannels: 2, filters: 16, kernel: 3, stride: 2, pad: 'same' },
  { batch: 4, size: 13, inChannels: 16, filters: 32, kernel: 3, stride: 1, pad: 'valid' },
];

type Grads = Float32Array[];

/** dFilter, dBias and (when asked) dx of sum(relu(conv(x, filter) + bias) * dy), by tf.grads on the stock kernels. */
function stockGrads(
  c: ConvCase,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  dy: tf.Tensor,
  withInput: boolean,
) {
  const f = (input: tf.Tensor, kernel: tf.Tensor, offset: tf.Tensor) =>
    tf
      .relu(tf.conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, c.stride, c.pad).add(offset))
      .mul(dy)
      .sum();
  const [dx, dFilter, dBias] = tf.grads(f)([x, filter, bias]);
  return [dFilter, dBias, ...(withInput ? [dx] : [])];
}

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

describe.skipIf(Boolean(addonSkipReason))(
  `fused conv gradient kernel${addonSkipReason ? ` (${addonSkipReason})` : ''}`,
  () => {
    for (const c of cases) {
      for (const withInput of [false, true]) {
        const name = convName(c);
        it(`${name}${withInput ? ', with dx' : ''}`, () => {
          const xShape: [number, number, number, number] = [c.batch, c.size, c.size, c.inChannels];
          const filterShape: [number, number, number, number] = [c.kernel, c.kernel, c.inChannels, c.filters];
          const xValues = randomValues(xShape.reduce((a, b) => a * b));
          const filterValues = randomValues(
            filterShape.reduce((a, b) => a * b),
            0.3,
          );
          const biasValues = randomValues(c.filters, 0.1);
          const outShape = tf.tidy(
            () =>
              tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.stride, c.pad).shape,
          );
          const dyValues = randomValues(outShape.reduce((a, b) => a * b));
          const run = (native: boolean): Grads =>
            tf.tidy(() => {
              accelerateWasm({ ...TEST_ACCEL_CONFIG, mode: native ? 'best' : 'none' });
              const x = tf.tensor4d(xValues, xShape);
              const filter = tf.tensor4d(filterValues, filterShape);
              const bias = tf.tensor1d(biasValues);
              const y = tf.relu(tf.conv2d(x, filter, c.stride, c.pad).add(bias));
              const dy = tf.tensor(dyValues, outShape);
              const grads = native
                ? (tf.engine().runKernel(
                    'MnistStudioConv2DGrad',
                    { x, filter, y, dy },
                    {
                      strides: [c.stride, c.stride],
                      pad: c.pad,
                      dataFormat: 'NHWC',
                      dilations: 1,
                      activation: 'relu',
                      bias: true,
                      inputGradient: withInput,
                    },
                  ) as tf.Tensor[])
                : stockGrads(c, x, filter, bias, dy, withInput);
              return grads.map((g) => Float32Array.from(g.dataSync() as Float32Array));
            });
          const stock = run(false);
          const native = run(true);
          expect(native).toHaveLength(stock.length);
          native.forEach((values, i) => {
            let scale = 1e-6;
            for (const value of stock[i]) scale = Math.max(scale, Math.abs(value));
            let worst = 0;
            for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j] - stock[i][j]));
            expect(worst / scale).toBeLessThan(2e-5);
          });
        });
      }
    }
  },
);
