import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { kerasExampleSpec } from '../shared/spec';
import { augmentImage, augmentedCopy } from './augment';
import { initBackend } from './backend';
import { loadDataset } from './dataset';
import { buildModel } from './model';
import { mulberry32, train } from './train';

const PIXELS = 784;
/** A 3 px wide vertical bar, rows 6..21, a little left of centre. */
const bar = new Uint8Array(PIXELS).map((_, i) => (i % 28 >= 11 && i % 28 < 14 && i >= 6 * 28 && i < 22 * 28 ? 255 : 0));
const ink = (image: Uint8Array) => image.reduce((sum, v) => sum + v, 0) / 255;
const constant = (value: number) => () => value;

describe('augmentImage', () => {
  it('leaves the image as it is when every amount drawn is zero', () => {
    const out = new Uint8Array(PIXELS);
    augmentImage(bar, out, 0, constant(0.5));
    expect(Array.from(out)).toEqual(Array.from(bar));
  });

  it('thickens and grows the strokes at the top of the ranges, thins and shrinks them at the bottom', () => {
    const thick = new Uint8Array(PIXELS);
    const thin = new Uint8Array(PIXELS);
    augmentImage(bar, thick, 0, constant(0.999));
    augmentImage(bar, thin, 0, constant(0));
    expect(ink(thick)).toBeGreaterThan(ink(bar) * 1.3);
    expect(ink(thin)).toBeLessThan(ink(bar) * 0.7);
    expect(ink(thin)).toBeGreaterThan(0);
  });

  it('draws each image differently, reproducibly from the seed, and keeps the digit near the centre', () => {
    const first = new Uint8Array(PIXELS);
    const again = new Uint8Array(PIXELS);
    const other = new Uint8Array(PIXELS);
    const random = mulberry32(3);
    augmentImage(bar, first, 0, random);
    augmentImage(bar, other, 0, random);
    augmentImage(bar, again, 0, mulberry32(3));
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(Array.from(other)).not.toEqual(Array.from(first));
    for (const image of [first, other]) {
      const mass = ink(image);
      const x = image.reduce((sum, v, i) => sum + (v / 255) * (i % 28), 0) / mass;
      expect(Math.abs(x - 12)).toBeLessThan(4);
    }
  });
});

describe('augmentedCopy', () => {
  it('redraws only the images it is given, every time it is asked', () => {
    const set = {
      count: 2,
      rows: 28,
      cols: 28,
      images: new Uint8Array([...bar, ...bar]),
      labels: new Uint8Array([1, 1]),
    };
    const copy = augmentedCopy(set, mulberry32(1));
    copy.refresh([1]);
    const once = copy.set.images.slice(PIXELS);
    copy.refresh([1]);
    expect(Array.from(copy.set.images.subarray(0, PIXELS))).toEqual(Array.from(bar));
    expect(Array.from(copy.set.images.subarray(PIXELS))).not.toEqual(Array.from(once));
    expect(Array.from(set.images.subarray(PIXELS))).toEqual(Array.from(bar));
  });
});

describe('fit with augment', () => {
  /** Trains the Keras example (64 units) for 2 epochs on 2,000 MNIST images; the weights and the run's result. */
  async function fit(augment: boolean) {
    const { train: images } = await loadDataset({ kind: 'builtin' });
    const spec = kerasExampleSpec(64);
    const model = buildModel(spec, 1);
    const settings = {
      epochs: 2,
      batchSize: 32,
      validationSplit: 0.2,
      shuffle: true,
      seed: 9,
      trainLimit: 2000,
      augment,
    };
    const result = await train(model, spec, images, settings);
    const weights = Float32Array.from(model.getWeights()[0].dataSync() as Float32Array);
    model.dispose();
    return { result, weights };
  }

  // Augmentation works on the uint8 images, before the stock Batcher (cpu) or the heap batcher (wasm) reads them.
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`trains on augmented images on the ${backend} backend, and still learns`, async () => {
      if (backend === 'cpu') await tf.setBackend('cpu');
      else expect((await initBackend('wasm')).name).toBe('wasm');
      expect(tf.getBackend()).toBe(backend);
      const plain = await fit(false);
      const augmented = await fit(true);
      expect(Array.from(augmented.weights)).not.toEqual(Array.from(plain.weights));
      expect(augmented.result.history.at(-1)?.val_acc).toBeGreaterThan(0.8);
    });
  }
});
