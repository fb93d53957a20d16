import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  inputRange,
  layerFieldIssues,
  limitMessage,
  limitSchema,
  optimizerIssues,
  settingsIssues,
  type NumberLimit,
} from './spec';

const entries = Object.entries(LIMITS) as [string, NumberLimit][];

/** The smallest value the schema refuses above `max`, and below `min`. */
function justOutside(limit: NumberLimit): [below: number, above: number] {
  const unit = limit.whole ? 1 : (limit.step ?? 0.01) / 10;
  return [limit.aboveMin ? limit.min : limit.min - unit, limit.belowMax ? limit.max : limit.max + unit];
}

describe('the limits table', () => {
  it.each(entries)('%s: the schema accepts the range the message names and refuses just outside it', (_, limit) => {
    const schema = limitSchema(limit);
    const [below, above] = justOutside(limit);
    expect(schema.safeParse(below).success).toBe(false);
    expect(schema.safeParse(above).success).toBe(false);
    const inside = inputRange(limit);
    expect(schema.safeParse(limit.aboveMin ? inside.step : inside.min).success).toBe(true);
    expect(schema.safeParse(inside.max).success).toBe(true);
    if (limit.whole) expect(schema.safeParse(limit.min + 0.5).success).toBe(false);
    const message = limitMessage(limit);
    expect(message.startsWith(`${limit.label} must be`)).toBe(true);
    expect(message).toContain(limit.min >= 10_000 ? limit.min.toLocaleString('en-US') : String(limit.min));
    expect(message).toContain(limit.max >= 10_000 ? limit.max.toLocaleString('en-US') : String(limit.max));
  });

  it('gives each field the sentence of its own limit', () => {
    expect(layerFieldIssues({ type: 'dense', units: 8193, activation: 'relu' })).toEqual({
      units: 'Units must be a whole number from 1 to 8192.',
    });
    // Conv2D strides stop at 4, MaxPooling2D strides at 8: the sentences say so.
    const conv = { type: 'conv2d', filters: 8, kernelSize: 3, strides: 5, padding: 'valid', activation: 'relu' };
    expect(layerFieldIssues(conv)).toEqual({ strides: 'Strides must be a whole number from 1 to 4.' });
    expect(layerFieldIssues({ type: 'maxPooling2d', poolSize: 2, strides: 8 })).toEqual({});
    expect(layerFieldIssues({ type: 'maxPooling2d', poolSize: 2, strides: 9 })).toEqual({
      strides: 'Strides must be a whole number from 1 to 8.',
    });
    expect(optimizerIssues({ name: 'rmsprop', learningRate: 0 })).toEqual({
      learningRate: 'Learning rate must be greater than 0 and at most 10.',
    });
    expect(settingsIssues({ epochs: 1, batchSize: 4097, validationSplit: 0.6, shuffle: true, seed: -1 })).toEqual({
      batchSize: 'Batch size must be a whole number from 1 to 4096.',
      validationSplit: 'Validation split must be between 0 and 0.5.',
      seed: 'Seed must be a whole number from 0 to 2,147,483,647.',
    });
  });

  it('stops inputs one step short of an excluded maximum', () => {
    expect(inputRange(LIMITS.dropoutRate)).toEqual({ min: 0, max: 0.95, step: 0.05 });
    expect(inputRange(LIMITS.units)).toEqual({ min: 1, max: 8192 });
  });
});
