import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { smallCnnSpec } from '../../shared/spec';
import { initBackend } from '../backend';
import { loadDataset } from '../dataset';
import { evaluate } from '../evaluate';
import { buildModel } from '../model';
import { train } from '../train';

beforeAll(async () => {
  const backend = await initBackend();
  if (backend.name !== 'wasm') throw new Error(`these tests need the wasm backend, got ${backend.name}`);
});

function backpropFilterOn(
  backend: 'cpu' | 'wasm',
  xValues: Float32Array,
  dyValues: Float32Array,
  cases: Case,
): number[] {
  return tf.tidy(() => {
    const previous = tf.getBackend();
    tf.setBackend(backend);
    try {
      const x = tf.tensor4d(xValues, cases.x);
      const dy = tf.tensor4d(dyValues, cases.dy);
      const attrs = {
        strides: cases.strides,
        pad: cases.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape: cases.filter,
      };
      const result = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor;
      return Array.from(result.dataSync());
    } finally {
      tf.setBackend(previous);
    }
  });
}

interface Case {
  name: string;
  x: [number, number, number, number];
  dy: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'valid' | 'same';
}

type Shape = [number, number, number, number];
// name, x, dy, filter, strides, padding
const TABLE: [string, Shape, Shape, Shape, [number, number], 'valid' | 'same'][] = [
  ['valid 3x3, stride 1', [2, 8, 8, 1], [2, 6, 6, 4], [3, 3, 1, 4], [1, 1], 'valid'],
  ['same 5x5, stride 2, 3 channels', [3, 9, 9, 3], [3, 5, 5, 2], [5, 5, 3, 2], [2, 2], 'same'],
  ['valid 2x2, stride 2', [1, 6, 6, 2], [1, 3, 3, 3], [2, 2, 2, 3], [2, 2], 'valid'],
];
const CASES: Case[] = TABLE.map(([name, x, dy, filter, strides, pad]) => ({ name, x, dy, filter, strides, pad }));

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(CASES)('matches the CPU backend: $name', (cases) => {
    const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
    const xValues = random(cases.x.reduce((a, b) => a * b));
    const dyValues = random(cases.dy.reduce((a, b) => a * b)).reverse();
    const wasm = backpropFilterOn('wasm', xValues, dyValues, cases);
    const cpu = backpropFilterOn('cpu', xValues, dyValues, cases);
    expect(wasm).toHaveLength(cases.filter.reduce((a, b) => a * b));
    wasm.forEach((value, i) => expect(value).toBeCloseTo(cpu[i], 4));
  });

  it('lets the Small CNN preset train on the WebAssembly backend', async () => {
    const mnist = await loadDataset();
    const spec = smallCnnSpec();
    const model = buildModel(spec, 5);
    const result = await train(model, spec, mnist.train, {
      epochs: 1,
      batchSize: 32,
      validationSplit: 0,
      shuffle: true,
      seed: 5,
      trainLimit: 960,
    });
    expect(result.status).toBe('completed');
    const { acc } = evaluate(
      model,
      spec,
      mnist.test,
      Int32Array.from({ length: 500 }, (_, i) => i),
    );
    expect(acc).toBeGreaterThan(0.5);
    model.dispose();
  });
});
