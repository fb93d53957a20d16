/**
 * Step 6 of the Keras example: `model.evaluate(test_images, test_labels)`, plus what a person
 * needs to see where the model errs: confusion matrix, per-class metrics, the mistakes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Evaluation } from '../shared/contract';
import { NUM_CLASSES, inputShapeFor, type ModelSpec } from '../shared/spec';
import { Batcher } from './dataset';
import type { LabelledImages } from './idx';

/** Mistakes beyond this many are counted in the matrix but not listed. */
const MAX_LISTED_MISTAKES = 2000;
const LOG_EPSILON = 1e-7;

/** Confusion matrix (confusion[actual][predicted]) and per-class precision, recall and F1. Pure. */
export function classificationMetrics(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses = NUM_CLASSES,
) {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) confusion[labels[i]][predicted[i]]++;
  const perClass = confusion.map((row, cls) => {
    const truePositives = row[cls];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, other) => sum + other[cls], 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  return { confusion, perClass };
}

export interface RowScores {
  /** Rows whose arg max (the first maximum winning, as tf.argMax) is the label. */
  correct: number;
  /** Sum over rows of Keras' categorical cross-entropy, -log(clip(p[label], 1e-7, 1 - 1e-7)). */
  lossSum: number;
  /** Whether every output is finite. */
  finite: boolean;
}

/**
 * Scores rows of a model's outputs (rows x NUM_CLASSES probabilities) for the examples
 * indices[start, end) of `labels`; writes each row's predicted class into `predicted` at the
 * example's position in `indices` when given. The one place accuracy and loss are computed
 * from outputs: for training batches, validation, sweeps and the test set.
 */
export function scoreRows(
  outputs: ArrayLike<number>,
  labels: Uint8Array,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  predicted?: Uint8Array,
): RowScores {
  let correct = 0;
  let lossSum = 0;
  let finite = true;
  for (let row = 0; row < end - start; row++) {
    const offset = row * NUM_CLASSES;
    let best = 0;
    for (let c = 0; c < NUM_CLASSES; c++) {
      const value = outputs[offset + c];
      if (!Number.isFinite(value)) finite = false;
      if (value > outputs[offset + best]) best = c;
    }
    const label = labels[indices[start + row]];
    if (best === label) correct++;
    lossSum -= Math.log(Math.min(1 - LOG_EPSILON, Math.max(LOG_EPSILON, outputs[offset + label])));
    if (predicted) predicted[start + row] = best;
  }
  return { correct, lossSum, finite };
}

/**
 * `model.evaluate`: loss, accuracy, confusion matrix, per-class metrics and mistakes over the
 * examples `indices` of `set` (all of them unless given), in batches without gradients.
 */
export function evaluate(
  model: tf.LayersModel,
  spec: ModelSpec,
  set: LabelledImages,
  indices: Int32Array = Int32Array.from({ length: set.count }, (_, i) => i),
  batchSize = 1000,
): Evaluation {
  const batcher = new Batcher(set, inputShapeFor(spec));
  const count = indices.length;
  const predicted = new Uint8Array(count);
  const mistakes: Evaluation['mistakes'] = [];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const output = tf.tidy(() => model.predict(batcher.batch(indices, start, end).xs) as tf.Tensor);
    const probabilities = output.dataSync();
    output.dispose();
    const scores = scoreRows(probabilities, set.labels, indices, start, end, predicted);
    lossSum += scores.lossSum;
    correct += scores.correct;
    for (let i = start; i < end && mistakes.length < MAX_LISTED_MISTAKES; i++) {
      const label = set.labels[indices[i]];
      if (predicted[i] !== label) {
        const confidence = probabilities[(i - start) * NUM_CLASSES + predicted[i]];
        mistakes.push({ index: indices[i], label, predicted: predicted[i], confidence });
      }
    }
  }
  const labels = Uint8Array.from(indices, (example) => set.labels[example]);
  const { confusion, perClass } = classificationMetrics(labels, predicted);
  return { loss: lossSum / count, acc: correct / count, count, confusion, perClass, mistakes };
}
