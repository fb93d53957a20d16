/** Helpers for the Evaluate view's confusion matrix. Pure. */
import type { Evaluation } from '../../src-main/shared/contract';

/** One captioned image in a gallery of test digits. */
export interface GalleryItem {
  key: number;
  pixels: ArrayLike<number>;
  caption: string;
  description: string;
}

/** Largest count off the diagonal (the scale for error colours), at least 1. */
export function largestError(confusion: number[][]): number {
  let largest = 1;
  confusion.forEach((row, actual) =>
    row.forEach((count, predicted) => {
      if (actual !== predicted && count > largest) largest = count;
    }),
  );
  return largest;
}

/**
 * Heat for one cell, 0..1. Correct cells scale by their row's total; errors by the largest error,
 * on a square-root scale so that a handful of mistakes is still visible next to hundreds.
 */
export function cellHeat(confusion: number[][], actual: number, predicted: number): number {
  const count = confusion[actual]?.[predicted] ?? 0;
  if (count === 0) return 0;
  if (actual === predicted) {
    const total = confusion[actual].reduce((sum, value) => sum + value, 0);
    return total === 0 ? 0 : count / total;
  }
  return Math.sqrt(count / largestError(confusion));
}

/** Test-set indices of the listed mistakes for one off-diagonal cell, most confident first. */
export function mistakesIn(evaluation: Evaluation, actual: number, predicted: number): number[] {
  return evaluation.mistakes
    .filter((mistake) => mistake.label === actual && mistake.predicted === predicted)
    .sort((a, b) => b.confidence - a.confidence)
    .map((mistake) => mistake.index);
}

/** Indices from `candidates` (images of one class) that the evaluation did not list as mistakes. */
export function correctAmong(evaluation: Evaluation, candidates: number[]): number[] {
  const wrong = new Set(evaluation.mistakes.map((mistake) => mistake.index));
  return candidates.filter((index) => !wrong.has(index));
}
