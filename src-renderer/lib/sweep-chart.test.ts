import { describe, expect, it } from 'vitest';
import { accuracyFloor, log2Range, log2Ticks, PYTORCH_REFERENCE, sweepChartData } from './sweep-chart';

const point = (units: number, test_acc: number) => ({ units, params: 0, test_acc, test_loss: 0, seconds: 0 });

describe('sweepChartData', () => {
  it('puts every planned size on the x axis and fills in finished ones', () => {
    expect(sweepChartData([32, 8, 16], [point(8, 0.9)], false)).toEqual([
      [8, 16, 32],
      [0.9, null, null],
    ]);
  });
  it('adds the reference as a second series on the union of sizes', () => {
    const [xs, measured, reference] = sweepChartData([8, 1024], [point(8, 0.91), point(1024, 0.98)], true);
    expect(xs).toEqual([8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(measured).toEqual([0.91, null, null, null, null, null, null, 0.98]);
    expect(reference).toEqual([...PYTORCH_REFERENCE.map((row) => row.test_acc), null]);
  });
});

describe('log2 axis', () => {
  it('ticks at powers of two', () => {
    expect(log2Ticks(5.9, 1400)).toEqual([8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(log2Ticks(6, 10)).toEqual([8]);
  });
  it('leaves room around the end points', () => {
    const [min, max] = log2Range(8, 1024);
    expect(min).toBeLessThan(8);
    expect(min).toBeGreaterThan(4);
    expect(max).toBeGreaterThan(1024);
    expect(max).toBeLessThan(2048);
    expect(log2Range(null, null)).toEqual([4, 2048]);
  });
});

describe('accuracyFloor', () => {
  it('starts at 0.85 for good models and lower for weak ones', () => {
    expect(accuracyFloor([0.92, 0.98, null])).toBe(0.85);
    expect(accuracyFloor([0.473, 0.84])).toBe(0.45);
    expect(accuracyFloor([null])).toBe(0.85);
  });
});
