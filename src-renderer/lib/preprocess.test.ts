import { describe, expect, it } from 'vitest';
import {
  DIGIT_BOX,
  FIELD_SIZE,
  centreOfMass,
  inkBounds,
  preprocessDigit,
  resampleArea,
  type GrayImage,
} from './preprocess';

function canvas(width: number, height: number, ink: (x: number, y: number) => number): GrayImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = ink(x, y);
  return { width, height, data };
}

function field(values: Float32Array): GrayImage {
  return { width: FIELD_SIZE, height: FIELD_SIZE, data: values };
}

/** Width and height of the uniform rectangle with the same intensity spread (sqrt(12 * variance)). */
function spread(image: GrayImage): { width: number; height: number } {
  const centre = centreOfMass(image) as { x: number; y: number };
  let mass = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const value = image.data[y * image.width + x];
      mass += value;
      varianceX += value * (x + 0.5 - centre.x) ** 2;
      varianceY += value * (y + 0.5 - centre.y) ** 2;
    }
  }
  return { width: Math.sqrt((12 * varianceX) / mass), height: Math.sqrt((12 * varianceY) / mass) };
}

describe('preprocessDigit', () => {
  it('returns null for a blank pad', () => {
    expect(preprocessDigit(canvas(280, 280, () => 0))).toBeNull();
  });

  it('puts the intensity-weighted centre of mass at the centre of the 28x28 field', () => {
    // An L shape drawn in a corner: heavy on its left, so its box centre and mass centre differ.
    const drawing = canvas(280, 280, (x, y) =>
      (x >= 20 && x < 40 && y >= 10 && y < 150) || (y >= 130 && y < 150 && x >= 20 && x < 120) ? 1 : 0,
    );
    const result = preprocessDigit(drawing);
    expect(result).toHaveLength(784);
    const centre = centreOfMass(field(result as Float32Array));
    expect(centre?.x).toBeCloseTo(FIELD_SIZE / 2, 1);
    expect(centre?.y).toBeCloseTo(FIELD_SIZE / 2, 1);
  });

  it('scales the longer side to 20 px and keeps the aspect ratio', () => {
    // A 40 x 160 bar (1:4) far from the origin.
    const drawing = canvas(300, 300, (x, y) => (x >= 200 && x < 240 && y >= 100 && y < 260 ? 1 : 0));
    const result = field(preprocessDigit(drawing) as Float32Array);
    const size = spread(result);
    // Sub-pixel centring blurs by at most half a pixel, hence the tolerance.
    expect(size.height).toBeGreaterThan(DIGIT_BOX - 0.5);
    expect(size.height).toBeLessThan(DIGIT_BOX + 0.5);
    expect(size.width).toBeGreaterThan(DIGIT_BOX / 4 - 0.5);
    expect(size.width).toBeLessThan(DIGIT_BOX / 4 + 0.5);
    const ink = Array.from(result.data).reduce((sum, value) => sum + value, 0);
    expect(ink).toBeCloseTo(DIGIT_BOX * (DIGIT_BOX / 4), 3);
  });

  it('scales small drawings up to 20 px too', () => {
    const drawing = canvas(50, 50, (x, y) => (x >= 10 && x < 20 && y >= 10 && y < 20 ? 1 : 0));
    const size = spread(field(preprocessDigit(drawing) as Float32Array));
    expect(size.width).toBeCloseTo(DIGIT_BOX, 0);
    expect(size.height).toBeCloseTo(DIGIT_BOX, 0);
  });

  it('keeps values in 0..1 with anti-aliased (grey) edges, white ink on black', () => {
    const disc = canvas(280, 280, (x, y) => (Math.hypot(x - 140, y - 140) < 90 ? 1 : 0));
    const result = preprocessDigit(disc) as Float32Array;
    expect(Math.min(...result)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...result)).toBeLessThanOrEqual(1);
    expect(result[14 * FIELD_SIZE + 14]).toBeCloseTo(1, 5);
    expect(result[0]).toBe(0);
    expect(result.some((value) => value > 0.05 && value < 0.95)).toBe(true);
  });

  it('ignores faint noise below the ink threshold when cropping', () => {
    const drawing = canvas(100, 100, (x, y) => (x >= 40 && x < 60 && y >= 40 && y < 60 ? 1 : 0.01));
    expect(inkBounds(drawing)).toEqual({ x: 40, y: 40, width: 20, height: 20 });
  });
});

describe('resampleArea', () => {
  it('averages the covered area, so total ink scales with the area', () => {
    const checker = canvas(4, 4, (x, y) => ((x + y) % 2 === 0 ? 1 : 0));
    const result = resampleArea(checker, { x: 0, y: 0, width: 4, height: 4 }, 2, 2);
    expect(Array.from(result)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('handles ratios that are not whole numbers', () => {
    const solid = canvas(3, 3, () => 1);
    const result = resampleArea(solid, { x: 0, y: 0, width: 3, height: 3 }, 2, 2);
    for (const value of result) expect(value).toBeCloseTo(1, 6);
  });
});

describe('centreOfMass', () => {
  it('weights by intensity, in pixel-centre units', () => {
    const image = canvas(4, 1, (x) => (x === 0 ? 1 : x === 3 ? 3 : 0));
    expect(centreOfMass(image)).toEqual({ x: (0.5 * 1 + 3.5 * 3) / 4, y: 0.5 });
  });

  it('is null for an empty image', () => {
    expect(centreOfMass(canvas(3, 3, () => 0))).toBeNull();
  });
});
