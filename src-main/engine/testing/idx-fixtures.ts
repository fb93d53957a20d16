/** Builds small IDX files in memory for tests. */
export function idxBytes(
  dims: number[],
  values: ArrayLike<number>,
  options: { typeByte?: number; magicPrefix?: [number, number] } = {},
): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[0] = options.magicPrefix?.[0] ?? 0;
  header[1] = options.magicPrefix?.[1] ?? 0;
  header[2] = options.typeByte ?? 0x08;
  header[3] = dims.length;
  dims.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  const out = new Uint8Array(header.length + values.length);
  out.set(header);
  out.set(values, header.length);
  return out;
}

/** `count` 28x28 images whose pixels all equal the label times 20, plus the labels. */
export function tinyImageSet(count: number): { images: Uint8Array; labels: Uint8Array } {
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const images = new Uint8Array(count * 784);
  labels.forEach((label, i) => images.fill(label * 20, i * 784, (i + 1) * 784));
  return { images: idxBytes([count, 28, 28], images), labels: idxBytes([count], labels) };
}
