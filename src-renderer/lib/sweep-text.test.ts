import { describe, expect, it } from 'vitest';
import { describeRun, describeSettings, describeUnits, exampleParams, formatSeconds } from './sweep-text';

describe('sweep text', () => {
  it("counts the example's params like model.summary()", () => {
    expect(exampleParams(512)).toBe(407050);
    expect(exampleParams(8)).toBe(6370);
  });
  it('shortens long size lists', () => {
    expect(describeUnits([8, 16])).toBe('8, 16');
    expect(describeUnits([8, 16, 32, 64, 128, 256, 512, 1024])).toBe('8, 16, …, 1024 (8 sizes)');
  });
  it('describes settings and runs', () => {
    const settings = { units: [8], epochs: 1, batchSize: 32, learningRate: 0.001, seed: 42 };
    expect(describeSettings(settings)).toBe('1 epoch · all 60,000 images');
    expect(describeSettings({ ...settings, epochs: 5, trainLimit: 2000 })).toBe('5 epochs · 2,000 images');
    expect(describeRun({ run: 3, runs: 8, units: 32, epoch: 1, epochs: 5 })).toBe('Run 3 of 8 — 32 units, epoch 1/5');
  });
});

describe('formatSeconds', () => {
  it('keeps tenths for short runs', () => {
    expect(formatSeconds(0.234)).toBe('0.2 s');
    expect(formatSeconds(9.4)).toBe('9.4 s');
    expect(formatSeconds(65)).toBe('1 min 05 s');
  });
});
