import { describe, expect, it } from 'vitest';
import { classificationMetrics, scoreRows } from './evaluate';

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

describe('scoreRows', () => {
  // Two classes' worth of outputs would not do: rows are NUM_CLASSES (10) wide.
  const row = (hot: number, value = 0.91) =>
    Array.from({ length: 10 }, (_, c) => (c === hot ? value : (1 - value) / 9));
  const labels = Uint8Array.from([3, 5, 7]);

  it('counts rows whose first maximum is the label, sums clipped cross-entropy, and fills predictions', () => {
    const tie = new Array(10).fill(0.1);
    const outputs = [...row(3), ...row(2), ...tie];
    const predicted = new Uint8Array(3);
    const { correct, lossSum, finite } = scoreRows(outputs, labels, [0, 1, 2], 0, 3, predicted);
    expect(correct).toBe(1);
    expect(Array.from(predicted)).toEqual([3, 2, 0]);
    expect(lossSum).toBeCloseTo(-Math.log(0.91) - Math.log(0.01) - Math.log(0.1), 10);
    expect(finite).toBe(true);
  });

  it('picks rows through the indices, clips a zero probability at 1e-7, and notices NaN', () => {
    const outputs = [...row(5, 1), ...row(0, 1)];
    const scores = scoreRows(outputs, labels, [2, 1, 0], 1, 3);
    expect(scores.correct).toBe(1);
    expect(scores.lossSum).toBeCloseTo(-Math.log(1 - 1e-7) - Math.log(1e-7), 6);
    expect(scores.finite).toBe(true);
    const withNaN = [...row(3), ...row(5)];
    withNaN[12] = Number.NaN;
    expect(scoreRows(withNaN, labels, [0, 1], 0, 2).finite).toBe(false);
  });
});
