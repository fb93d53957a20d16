/**
 * Batches written onto the wasm heap equal the stock Batcher's, through the addon's gather and
 * through JavaScript, and leave no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_PIXELS, NUM_CLASSES } from '../../shared/spec';
import { initBackend } from '../backend';
import { Batcher, type BatchSource } from '../dataset';
import type { LabelledImages } from '../idx';
import { addonSkipReason, testAddon } from '../testing/addon';
import { mulberry32 } from '../train';
import { heapBatcher } from './batch';

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

function expectStockBatches(heap: BatchSource | undefined): void {
  expect(heap).toBeDefined();
  const indices = Int32Array.from({ length: count }, (_, i) => (i * 17) % count);
  const stock = new Batcher(set, [IMAGE_PIXELS]);
  const before = tf.memory().numTensors;
  for (const [start, end] of [
    [0, 32],
    [32, 50],
  ]) {
    const expected = stock.batch(indices, start, end);
    const actual = heap!.batch(indices, start, end);
    expect(actual.xs.shape).toEqual(expected.xs.shape);
    expect(actual.ys.shape).toEqual(expected.ys.shape);
    expect(Array.from(actual.xs.dataSync())).toEqual(Array.from(expected.xs.dataSync()));
    expect(Array.from(actual.ys.dataSync())).toEqual(Array.from(expected.ys.dataSync()));
    tf.dispose([expected.xs, expected.ys, actual.xs, actual.ys]);
  }
  expect(tf.memory().numTensors).toBe(before);
}

describe('heap batches', () => {
  it.skipIf(addonSkipReason !== false)(
    `equal the stock batches (the addon${addonSkipReason ? `; ${addonSkipReason}` : ''})`,
    () => {
      expectStockBatches(heapBatcher(set, [IMAGE_PIXELS], testAddon()));
    },
  );

  it('equal the stock batches (JavaScript)', () => {
    expectStockBatches(heapBatcher(set, [IMAGE_PIXELS], undefined));
  });

  it('are not made for an input shape that does not hold one image', () => {
    expect(heapBatcher(set, [10, 10], undefined)).toBeUndefined();
  });
});
