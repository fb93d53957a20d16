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
export const MAX_LISTED_MISTAKES = 2000;
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

export function evaluate(model: tf.LayersModel, spec: ModelSpec, set: LabelledImages, batchSize = 1000): Evaluation {
  const batcher = new Batcher(set, inputShapeFor(spec));
  const order = Int32Array.from({ length: set.count }, (_, i) => i);
  const predicted = new Uint8Array(set.count);
  const mistakes: Evaluation['mistakes'] = [];
  let lossSum = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const output = tf.tidy(() => model.predict(batcher.batch(order, start, end).xs) as tf.Tensor);
    const probabilities = output.dataSync();
    output.dispose();
    for (let row = 0; row < end - start; row++) {
      const example = start + row;
      const offset = row * NUM_CLASSES;
      let best = 0;
      for (let c = 1; c < NUM_CLASSES; c++) if (probabilities[offset + c] > probabilities[offset + best]) best = c;
      const label = set.labels[example];
      predicted[example] = best;
      lossSum -= Math.log(Math.min(1 - LOG_EPSILON, Math.max(LOG_EPSILON, probabilities[offset + label])));
      if (best !== label && mistakes.length < MAX_LISTED_MISTAKES) {
        mistakes.push({ index: example, label, predicted: best, confidence: probabilities[offset + best] });
      }
    }
  }
  const { confusion, perClass } = classificationMetrics(set.labels, predicted);
  const correct = confusion.reduce((sum, row, cls) => sum + row[cls], 0);
  return { loss: lossSum / set.count, acc: correct / set.count, count: set.count, confusion, perClass, mistakes };
}
