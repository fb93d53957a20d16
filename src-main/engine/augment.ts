/**
 * Data augmentation for `fit`: every epoch each training image is redrawn a little differently
 * (shifted, rotated, scaled, its strokes thickened or thinned), so the model learns digits, not
 * MNIST's exact pixels. Works on the uint8 images before any batching, so every backend and
 * every batch path (the stock Batcher, the wasm heap batcher) sees the same augmented pixels.
 */
import type { LabelledImages } from './idx';

const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** How far each change may go; each image draws its own amounts uniformly within these. */
const AUGMENTATION = {
  /** Shift in pixels, each axis. */
  shift: 2,
  /** Rotation in degrees, either way. */
  rotation: 12,
  /** Scale factor range around 1. */
  scale: 0.1,
  /** Stroke thickness change: -1 is a full 3x3 erosion, +1 a full dilation. */
  thickness: 0.7,
} as const;

/**
 * Pixel values of `source` under a rotation by `angle` and scale `scale` about the centre, then a
 * shift by (dx, dy), sampled bilinearly (the inverse mapping: each output pixel looks up where it
 * came from; outside the image is background).
 */
function warp(
  source: Uint8Array,
  offset: number,
  out: Float32Array,
  angle: number,
  scale: number,
  dx: number,
  dy: number,
) {
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const c = SIZE / 2;
  for (let y = 0; y < SIZE; y++) {
    const oy = y + 0.5 - c - dy;
    for (let x = 0; x < SIZE; x++) {
      const ox = x + 0.5 - c - dx;
      const sx = cos * ox + sin * oy + c - 0.5;
      const sy = -sin * ox + cos * oy + c - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let value = 0;
      if (x0 >= -1 && y0 >= -1 && x0 < SIZE && y0 < SIZE) {
        const row0 = offset + y0 * SIZE;
        const row1 = row0 + SIZE;
        const left = x0 >= 0;
        const right = x0 + 1 < SIZE;
        const top = y0 >= 0;
        const bottom = y0 + 1 < SIZE;
        const a = top && left ? source[row0 + x0] : 0;
        const b = top && right ? source[row0 + x0 + 1] : 0;
        const d = bottom && left ? source[row1 + x0] : 0;
        const e = bottom && right ? source[row1 + x0 + 1] : 0;
        value = (a + (b - a) * fx) * (1 - fy) + (d + (e - d) * fx) * fy;
      }
      out[y * SIZE + x] = value;
    }
  }
}

/**
 * Blends `image` towards its 3x3-cross dilation (amount > 0) or erosion (amount < 0), writing
 * 0..255 into `target` at `offset`: thicker or thinner strokes.
 */
function thicken(image: Float32Array, amount: number, target: Uint8Array, offset: number) {
  const grow = amount > 0;
  const strength = Math.abs(amount);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = y * SIZE + x;
      const v = image[i];
      // Beyond the border is background: it never thickens, and does not erode the edge.
      const left = x > 0 ? image[i - 1] : v;
      const right = x < SIZE - 1 ? image[i + 1] : v;
      const up = y > 0 ? image[i - SIZE] : v;
      const down = y < SIZE - 1 ? image[i + SIZE] : v;
      let morphed = v;
      if (grow) {
        if (left > morphed) morphed = left;
        if (right > morphed) morphed = right;
        if (up > morphed) morphed = up;
        if (down > morphed) morphed = down;
      } else {
        if (left < morphed) morphed = left;
        if (right < morphed) morphed = right;
        if (up < morphed) morphed = up;
        if (down < morphed) morphed = down;
      }
      const value = v + strength * (morphed - v);
      target[offset + i] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
    }
  }
}

const scratch = new Float32Array(PIXELS);

/** Writes an augmented copy of image `index` of `source` into `target` at the same place. */
export function augmentImage(source: Uint8Array, target: Uint8Array, index: number, random: () => number): void {
  const between = (limit: number) => (random() * 2 - 1) * limit;
  const angle = (between(AUGMENTATION.rotation) * Math.PI) / 180;
  const scale = 1 + between(AUGMENTATION.scale);
  const dx = between(AUGMENTATION.shift);
  const dy = between(AUGMENTATION.shift);
  warp(source, index * PIXELS, scratch, angle, scale, dx, dy);
  thicken(scratch, between(AUGMENTATION.thickness), target, index * PIXELS);
}

/**
 * A copy of `set` whose images the caller refreshes each epoch with `refresh(indices)`: only the
 * given (training) images are redrawn; the others keep their original pixels.
 */
export function augmentedCopy(set: LabelledImages, random: () => number) {
  const images = new Uint8Array(set.images);
  return {
    set: { ...set, images } satisfies LabelledImages,
    refresh(indices: ArrayLike<number>): void {
      for (let i = 0; i < indices.length; i++) augmentImage(set.images, images, indices[i], random);
    },
  };
}
