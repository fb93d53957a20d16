/**
 * Batches written onto the wasm heap equal the stock Batcher's, with and without the addon's
 * gather, and leave no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { Batcher } from '../dataset';
import type { LabelledImages } from '../idx';
import { mulberry32 } from '../train';
import { IMAGE_PIXELS, NUM_CLASSES } from '../../shared/spec';
import { heapBatcher } from '.';

const random = mulberry32(23);
const count = 50;
const set: LabelledImages = {
  count,
  rows: 28,
  cols: 28,
  images: Uint8Array.from({ length: count * IMAGE_PIXELS }, () => Math.floor(random() * 256)),
  labels: Uint8Array.from({ length: count }, () => Math.floor(random() * NUM_CLASSES)),
};

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

describe('heap batches', () => {
  for (const gather of ['the addon', 'JavaScript'] as const) {
    it(`equal the stock batches (${gather})`, () => {
      const indices = Int32Array.from({ length: count }, (_, i) => (i * 17) % count);
      const stock = new Batcher(set, [IMAGE_PIXELS]);
      const heap = heapBatcher(set, [IMAGE_PIXELS], NUM_CLASSES);
      expect(heap).toBeDefined();
      const before = tf.memory().numTensors;
      for (const [start, end] of [
        [0, 32],
        [32, 50],
      ]) {
        const plainIndices = gather === 'JavaScript' ? Array.from(indices) : indices;
        const expected = stock.batch(indices, start, end);
        const actual = heap!.batch(plainIndices, start, end);
        expect(actual.xs.shape).toEqual(expected.xs.shape);
        expect(actual.ys.shape).toEqual(expected.ys.shape);
        expect(Array.from(actual.xs.dataSync())).toEqual(Array.from(expected.xs.dataSync()));
        expect(Array.from(actual.ys.dataSync())).toEqual(Array.from(expected.ys.dataSync()));
        tf.dispose([expected.xs, expected.ys, actual.xs, actual.ys]);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('are not made off the wasm backend', async () => {
    await tf.setBackend('cpu');
    try {
      expect(heapBatcher(set, [IMAGE_PIXELS], NUM_CLASSES)).toBeUndefined();
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
