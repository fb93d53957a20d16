/**
 * The pad's 28x28 images against MNIST's own: ink per image and stroke width, measured the same
 * way on the real MNIST test images the app ships and on the drawn font digits at every size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../engine/dataset';
import { inkMass, quantile, strokeWidth } from '../engine/testing/ink-stats';
import { centreOfMass, digitImage, type PenWidth } from '../shared/drawing';
import { PLACEMENTS, fontDigits } from './font-digits';

interface Spread {
  q25: number;
  median: number;
  q75: number;
}
function spread(values: number[]): Spread {
  return { q25: quantile(values, 0.25), median: quantile(values, 0.5), q75: quantile(values, 0.75) };
}

/** Longer side of the box of pixels holding any ink. */
function inkExtent(image: ArrayLike<number>): number {
  let minX = 28,
    maxX = -1,
    minY = 28,
    maxY = -1;
  for (let i = 0; i < image.length; i++) {
    if (image[i] <= 0) continue;
    const x = i % 28;
    const y = Math.floor(i / 28);
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  return Math.max(maxX - minX, maxY - minY) + 1;
}

let mnist: { ink: Spread; width: Spread; extent: Spread; centreX: number; centreY: number };
beforeAll(async () => {
  const { test } = await loadDataset({ kind: 'builtin' });
  const ink: number[] = [];
  const width: number[] = [];
  const extent: number[] = [];
  let centreX = 0;
  let centreY = 0;
  for (let i = 0; i < test.count; i++) {
    const image = Array.from(test.images.subarray(i * 784, (i + 1) * 784), (value) => value / 255);
    ink.push(inkMass(image));
    width.push(strokeWidth(image));
    extent.push(inkExtent(image));
    const centre = centreOfMass(image);
    centreX += (centre?.x ?? 0) / test.count;
    centreY += (centre?.y ?? 0) / test.count;
  }
  mnist = { ink: spread(ink), width: spread(width), extent: spread(extent), centreX, centreY };
});

/** Median ink and stroke width of the drawn digits at each placement on the pad. */
function drawnByPlacement(pen?: PenWidth): Record<string, { ink: number; width: number }> {
  const digits = fontDigits(2);
  return Object.fromEntries(
    PLACEMENTS.map(({ name }) => {
      const images = digits.filter((d) => d.placement === name).map((d) => digitImage(d.strokes, pen) as Float32Array);
      return [name, { ink: quantile(images.map(inkMass), 0.5), width: quantile(images.map(strokeWidth), 0.5) }];
    }),
  );
}

describe('the pad against MNIST', () => {
  it('measures MNIST as it is: strokes about 2 px wide, about 94 of ink per image', () => {
    expect(mnist.width.median).toBeGreaterThan(1.5);
    expect(mnist.width.median).toBeLessThan(2.5);
    expect(mnist.ink.median).toBeGreaterThan(80);
    expect(mnist.ink.median).toBeLessThan(110);
  });

  it('draws digits of any size with the median stroke width and ink of MNIST', () => {
    for (const [placement, drawn] of Object.entries(drawnByPlacement())) {
      expect({ placement, width: drawn.width }).toEqual({
        placement,
        width: expect.toSatisfy((w: number) => w >= mnist.width.q25 && w <= mnist.width.q75),
      });
      expect({ placement, ink: drawn.ink }).toEqual({
        placement,
        ink: expect.toSatisfy((ink: number) => ink >= mnist.ink.q25 && ink <= mnist.ink.q75),
      });
    }
  });

  it('places and sizes drawn digits as MNIST is placed and sized: the same mean centre of mass, the same ink extent', () => {
    const images = fontDigits(2).map((d) => digitImage(d.strokes) as Float32Array);
    const centres = images.map((image) => centreOfMass(image) ?? { x: 0, y: 0 });
    const meanX = centres.reduce((sum, c) => sum + c.x, 0) / centres.length;
    const meanY = centres.reduce((sum, c) => sum + c.y, 0) / centres.length;
    // MNIST's mean centre of mass is half a pixel right of and below the field's middle (14, 14).
    expect(Math.abs(mnist.centreX - 14.5)).toBeLessThan(0.1);
    expect(Math.abs(mnist.centreY - 14.5)).toBeLessThan(0.1);
    expect(Math.abs(meanX - mnist.centreX)).toBeLessThan(0.1);
    expect(Math.abs(meanY - mnist.centreY)).toBeLessThan(0.1);
    expect(mnist.extent).toEqual({ q25: 20, median: 20, q75: 20 });
    expect(quantile(images.map(inkExtent), 0.5)).toBe(20);
  });

  it('tells the old pen (a fixed share of the pad) apart: small digits came out far bolder than MNIST', () => {
    const small = drawnByPlacement({ ofPad: 0.075 })['small, bottom right'];
    expect(small.width).toBeGreaterThan(mnist.width.q75 * 1.5);
  });
});
