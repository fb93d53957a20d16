/**
 * A drawing as the Draw view stores it (strokes of points in pad units, 0..1, with the pen's
 * pressure where the device gives it) and the 28x28 image the model sees of it, made the way
 * MNIST's digits were: the ink scaled so its longer side covers 20 pixels, anti-aliased, and
 * placed so its intensity-weighted centre of mass sits where MNIST's does.
 *
 * The strokes are rendered straight into that field with a pen whose width is a fraction of the
 * ink's size, not of the pad's: a digit drawn small or large comes out with the same MNIST-like
 * stroke width. Pure (no canvas, no DOM), so the renderer and Node compute the very same image.
 */

export interface Point {
  x: number;
  y: number;
  /** 0..1 as PointerEvent reports it for a pen; absent for mouse and touch. */
  pressure?: number;
}
export type Stroke = Point[];

export const FIELD_SIZE = 28;
/** MNIST's digit box: the longer side of every MNIST digit's ink covers exactly 20 pixels. */
const DIGIT_BOX = 20;
/**
 * The longer side of the ink's outline, in field pixels. One less than DIGIT_BOX because placing
 * the outline at a sub-pixel position spreads its coverage over one pixel more: at 19 the ink
 * covers 20 pixels, as in MNIST (at 20 it covers 21). Measured on the font digits
 * (`npm run pad-eval`), 19 also reads them far better than 20 (Keras example, 1 epoch:
 * ~85% against ~78%) while MNIST's own test digits shrunk by 19/20 lose 0.2 points.
 */
export const INK_BOX = DIGIT_BOX - 1;
/**
 * Where the centre of mass goes: MNIST's mean centre of mass is (14.5, 14.5) in these units
 * (pixel i spans [i, i + 1)); MNIST put it on the centre of pixel (14, 14), not on the field's
 * middle (14, 14), and models trained on MNIST see the half-pixel difference.
 */
export const MASS_CENTRE = FIELD_SIZE / 2 + 0.5;

/**
 * How wide the pen is: a fraction of the longer side of the strokes' extent (`ofInk`), or a fixed
 * fraction of the pad (`ofPad`, how the pad worked before; kept to measure the difference).
 */
export type PenWidth = { ofInk: number } | { ofPad: number };

/**
 * The pen width relative to the ink that gives MNIST-like strokes: it puts the median stroke width
 * and ink per image of drawn digits inside MNIST's own (src-main/engine/drawing.test.ts measures both).
 */
export const INK_PEN_WIDTH = 0.11;

/** Anti-aliasing: each pixel's coverage is the share of SUPERSAMPLE x SUPERSAMPLE sample points inside the ink. */
const SUPERSAMPLE = 8;

/** A pen pressing at `pressure` draws from 0.5x (lightest) to 1.5x (hardest) the nominal width; 0.5 is nominal. */
function pressureScale(point: Point): number {
  return point.pressure === undefined ? 1 : 0.5 + Math.min(1, Math.max(0, point.pressure));
}

interface Placement {
  /** Field pixels per pad unit. */
  scale: number;
  /** Where pad point (0, 0) lands in field pixels. */
  offsetX: number;
  offsetY: number;
}

/** Marks every sample point within the pen's reach of the segment a-b (round caps and joins). */
function paintSegment(samples: Uint8Array, a: Point, b: Point, radiusA: number, radiusB: number, place: Placement) {
  const grid = FIELD_SIZE * SUPERSAMPLE;
  const toGrid = place.scale * SUPERSAMPLE;
  const ax = (a.x * place.scale + place.offsetX) * SUPERSAMPLE;
  const ay = (a.y * place.scale + place.offsetY) * SUPERSAMPLE;
  const bx = (b.x * place.scale + place.offsetX) * SUPERSAMPLE;
  const by = (b.y * place.scale + place.offsetY) * SUPERSAMPLE;
  const ra = radiusA * toGrid;
  const rb = radiusB * toGrid;
  const reach = Math.max(ra, rb);
  const minX = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
  const maxX = Math.min(grid - 1, Math.ceil(Math.max(ax, bx) + reach));
  const minY = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const maxY = Math.min(grid - 1, Math.ceil(Math.max(ay, by) + reach));
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5 - ay;
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5 - ax;
      const t = lengthSquared > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / lengthSquared)) : 0;
      const ex = px - t * dx;
      const ey = py - t * dy;
      const radius = ra + (rb - ra) * t;
      if (ex * ex + ey * ey <= radius * radius) samples[y * grid + x] = 1;
    }
  }
}

/** The strokes' coverage of each field pixel (0..1), placed by `place`. */
function render(strokes: Stroke[], penRadius: number, place: Placement): Float32Array {
  const grid = FIELD_SIZE * SUPERSAMPLE;
  const samples = new Uint8Array(grid * grid);
  for (const stroke of strokes) {
    // A stroke of one point (a tap) is a dot: a segment from the point to itself.
    for (let i = stroke.length === 1 ? 0 : 1; i < stroke.length; i++) {
      const a = stroke[Math.max(0, i - 1)];
      const b = stroke[i];
      paintSegment(samples, a, b, penRadius * pressureScale(a), penRadius * pressureScale(b), place);
    }
  }
  const field = new Float32Array(FIELD_SIZE * FIELD_SIZE);
  const share = 1 / (SUPERSAMPLE * SUPERSAMPLE);
  for (let y = 0; y < grid; y++) {
    const row = Math.floor(y / SUPERSAMPLE) * FIELD_SIZE;
    for (let x = 0; x < grid; x++) {
      if (samples[y * grid + x]) field[row + Math.floor(x / SUPERSAMPLE)] += share;
    }
  }
  return field;
}

/** Intensity-weighted centre of mass in field pixels (pixel i spans [i, i + 1)); null if there is no ink. */
export function centreOfMass(field: ArrayLike<number>, width = FIELD_SIZE): { x: number; y: number } | null {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < field.length; i++) {
    const value = field[i];
    mass += value;
    sumX += value * ((i % width) + 0.5);
    sumY += value * (Math.floor(i / width) + 0.5);
  }
  return mass > 0 ? { x: sumX / mass, y: sumY / mass } : null;
}

/**
 * The 784 values (0..1, white digit on black, row-major) the model should see for the strokes,
 * or null when there is nothing drawn.
 */
export function digitImage(strokes: Stroke[], pen: PenWidth = { ofInk: INK_PEN_WIDTH }): Float32Array | null {
  const points = strokes.flat();
  if (points.length === 0) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const { x, y } of points) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const extent = Math.max(maxX - minX, maxY - minY);
  // A single dot has no extent: any width draws the same disc once scaled to the box.
  const penWidth = 'ofPad' in pen ? pen.ofPad : extent > 0 ? pen.ofInk * extent : 1;
  // The ink's box: the strokes' extent plus the pen's reach at every point.
  let inkMinX = Infinity;
  let inkMinY = Infinity;
  let inkMaxX = -Infinity;
  let inkMaxY = -Infinity;
  for (const point of points) {
    const reach = (penWidth / 2) * pressureScale(point);
    inkMinX = Math.min(inkMinX, point.x - reach);
    inkMaxX = Math.max(inkMaxX, point.x + reach);
    inkMinY = Math.min(inkMinY, point.y - reach);
    inkMaxY = Math.max(inkMaxY, point.y + reach);
  }
  const scale = INK_BOX / Math.max(inkMaxX - inkMinX, inkMaxY - inkMinY);
  const boxWidth = (inkMaxX - inkMinX) * scale;
  const boxHeight = (inkMaxY - inkMinY) * scale;
  // First the box in the middle of the field, to find the centre of mass; then again, shifted so
  // the mass sits at the centre (never pushing ink off the field: only lopsided shapes need that).
  const centred: Placement = {
    scale,
    offsetX: (FIELD_SIZE - boxWidth) / 2 - inkMinX * scale,
    offsetY: (FIELD_SIZE - boxHeight) / 2 - inkMinY * scale,
  };
  const first = render(strokes, penWidth / 2, centred);
  const mass = centreOfMass(first);
  if (!mass) return first;
  const boxLeft = (FIELD_SIZE - boxWidth) / 2;
  const boxTop = (FIELD_SIZE - boxHeight) / 2;
  const shiftX = Math.max(-boxLeft, Math.min(boxLeft, MASS_CENTRE - mass.x));
  const shiftY = Math.max(-boxTop, Math.min(boxTop, MASS_CENTRE - mass.y));
  return render(strokes, penWidth / 2, {
    scale,
    offsetX: centred.offsetX + shiftX,
    offsetY: centred.offsetY + shiftY,
  });
}
