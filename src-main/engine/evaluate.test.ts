import { describe, expect, it } from 'vitest';
import { classificationMetrics } from './evaluate';

describe('classificationMetrics', () => {
  // Three classes, eight examples, worked by hand:
  // actual:    0 0 0 1 1 2 2 2
  // predicted: 0 0 1 1 2 2 2 0
  const labels = [0, 0, 0, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 1, 2, 2, 2, 0];
  const { confusion, perClass } = classificationMetrics(labels, predicted, 3);

  it('counts confusion[actual][predicted]', () => {
    expect(confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
  });

  it('computes precision, recall and F1 per class', () => {
    // class 0: TP 2, predicted 3, actual 3 -> P 2/3, R 2/3, F1 2/3
    // class 1: TP 1, predicted 2, actual 2 -> P 1/2, R 1/2, F1 1/2
    // class 2: TP 2, predicted 3, actual 3 -> P 2/3, R 2/3
    expect(perClass[0].precision).toBeCloseTo(2 / 3);
    expect(perClass[0].recall).toBeCloseTo(2 / 3);
    expect(perClass[0].f1).toBeCloseTo(2 / 3);
    expect(perClass[1]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(perClass[2].support).toBe(3);
  });

  it('gives 0 rather than NaN for a class never predicted or never present', () => {
    const metrics = classificationMetrics([0, 0], [0, 0], 2);
    expect(metrics.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });
});
