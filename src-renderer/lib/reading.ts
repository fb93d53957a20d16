/**
 * What the Draw view says about a reading: the three likeliest digits, and whether the model is
 * sure. The rule, as the view states it: sure when the top digit has at least 70%. Pure.
 */
export const SURE_AT = 0.7;

export interface Reading {
  /** The likeliest digits, most likely first, ties by the smaller digit. */
  top: { digit: number; probability: number }[];
  sure: boolean;
}

export function readingOf(probabilities: ArrayLike<number>, count = 3): Reading {
  const top = Array.from(probabilities, (probability, digit) => ({ digit, probability }))
    .sort((a, b) => b.probability - a.probability || a.digit - b.digit)
    .slice(0, count);
  return { top, sure: top.length > 0 && top[0].probability >= SURE_AT };
}
