import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { Batcher, gatherPixels, indicesWithLabel, loadDataset } from './dataset';
import { tinyImageSet } from './testing/idx-fixtures';

let folder: string;
beforeAll(async () => {
  await initBackend();
  folder = await mkdtemp(path.join(os.tmpdir(), 'mnist-dataset-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

async function writeSet(dir: string, options: { gzip?: boolean; dotted?: boolean; skip?: string } = {}) {
  const train = tinyImageSet(30);
  const test = tinyImageSet(10);
  const files: [string, Uint8Array][] = [
    ['train-images-idx3-ubyte', train.images],
    ['train-labels-idx1-ubyte', train.labels],
    ['t10k-images-idx3-ubyte', test.images],
    ['t10k-labels-idx1-ubyte', test.labels],
  ];
  for (const [name, bytes] of files) {
    if (name === options.skip) continue;
    const fileName = (options.dotted ? name.replace(/-(idx\d)/, '.$1') : name) + (options.gzip ? '.gz' : '');
    await writeFile(path.join(dir, fileName), options.gzip ? gzipSync(bytes) : bytes);
  }
}

describe('loadDataset', () => {
  it('loads the embedded MNIST: 60,000 training and 10,000 test images', async () => {
    const mnist = await loadDataset();
    expect(mnist.info.name).toBe('MNIST');
    expect(mnist.info.train.count).toBe(60_000);
    expect(mnist.info.test.count).toBe(10_000);
    expect(mnist.info.train.classCounts[1]).toBe(6742);
    expect(mnist.info.test.classCounts.reduce((a, b) => a + b)).toBe(10_000);
    expect(mnist.train.images).toBeInstanceOf(Uint8Array);
    expect(Array.from(mnist.test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  it('loads a folder of gzipped IDX files with dotted names (as some mirrors ship them)', async () => {
    const dir = await mkdtemp(path.join(folder, 'gz-'));
    await writeSet(dir, { gzip: true, dotted: true });
    const dataset = await loadDataset({ kind: 'folder', path: dir });
    expect(dataset.info.train.count).toBe(30);
    expect(dataset.info.train.classCounts).toEqual(new Array(10).fill(3));
    expect(dataset.info.id).toMatch(/^gz-.*:[0-9a-f]{16}$/);
  });

  it('names the missing file when a folder is incomplete', async () => {
    const dir = await mkdtemp(path.join(folder, 'partial-'));
    await writeSet(dir, { skip: 't10k-labels-idx1-ubyte' });
    await expect(loadDataset({ kind: 'folder', path: dir })).rejects.toThrow(
      `${path.join(dir, 't10k-labels-idx1-ubyte')} (or t10k-labels-idx1-ubyte.gz) is missing`,
    );
  });
});

describe('Batcher', () => {
  it('scales pixels to 0..1 and one-hot encodes labels, per batch', async () => {
    const dir = await mkdtemp(path.join(folder, 'batch-'));
    await writeSet(dir);
    const { train } = await loadDataset({ kind: 'folder', path: dir });
    const { xs, ys } = new Batcher(train, [784]).batch([3, 7], 0, 2);
    expect(xs.shape).toEqual([2, 784]);
    expect(Array.from(xs.dataSync().subarray(0, 2))).toEqual([60 / 255, 60 / 255].map(Math.fround));
    expect(ys.arraySync()).toEqual([
      [0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
    ]);
    expect(new Batcher(train, [28, 28, 1]).batch([0], 0, 1).xs.shape).toEqual([1, 28, 28, 1]);
    tf.dispose([xs, ys]);
  });

  it('pages by class and gathers pixels', async () => {
    const dir = await mkdtemp(path.join(folder, 'page-'));
    await writeSet(dir);
    const { train } = await loadDataset({ kind: 'folder', path: dir });
    expect(indicesWithLabel(train, 4)).toEqual([4, 14, 24]);
    expect(gatherPixels(train, [4, 14])[784]).toBe(80);
    expect(() => gatherPixels(train, [30])).toThrow('Image 30 does not exist; this split has 30.');
  });
});
