/** A convolution's geometry in the conv kernel tests, and its name in the test list. */
export interface ConvCase {
  batch: number;
  size: number;
  inChannels: number;
  filters: number;
  kernel: number;
  stride: number;
  pad: 'valid' | 'same';
}

export const convName = (c: ConvCase) =>
  `batch ${c.batch}, ${c.size}x${c.size}x${c.inChannels} -> ${c.filters} filters ${c.kernel}x${c.kernel}, stride ${c.stride}, ${c.pad}`;
