import { describe, expect, it } from 'vitest';
import { FIELD_SIZE, INK_BOX, INK_PEN_WIDTH, MASS_CENTRE, centreOfMass, digitImage, type Stroke } from './drawing';

/** A polyline through the given corners with a point every 0.005 pad units, as the pointer reports it. */
function line(...corners: [number, number][]): Stroke {
  const points: Stroke = [{ x: corners[0][0], y: corners[0][1] }];
  for (let i = 1; i < corners.length; i++) {
    const [ax, ay] = corners[i - 1];
    const [bx, by] = corners[i];
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 0.005));
    for (let s = 1; s <= steps; s++) points.push({ x: ax + ((bx - ax) * s) / steps, y: ay + ((by - ay) * s) / steps });
  }
  return points;
}

/** The same shape moved and scaled on the pad. */
function placed(strokes: Stroke[], scale: number, dx: number, dy: number): Stroke[] {
  return strokes.map((stroke) => stroke.map((p) => ({ ...p, x: p.x * scale + dx, y: p.y * scale + dy })));
}

function ink(image: Float32Array): number {
  return image.reduce((sum, value) => sum + value, 0);
}

/** Width and height of the ink's bounding box, in pixels (anything brighter than 0.02). */
function inkBox(image: Float32Array): { width: number; height: number } {
  let minX = FIELD_SIZE;
  let maxX = -1;
  let minY = FIELD_SIZE;
  let maxY = -1;
  image.forEach((value, i) => {
    if (value <= 0.02) return;
    minX = Math.min(minX, i % FIELD_SIZE);
    maxX = Math.max(maxX, i % FIELD_SIZE);
    minY = Math.min(minY, Math.floor(i / FIELD_SIZE));
    maxY = Math.max(maxY, Math.floor(i / FIELD_SIZE));
  });
  return { width: maxX - minX + 1, height: maxY - minY + 1 };
}

// An L: heavy on its left, so the centre of its box and its centre of mass differ.
const ELL = [line([0.1, 0.1], [0.1, 0.6], [0.4, 0.6])];

describe('digitImage', () => {
  it('is null for an empty pad', () => {
    expect(digitImage([])).toBeNull();
    expect(digitImage([[]])).toBeNull();
  });

  it("puts the intensity-weighted centre of mass where MNIST's is", () => {
    const image = digitImage(ELL) as Float32Array;
    expect(image).toHaveLength(FIELD_SIZE * FIELD_SIZE);
    const centre = centreOfMass(image);
    expect(MASS_CENTRE).toBe(14.5);
    expect(centre?.x).toBeCloseTo(MASS_CENTRE, 1);
    expect(centre?.y).toBeCloseTo(MASS_CENTRE, 1);
  });

  it('scales the ink so its longer side spans INK_BOX px, keeping the aspect ratio', () => {
    const bar = [line([0.5, 0.2], [0.5, 0.8])];
    const box = inkBox(digitImage(bar) as Float32Array);
    // INK_BOX px of ink fall on INK_BOX or one more pixels depending on the sub-pixel position.
    expect(box.height).toBeGreaterThanOrEqual(INK_BOX);
    expect(box.height).toBeLessThanOrEqual(INK_BOX + 1);
    // The pen is INK_PEN_WIDTH of the 0.6 long bar: the bar is about 2.2 px wide.
    expect(box.width).toBeLessThanOrEqual(4);
    const wide = inkBox(digitImage([line([0.2, 0.5], [0.8, 0.5])]) as Float32Array);
    expect(wide).toEqual({ width: box.height, height: box.width });
  });

  it('gives the same image whatever the size and place of the drawing', () => {
    const large = digitImage(placed(ELL, 1.6, 0, 0)) as Float32Array;
    const small = digitImage(placed(ELL, 0.4, 0.5, 0.5)) as Float32Array;
    let difference = 0;
    for (let i = 0; i < large.length; i++) difference += Math.abs(large[i] - small[i]);
    expect(difference / ink(large)).toBeLessThan(0.02);
    // The old pen, a fixed share of the pad, makes the small one far bolder than the large one.
    const padLarge = digitImage(placed(ELL, 1.6, 0, 0), { ofPad: 0.075 }) as Float32Array;
    const padSmall = digitImage(placed(ELL, 0.4, 0.5, 0.5), { ofPad: 0.075 }) as Float32Array;
    expect(ink(padSmall) / ink(padLarge)).toBeGreaterThan(2);
  });

  it('draws strokes INK_PEN_WIDTH of the ink wide, anti-aliased, in 0..1', () => {
    const bar = digitImage([line([0.5, 0.2], [0.5, 0.8])]) as Float32Array;
    // A capsule: the pen is INK_PEN_WIDTH of the 0.6 long bar, and the box (INK_BOX px) spans the bar plus one pen width.
    const width = (INK_PEN_WIDTH * INK_BOX) / (1 + INK_PEN_WIDTH);
    const capsule = (INK_BOX - width) * width + Math.PI * (width / 2) ** 2;
    // 8x8 supersampling counts each pixel's coverage in eighths along the bar's two long edges: up to ~7% off.
    expect(Math.abs(ink(bar) / capsule - 1)).toBeLessThan(0.08);
    expect(Math.min(...bar)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...bar)).toBeLessThanOrEqual(1);
    expect(bar[14 * FIELD_SIZE + 14]).toBeCloseTo(1, 5);
    expect(bar.some((value) => value > 0.05 && value < 0.95)).toBe(true);
  });

  it('widens the stroke where a pen presses harder, and treats 0.5 as no pressure', () => {
    const stroke = line([0.2, 0.5], [0.8, 0.5]);
    const plain = ink(digitImage([stroke]) as Float32Array);
    const half = ink(digitImage([stroke.map((p) => ({ ...p, pressure: 0.5 }))]) as Float32Array);
    const hard = ink(digitImage([stroke.map((p) => ({ ...p, pressure: 1 }))]) as Float32Array);
    expect(half).toBeCloseTo(plain, 5);
    // The ink box grows with the pen, so the image does not gain 1.5x; it still clearly gains.
    expect(hard).toBeGreaterThan(plain * 1.3);
  });

  it('draws a tap as a dot, and several strokes together', () => {
    const dot = digitImage([[{ x: 0.3, y: 0.3 }]]) as Float32Array;
    expect(ink(dot)).toBeCloseTo(Math.PI * (INK_BOX / 2) ** 2, -1);
    const plus = digitImage([line([0.2, 0.5], [0.8, 0.5]), line([0.5, 0.2], [0.5, 0.8])]) as Float32Array;
    const centre = centreOfMass(plus);
    expect(centre?.x).toBeCloseTo(MASS_CENTRE, 1);
    // The arms span pixels 5..23 and are about 2 px wide around the centre line 14.5.
    expect(plus[14 * FIELD_SIZE + 6]).toBeGreaterThan(0.9);
    expect(plus[6 * FIELD_SIZE + 14]).toBeGreaterThan(0.9);
    expect(plus[14 * FIELD_SIZE + 3]).toBe(0);
  });
});

describe('centreOfMass', () => {
  it('weights by intensity, in pixel-centre units', () => {
    expect(centreOfMass([1, 0, 0, 3], 4)).toEqual({ x: (0.5 * 1 + 3.5 * 3) / 4, y: 0.5 });
  });

  it('is null for an empty image', () => {
    expect(centreOfMass(new Float32Array(9), 3)).toBeNull();
  });
});
