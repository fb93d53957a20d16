import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src-main/shared/contract';
import { cellHeat, correctAmong, largestError, mistakesIn } from './evaluation';

const confusion = [
  [8, 2, 0],
  [1, 9, 0],
  [0, 0, 0],
];

const evaluation = {
  mistakes: [
    { index: 4, label: 0, predicted: 1, confidence: 0.6 },
    { index: 9, label: 0, predicted: 1, confidence: 0.9 },
    { index: 2, label: 1, predicted: 0, confidence: 0.7 },
  ],
} as Evaluation;

describe('confusion matrix helpers', () => {
  it('scales correct cells by their row and errors by the largest error', () => {
    expect(largestError(confusion)).toBe(2);
    expect(cellHeat(confusion, 0, 0)).toBe(0.8);
    expect(cellHeat(confusion, 0, 1)).toBe(1);
    expect(cellHeat(confusion, 1, 0)).toBeCloseTo(Math.sqrt(0.5));
    expect(cellHeat(confusion, 2, 2)).toBe(0);
  });

  it('lists the mistakes of one cell, most confident first', () => {
    expect(mistakesIn(evaluation, 0, 1)).toEqual([9, 4]);
    expect(mistakesIn(evaluation, 1, 2)).toEqual([]);
  });

  it('keeps the images that were not mistakes', () => {
    expect(correctAmong(evaluation, [1, 2, 3, 4])).toEqual([1, 3]);
  });
});
