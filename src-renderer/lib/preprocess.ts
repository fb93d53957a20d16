/**
 * MNIST-style preprocessing of a drawing, as LeCun et al. describe the original digits: crop to
 * the ink, scale the longer side to 20 px keeping the aspect ratio (anti-aliased by area
 * averaging), then place it in a 28x28 field so that the intensity-weighted centre of mass sits
 * at the field's centre. Pure: no DOM, so it tests in plain Node.
 */

export const FIELD_SIZE = 28;
export const DIGIT_BOX = 20;

/** A grey image: `data[y * width + x]` is ink intensity, 0 (none) to 1 (full). */
export interface GrayImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The smallest rectangle holding every pixel brighter than `threshold`; null when there is no ink. */
export function inkBounds(image: GrayImage, threshold = 0.02): Bounds | null {
  let minX = image.width;
  let minY = image.height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[y * image.width + x] > threshold) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** For each output cell of a 1-D resample from `from` to `to` cells: [source index, weight] pairs. */
function areaWeights(from: number, to: number): [number, number][][] {
  const ratio = from / to;
  return Array.from({ length: to }, (_, out) => {
    const start = out * ratio;
    const end = start + ratio;
    const weights: [number, number][] = [];
    for (let source = Math.floor(start); source < Math.min(from, Math.ceil(end)); source++) {
      const overlap = Math.min(end, source + 1) - Math.max(start, source);
      if (overlap > 0) weights.push([source, overlap / ratio]);
    }
    return weights;
  });
}

/** Resamples the `region` of `image` to width x height by area averaging (a box filter: anti-aliased). */
export function resampleArea(image: GrayImage, region: Bounds, width: number, height: number): Float32Array {
  const columns = areaWeights(region.width, width);
  const rows = areaWeights(region.height, height);
  const horizontal = new Float32Array(region.height * width);
  for (let y = 0; y < region.height; y++) {
    const rowStart = (region.y + y) * image.width + region.x;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const [source, weight] of columns[x]) sum += image.data[rowStart + source] * weight;
      horizontal[y * width + x] = sum;
    }
  }
  const result = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const [source, weight] of rows[y]) sum += horizontal[source * width + x] * weight;
      result[y * width + x] = sum;
    }
  }
  return result;
}

/** Intensity-weighted centre of mass, in pixel units where pixel i spans [i, i + 1); null if all zero. */
export function centreOfMass(image: GrayImage): { x: number; y: number } | null {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const value = image.data[y * image.width + x];
      mass += value;
      sumX += value * (x + 0.5);
      sumY += value * (y + 0.5);
    }
  }
  return mass > 0 ? { x: sumX / mass, y: sumY / mass } : null;
}

/**
 * Adds `source` into the field shifted by a fractional offset, splatting each pixel bilinearly
 * over four cells: total intensity is kept and the centre of mass moves by exactly the offset.
 */
function splat(field: Float32Array, source: GrayImage, offsetX: number, offsetY: number): void {
  const baseX = Math.floor(offsetX);
  const baseY = Math.floor(offsetY);
  const fracX = offsetX - baseX;
  const fracY = offsetY - baseY;
  const cells: [number, number, number][] = [
    [0, 0, (1 - fracX) * (1 - fracY)],
    [1, 0, fracX * (1 - fracY)],
    [0, 1, (1 - fracX) * fracY],
    [1, 1, fracX * fracY],
  ];
  for (let y = 0; y < source.height; y++) {
    for (let x = 0; x < source.width; x++) {
      const value = source.data[y * source.width + x];
      if (value === 0) continue;
      for (const [dx, dy, weight] of cells) {
        const fx = baseX + x + dx;
        const fy = baseY + y + dy;
        if (weight > 0 && fx >= 0 && fx < FIELD_SIZE && fy >= 0 && fy < FIELD_SIZE) {
          field[fy * FIELD_SIZE + fx] += value * weight;
        }
      }
    }
  }
}

/**
 * The 784 values (0..1, white digit on black, row-major) the model should see for a drawing,
 * or null when the drawing has no ink.
 */
export function preprocessDigit(image: GrayImage): Float32Array | null {
  const bounds = inkBounds(image);
  if (!bounds) return null;
  const scale = DIGIT_BOX / Math.max(bounds.width, bounds.height);
  const width = Math.max(1, Math.min(DIGIT_BOX, Math.round(bounds.width * scale)));
  const height = Math.max(1, Math.min(DIGIT_BOX, Math.round(bounds.height * scale)));
  const digit: GrayImage = { width, height, data: resampleArea(image, bounds, width, height) };
  const centre = centreOfMass(digit);
  const field = new Float32Array(FIELD_SIZE * FIELD_SIZE);
  if (!centre) return field;
  // Centre the mass, but never push ink off the field (only very lopsided shapes need the clamp).
  const offsetX = Math.max(0, Math.min(FIELD_SIZE - width, FIELD_SIZE / 2 - centre.x));
  const offsetY = Math.max(0, Math.min(FIELD_SIZE - height, FIELD_SIZE / 2 - centre.y));
  splat(field, digit, offsetX, offsetY);
  for (let i = 0; i < field.length; i++) field[i] = Math.min(1, Math.max(0, field[i]));
  return field;
}
