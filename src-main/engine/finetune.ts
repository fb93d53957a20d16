/**
 * Fine-tuning on "My drawings": the current model goes on training (same weights, same
 * optimizer and its state, the usual fit loop) on the dataset's training images plus the
 * person's drawings, each drawing repeated so that a handful of them is not lost among 60,000.
 * Scores before and after: the drawings read right, and the test set (model.evaluate).
 */
import type * as tf from '@tensorflow/tfjs';
import type { FineTuneResult } from '../shared/contract';
import { IMAGE_PIXELS, type ModelSpec, type TrainSettings } from '../shared/spec';
import { evaluate } from './evaluate';
import type { LabelledImages } from './idx';

/**
 * Each drawing is repeated so that my drawings make about 1% of an epoch's images, at least 10
 * and at most 200 times (one drawing among MNIST's 60,000: 200 copies, 0.3%).
 */
const DRAWINGS_SHARE = 0.01;
const MIN_REPEATS = 10;
const MAX_REPEATS = 200;

export function repeatsFor(trainCount: number, drawingCount: number): number {
  const wanted = Math.ceil((DRAWINGS_SHARE * trainCount) / drawingCount);
  return Math.min(MAX_REPEATS, Math.max(MIN_REPEATS, wanted));
}

/** The first `limit` images of `train` (all when undefined), then `repeats` copies of every drawing. */
export function withDrawings(
  train: LabelledImages,
  limit: number | undefined,
  drawings: LabelledImages,
  repeats: number,
): LabelledImages {
  const used = Math.min(train.count, limit ?? train.count);
  const count = used + drawings.count * repeats;
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  images.set(train.images.subarray(0, used * IMAGE_PIXELS));
  labels.set(train.labels.subarray(0, used));
  for (let r = 0; r < repeats; r++) {
    const at = used + r * drawings.count;
    images.set(drawings.images, at * IMAGE_PIXELS);
    labels.set(drawings.labels, at);
  }
  return { count, rows: train.rows, cols: train.cols, images, labels };
}

/** The fit settings of a fine-tune: the model's own, for `epochs`, on every image given, no validation split. */
export function fineTuneSettings(settings: TrainSettings, epochs: number): TrainSettings {
  return { ...settings, epochs, validationSplit: 0, trainLimit: undefined };
}

export function readingScore(
  model: tf.LayersModel,
  spec: ModelSpec,
  drawings: LabelledImages,
  test: LabelledImages,
): FineTuneResult['before'] {
  const mine = evaluate(model, spec, drawings);
  const correct = mine.confusion.reduce((sum, row, digit) => sum + row[digit], 0);
  const { loss, acc } = evaluate(model, spec, test);
  return { drawings: { correct, count: drawings.count, acc: correct / drawings.count }, test: { loss, acc } };
}
