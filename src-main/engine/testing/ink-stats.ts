/**
 * Two measurements of a 28x28 digit that say whether a drawing looks like MNIST: how much ink it
 * holds and how wide its strokes are. Used to compare the pad's images with MNIST's own.
 */
const SIZE = 28;
/** A pixel counts as ink for the skeleton when at least this bright (MNIST's strokes have grey edges). */
const INK = 0.5;

/** Total intensity (0..1 per pixel): a 20 px long stroke 2 px wide holds about 40. */
export function inkMass(image: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < image.length; i++) sum += image[i];
  return sum;
}

/**
 * Zhang-Suen thinning of the pixels at least INK bright: the one-pixel-wide centre lines of the
 * strokes, as a 0/1 grid.
 */
export function skeleton(image: ArrayLike<number>): Uint8Array {
  const on = new Uint8Array(SIZE * SIZE);
  for (let i = 0; i < on.length; i++) on[i] = image[i] >= INK ? 1 : 0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= SIZE || y >= SIZE ? 0 : on[y * SIZE + x]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const pass of [0, 1]) {
      const remove: number[] = [];
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          if (!on[y * SIZE + x]) continue;
          // Neighbours clockwise from north: P2..P9.
          const n = [
            at(x, y - 1),
            at(x + 1, y - 1),
            at(x + 1, y),
            at(x + 1, y + 1),
            at(x, y + 1),
            at(x - 1, y + 1),
            at(x - 1, y),
            at(x - 1, y - 1),
          ];
          const count = n.reduce((a, b) => a + b, 0);
          if (count < 2 || count > 6) continue;
          let transitions = 0;
          for (let k = 0; k < 8; k++) if (n[k] === 0 && n[(k + 1) % 8] === 1) transitions++;
          if (transitions !== 1) continue;
          const [p2, , p4, , p6, , p8] = n;
          const ok = pass === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0;
          if (ok) remove.push(y * SIZE + x);
        }
      }
      for (const i of remove) on[i] = 0;
      if (remove.length) changed = true;
    }
  }
  return on;
}

/**
 * Mean stroke width in pixels: the ink divided by the length of its centre lines (the skeleton's
 * pixels, diagonal steps counted as √2). NaN for an image with no stroke.
 */
export function strokeWidth(image: ArrayLike<number>): number {
  const bones = skeleton(image);
  let length = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (!bones[y * SIZE + x]) continue;
      // Each pixel stands for half its links to the neighbours (a chain pixel has two).
      let links = 0;
      for (const [dx, dy, step] of [
        [1, 0, 1],
        [-1, 0, 1],
        [0, 1, 1],
        [0, -1, 1],
        [1, 1, Math.SQRT2],
        [-1, 1, Math.SQRT2],
        [1, -1, Math.SQRT2],
        [-1, -1, Math.SQRT2],
      ]) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < SIZE && ny < SIZE && bones[ny * SIZE + nx]) links += step / 2;
      }
      length += Math.max(1, links);
    }
  }
  return length > 0 ? inkMass(image) / length : Number.NaN;
}

/** The q-quantile (0..1) of the values, by linear interpolation. */
export function quantile(values: number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
