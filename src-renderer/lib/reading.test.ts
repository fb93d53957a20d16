import { describe, expect, it } from 'vitest';
import { readingOf, SURE_AT } from './reading';

describe('readingOf', () => {
  it('lists the three likeliest digits, most likely first', () => {
    const probabilities = [0.01, 0.02, 0.05, 0.6, 0.02, 0.25, 0.01, 0.01, 0.02, 0.01];
    expect(readingOf(probabilities).top).toEqual([
      { digit: 3, probability: 0.6 },
      { digit: 5, probability: 0.25 },
      { digit: 2, probability: 0.05 },
    ]);
  });

  it('is sure from 70% on, and not below', () => {
    const at = (p: number) => [p, 1 - p, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(SURE_AT).toBe(0.7);
    expect(readingOf(at(0.7)).sure).toBe(true);
    expect(readingOf(at(0.69)).sure).toBe(false);
    // A spread reading is not sure even when its top digit is far ahead of the second.
    expect(readingOf([0.5, 0.06, 0.06, 0.06, 0.06, 0.06, 0.05, 0.05, 0.05, 0.05]).sure).toBe(false);
  });

  it('breaks ties by the smaller digit', () => {
    expect(readingOf(new Array(10).fill(0.1)).top.map((entry) => entry.digit)).toEqual([0, 1, 2]);
  });
});
