import { describe, expect, it } from 'vitest';
import { layerSpecSchema } from '../../src-main/shared/spec';
import { LAYER_TYPES, layerFieldIssues, newLayer } from './layers';

describe('layers', () => {
  it('creates valid defaults for every layer type', () => {
    for (const { type } of LAYER_TYPES) expect(layerSpecSchema.safeParse(newLayer(type)).success).toBe(true);
  });

  it('explains invalid fields in one sentence each', () => {
    expect(layerFieldIssues({ type: 'dense', units: 0, activation: 'relu' })).toEqual({
      units: 'Units must be a whole number from 1 to 8192.',
    });
    expect(layerFieldIssues({ type: 'dropout', rate: null })).toEqual({
      rate: 'Dropout rate must be at least 0 and below 1.',
    });
    expect(layerFieldIssues(newLayer('conv2d'))).toEqual({});
  });
});
