/**
 * The accelerated matrix-product kernels must give what the stock wasm kernels give: random
 * inputs, every transpose combination, batches, 1-broadcasts, fused bias and activations.
 * The OpenBLAS cases are skipped (with the reason) where the addon is not built.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accelerateWasm, initBackend } from '../backend';
import { addonSkipReason, TEST_ACCEL_CONFIG } from '../testing/addon';
import { mulberry32 } from '../train';
import type { AccelerationMode } from './config';

/** The wasm backend with the kernels of `mode` ('openblas' asks for the best, which must be OpenBLAS then). */
function installMode(mode: AccelerationMode) {
  return accelerateWasm({ ...TEST_ACCEL_CONFIG, mode: mode === 'openblas' ? 'best' : mode });
}
const random = mulberry32(7);

function randomTensor(shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => random() * 2 - 1),
    shape,
  );
}

interface Case {
  name: string;
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Shapes of op(a) = [m, k] and op(b) = [k, n], laid out as the flags say. */
function operandShape(batch: number[], rows: number, cols: number, transpose: boolean): number[] {
  return [...batch, ...(transpose ? [cols, rows] : [rows, cols])];
}

const cases: Case[] = [];
const batches: [number[], number[]][] = [
  [[], []],
  [[3], [3]],
  [[1], [4]],
  [[4], [1]],
  [
    [2, 3],
    [2, 3],
  ],
];
for (const [batchA, batchB] of batches) {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const [m, k, n] = [5, 7, 6];
      cases.push({
        name: `a[${batchA}] b[${batchB}] transposeA=${transposeA} transposeB=${transposeB}`,
        aShape: operandShape(batchA, m, k, transposeA),
        bShape: operandShape(batchB, k, n, transposeB),
        transposeA,
        transposeB,
      });
    }
  }
}
// The example's real shapes: forward, weight gradient, input gradient.
cases.push({
  name: 'dense forward 32x784 . 784x512',
  aShape: [32, 784],
  bShape: [784, 512],
  transposeA: false,
  transposeB: false,
});
cases.push({
  name: 'weight gradient x^T . dy',
  aShape: [32, 784],
  bShape: [32, 512],
  transposeA: true,
  transposeB: false,
});
cases.push({
  name: 'input gradient dy . W^T',
  aShape: [32, 512],
  bShape: [784, 512],
  transposeA: false,
  transposeB: true,
});

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / tolerance);
  }
  expect(worst).toBeLessThanOrEqual(1);
}

function read(result: tf.Tensor): { values: Float32Array; shape: number[] } {
  const values = Float32Array.from(result.dataSync() as Float32Array);
  const shape = result.shape;
  result.dispose();
  return { values, shape };
}

/** On the wasm backend with the given kernels. */
function compute(mode: AccelerationMode, run: () => tf.Tensor): { values: Float32Array; shape: number[] } {
  installMode(mode);
  return read(run());
}

/**
 * The reference: tfjs' CPU backend. (The stock wasm _FusedMatMul is not one: with a transpose
 * flag and a bias it adds the last bias value to every row after the first.)
 */
async function computeOnCpu(run: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend('cpu');
  try {
    return read(run());
  } finally {
    await tf.setBackend('wasm');
  }
}

beforeAll(async () => {
  const backend = await initBackend('wasm');
  expect(backend.name).toBe('wasm');
});

afterAll(() => {
  accelerateWasm(TEST_ACCEL_CONFIG);
});

const modes: { mode: AccelerationMode; skip: string | false }[] = [
  { mode: 'openblas', skip: addonSkipReason },
  { mode: 'wasm-transpose', skip: false },
];

for (const { mode, skip } of modes) {
  describe.skipIf(skip !== false)(`${mode} kernels${skip ? ` (${skip})` : ''}`, () => {
    it('reports the requested mode', () => {
      const status = installMode(mode);
      expect(status.mode).toBe(mode);
      expect(status.descriptions.length).toBeGreaterThan(0);
    });

    for (const testCase of cases) {
      it(`BatchMatMul ${testCase.name}`, async () => {
        const a = randomTensor(testCase.aShape);
        const b = randomTensor(testCase.bShape);
        const run = () => tf.matMul(a, b, testCase.transposeA, testCase.transposeB);
        const reference = await computeOnCpu(run);
        expect(compute('none', run).shape).toEqual(reference.shape);
        const accelerated = compute(mode, run);
        expect(accelerated.shape).toEqual(reference.shape);
        expectClose(accelerated.values, reference.values);
        tf.dispose([a, b]);
      });
    }

    for (const activation of ['linear', 'relu', 'relu6', 'elu'] as const) {
      for (const [transposeA, transposeB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        it(`_FusedMatMul with bias, ${activation}, transposeA=${transposeA} transposeB=${transposeB}`, async () => {
          const [m, k, n] = [9, 13, 11];
          const a = randomTensor(transposeA ? [k, m] : [m, k]);
          const b = randomTensor(transposeB ? [n, k] : [k, n]);
          const bias = randomTensor([n]);
          // Scaled so that relu6 clips some values.
          const run = () => tf.fused.matMul({ a: a.mul(4), b, transposeA, transposeB, bias, activation });
          const reference = await computeOnCpu(run);
          const accelerated = compute(mode, run);
          expect(accelerated.shape).toEqual([m, n]);
          expectClose(accelerated.values, reference.values);
          tf.dispose([a, b, bias]);
        });
      }
    }

    for (const activation of ['linear', 'relu'] as const) {
      it(`_FusedMatMul of a mostly-zero input (the zero-skipping product), bias, ${activation}`, async () => {
        // ~15% nonzeros and 272 columns: the addon skips the zeros (AVX-512 CPUs), else sgemm.
        const [m, k, n] = [32, 100, 272];
        const values = Float32Array.from({ length: m * k }, () => (random() < 0.15 ? random() : 0));
        const a = tf.tensor(values, [m, k]);
        const b = randomTensor([k, n]);
        const bias = randomTensor([n]);
        const run = () => tf.fused.matMul({ a, b, bias, activation });
        const reference = await computeOnCpu(run);
        const accelerated = compute(mode, run);
        expect(accelerated.shape).toEqual([m, n]);
        expectClose(accelerated.values, reference.values);
        tf.dispose([a, b, bias]);
      });
    }

    it('a batched fused product with a scalar bias', async () => {
      const a = randomTensor([3, 4, 5]);
      const b = randomTensor([3, 5, 2]);
      const bias = randomTensor([1]);
      const run = () => tf.fused.matMul({ a, b, bias, activation: 'relu' });
      const reference = await computeOnCpu(run);
      const accelerated = compute(mode, run);
      expect(accelerated.shape).toEqual([3, 4, 2]);
      expectClose(accelerated.values, reference.values);
      tf.dispose([a, b, bias]);
    });

    it('gradients through the accelerated kernels match the CPU backend', async () => {
      const x = randomTensor([6, 8]);
      const w = randomTensor([8, 4]);
      const bias = randomTensor([4]);
      const run = () => {
        const grads = tf.grads((xIn: tf.Tensor, wIn: tf.Tensor) =>
          tf.fused.matMul({ a: xIn, b: wIn, bias, activation: 'relu' }).square().sum(),
        )([x, w]);
        const packed = tf.concat([grads[0].flatten(), grads[1].flatten()]);
        tf.dispose(grads);
        return packed;
      };
      const reference = await computeOnCpu(run);
      const accelerated = compute(mode, run);
      expectClose(accelerated.values, reference.values);
      tf.dispose([x, w, bias]);
    });

    it('leaves no tensors behind', () => {
      installMode(mode);
      const a = randomTensor([2, 16, 8]);
      const b = randomTensor([2, 16, 8]);
      const before = tf.memory().numTensors;
      tf.matMul(a, b, true, false).dispose();
      tf.matMul(a, b, false, true).dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b]);
    });
  });
}

describe('shared Identity', () => {
  it('a clone keeps its values after the original is disposed, and frees its memory last', () => {
    installMode('wasm-transpose');
    const before = tf.memory().numBytes;
    const original = tf.tensor([1.5, -2, 3], [3]);
    const copy = original.clone();
    expect(tf.memory().numBytes - before).toBe(24);
    original.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3]);
    copy.dispose();
    expect(tf.memory().numBytes).toBe(before);
    accelerateWasm(TEST_ACCEL_CONFIG);
  });
});
