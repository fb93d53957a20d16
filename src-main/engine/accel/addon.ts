/**
 * The OpenBLAS addon's interface (native/mnist_accel.c), typed: one object of named arguments
 * per call. Each kernel's field list below is the order of its C `*_args` struct; `NativeAddon`
 * writes the object into a reused Float64Array in that order and the C side decodes it into the
 * struct (a mismatched list fails loudly, and INTERFACE_VERSION guards the whole layout).
 * Activations are names everywhere in TypeScript; this is the one place they become C codes.
 * Tensors are byte offsets into the WebAssembly heap; -1 (or undefined here) for an absent one.
 */

/** The C side's INTERFACE_VERSION this module is written for. */
const ADDON_INTERFACE_VERSION = 2;

const ACTIVATION_CODES = { linear: 0, relu: 1, relu6: 2 } as const;
export type NativeActivation = keyof typeof ACTIVATION_CODES;

export function isNativeActivation(name: string): name is NativeActivation {
  return Object.hasOwn(ACTIVATION_CODES, name);
}

export interface MatMulArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  a: number;
  /** Floats between a's matrices (0: one matrix broadcast over the batch); likewise bStride. */
  aStride: number;
  b: number;
  bStride: number;
  out: number;
  bias?: number;
  /** n (per column) or 1 (scalar). */
  biasSize: number;
  activation: NativeActivation;
  /** Whether the zero-skipping product may run (AVX-512, mostly-zero left operand). */
  sparse: boolean;
}

export interface RmspropArgs {
  count: number;
  value: number;
  meanSquare: number;
  moment: number;
  gradient: number;
  /** Either the inputs' own offsets (in place) or memory overlapping none of them. */
  newValue: number;
  newMeanSquare: number;
  newMoment: number;
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

export interface DenseGradArgs {
  m: number;
  k: number;
  n: number;
  x: number;
  w: number;
  y: number;
  dy: number;
  dw: number;
  db?: number;
  dx?: number;
  activation: 'linear' | 'relu';
  sparse: boolean;
}

export interface SoftmaxCrossEntropyArgs {
  rows: number;
  classes: number;
  logits: number;
  labels: number;
  probabilities: number;
  loss: number;
}

export interface SoftmaxCrossEntropyGradArgs {
  rows: number;
  classes: number;
  probabilities: number;
  labels: number;
  dy: number;
  dlogits: number;
}

/** A convolution's (or pool's) shape, as conv.ts reads it from tfjs' Conv2DInfo. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  /** Output channels (for pools: the input's). */
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export interface Conv2dArgs {
  x: number;
  filter: number;
  bias?: number;
  out: number;
  activation: 'linear' | 'relu';
  /** 2: the images in two halves on two threads (where the machine has two cores). */
  threads: number;
}

export interface Conv2dGradArgs {
  x?: number;
  filter?: number;
  /** The forward output (relu's mask). */
  y?: number;
  dy: number;
  dFilter?: number;
  dBias?: number;
  dx?: number;
  activation: 'linear' | 'relu';
  threads: number;
}

/** With `out`: the forward pass; with `dy` and `dx`: the gradient (the window's first maximum gets it). */
export interface MaxPoolArgs {
  x: number;
  out?: number;
  dy?: number;
  dx?: number;
  /** 2: the images in two halves on two threads (where there are two cores). */
  threads: number;
}

export interface AdamArgs {
  count: number;
  value: number;
  first: number;
  second: number;
  gradient: number;
  /** Either the inputs' own offsets (in place) or memory overlapping none of them. */
  newValue: number;
  newFirst: number;
  newSecond: number;
  beta1: number;
  beta2: number;
  /** 1 - accBeta1 and 1 - accBeta2 as float32 (what the stock optimizer divides by). */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  learningRate: number;
}

function geometryFields(g: ConvGeometry): number[] {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.outChannels,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  ];
}

export interface GatherBatchArgs {
  images: Uint8Array;
  indices: Int32Array;
  labels: Uint8Array;
  pixels: number;
  start: number;
  count: number;
  xs: number;
  classes: number;
  ys: number;
}

/** What the built addon exports (positional: heap, argument block, typed arrays). */
export interface RawAddon {
  interfaceVersion: number;
  batchMatMul(heap: ArrayBuffer, args: Float64Array): void;
  rmspropStep(heap: ArrayBuffer, args: Float64Array): void;
  denseGrad(heap: ArrayBuffer, args: Float64Array): void;
  softmaxCrossEntropy(heap: ArrayBuffer, args: Float64Array): void;
  softmaxCrossEntropyGrad(heap: ArrayBuffer, args: Float64Array): void;
  gatherBatch(heap: ArrayBuffer, args: Float64Array, images: Uint8Array, indices: Int32Array, labels: Uint8Array): void;
  setThreads(count: number): void;
  describe(): string;
  conv2d(heap: ArrayBuffer, args: Float64Array): void;
  conv2dGrad(heap: ArrayBuffer, args: Float64Array): void;
  maxPool(heap: ArrayBuffer, args: Float64Array): void;
  adamStep(heap: ArrayBuffer, args: Float64Array): void;
}

export const RAW_ADDON_FUNCTIONS = [
  'batchMatMul',
  'rmspropStep',
  'denseGrad',
  'softmaxCrossEntropy',
  'softmaxCrossEntropyGrad',
  'gatherBatch',
  'setThreads',
  'describe',
  'conv2d',
  'conv2dGrad',
  'maxPool',
  'adamStep',
] as const satisfies readonly (keyof RawAddon)[];

const optional = (offset: number | undefined) => offset ?? -1;
const flag = (value: boolean) => (value ? 1 : 0);

/** Writes `values` (in the C struct's order) into a block made once per kernel. */
function packer(count: number): (values: number[]) => Float64Array {
  const block = new Float64Array(count);
  return (values) => {
    if (values.length !== count) throw new Error(`An addon argument list has ${values.length} of ${count} fields.`);
    block.set(values);
    return block;
  };
}

/** The addon's kernels with named arguments. */
export class NativeAddon {
  private readonly packMatMul = packer(15);
  private readonly packRmsprop = packer(13);
  private readonly packDenseGrad = packer(12);
  private readonly packSoftmax = packer(6);
  private readonly packGather = packer(6);
  private readonly packConv = packer(19);
  private readonly packConvGrad = packer(22);
  private readonly packPool = packer(17);
  private readonly packAdam = packer(16);

  constructor(private readonly raw: RawAddon) {}

  batchMatMul(heap: ArrayBuffer, a: MatMulArgs): void {
    this.raw.batchMatMul(
      heap,
      this.packMatMul([
        a.batch,
        a.m,
        a.n,
        a.k,
        flag(a.transposeA),
        flag(a.transposeB),
        a.a,
        a.aStride,
        a.b,
        a.bStride,
        a.out,
        optional(a.bias),
        a.biasSize,
        ACTIVATION_CODES[a.activation],
        flag(a.sparse),
      ]),
    );
  }

  rmspropStep(heap: ArrayBuffer, a: RmspropArgs): void {
    this.raw.rmspropStep(
      heap,
      this.packRmsprop([
        a.count,
        a.value,
        a.meanSquare,
        a.moment,
        a.gradient,
        a.newValue,
        a.newMeanSquare,
        a.newMoment,
        a.learningRate,
        a.decay,
        1 - a.decay,
        a.momentum,
        a.epsilon,
      ]),
    );
  }

  denseGrad(heap: ArrayBuffer, a: DenseGradArgs): void {
    this.raw.denseGrad(
      heap,
      this.packDenseGrad([
        a.m,
        a.k,
        a.n,
        a.x,
        a.w,
        a.y,
        a.dy,
        a.dw,
        optional(a.db),
        optional(a.dx),
        ACTIVATION_CODES[a.activation],
        flag(a.sparse),
      ]),
    );
  }

  softmaxCrossEntropy(heap: ArrayBuffer, a: SoftmaxCrossEntropyArgs): void {
    this.raw.softmaxCrossEntropy(
      heap,
      this.packSoftmax([a.rows, a.classes, a.logits, a.labels, a.probabilities, a.loss]),
    );
  }

  softmaxCrossEntropyGrad(heap: ArrayBuffer, a: SoftmaxCrossEntropyGradArgs): void {
    this.raw.softmaxCrossEntropyGrad(
      heap,
      this.packSoftmax([a.rows, a.classes, a.probabilities, a.labels, a.dy, a.dlogits]),
    );
  }

  gatherBatch(heap: ArrayBuffer, a: GatherBatchArgs): void {
    this.raw.gatherBatch(
      heap,
      this.packGather([a.pixels, a.start, a.count, a.xs, a.classes, a.ys]),
      a.images,
      a.indices,
      a.labels,
    );
  }

  conv2d(heap: ArrayBuffer, g: ConvGeometry, a: Conv2dArgs): void {
    this.raw.conv2d(
      heap,
      this.packConv([
        ...geometryFields(g),
        a.x,
        a.filter,
        optional(a.bias),
        a.out,
        ACTIVATION_CODES[a.activation],
        a.threads,
      ]),
    );
  }

  conv2dGrad(heap: ArrayBuffer, g: ConvGeometry, a: Conv2dGradArgs): void {
    this.raw.conv2dGrad(
      heap,
      this.packConvGrad([
        ...geometryFields(g),
        optional(a.x),
        optional(a.filter),
        optional(a.y),
        a.dy,
        optional(a.dFilter),
        optional(a.dBias),
        optional(a.dx),
        ACTIVATION_CODES[a.activation],
        a.threads,
      ]),
    );
  }

  maxPool(heap: ArrayBuffer, g: ConvGeometry, a: MaxPoolArgs): void {
    // The pool's fields: the conv geometry without its output channels.
    const fields = geometryFields(g);
    fields.splice(6, 1);
    this.raw.maxPool(heap, this.packPool([...fields, a.x, optional(a.out), optional(a.dy), optional(a.dx), a.threads]));
  }

  adamStep(heap: ArrayBuffer, a: AdamArgs): void {
    const f = Math.fround;
    // As the stock ops compute them: the scalars become float32 tensors (1 - beta in double first).
    this.raw.adamStep(
      heap,
      this.packAdam([
        a.count,
        a.value,
        a.first,
        a.second,
        a.gradient,
        a.newValue,
        a.newFirst,
        a.newSecond,
        f(a.beta1),
        f(1 - a.beta1),
        f(a.beta2),
        f(1 - a.beta2),
        f(a.oneMinusAccBeta1),
        f(a.oneMinusAccBeta2),
        f(a.epsilon),
        f(-a.learningRate),
      ]),
    );
  }

  setThreads(count: number): void {
    this.raw.setThreads(count);
  }

  /** "OpenBLAS 0.3.21 NO_LAPACKE ... (core Haswell, 1 threads)" -> "OpenBLAS 0.3.21, Haswell kernels, 1 thread". */
  blasName(): string {
    const config = this.raw.describe();
    const match = /^(OpenBLAS [\d.]+).*\(core (\S+), (\d+) threads?\)/.exec(config);
    if (!match) return config;
    return `${match[1]}, ${match[2]} kernels, ${match[3]} thread${match[3] === '1' ? '' : 's'}`;
  }
}

/** What is missing from a loaded module for it to be this addon; undefined when nothing. */
export function addonInterfaceProblem(module: Partial<RawAddon>): string | undefined {
  const missing = RAW_ADDON_FUNCTIONS.filter((name) => typeof module[name] !== 'function');
  if (missing.length > 0) return `it lacks ${missing.join(', ')}`;
  if (module.interfaceVersion !== ADDON_INTERFACE_VERSION)
    return `it has interface version ${String(module.interfaceVersion)}, these sources need ${ADDON_INTERFACE_VERSION}`;
  return undefined;
}
