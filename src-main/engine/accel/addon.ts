/**
 * The OpenBLAS addon's interface (native/mnist_accel.c), typed: one object of named arguments
 * per call. Each kernel's field list below is the order of its C `*_args` struct; `NativeAddon`
 * writes the object into a reused Float64Array in that order and the C side decodes it into the
 * struct (a mismatched list fails loudly, and INTERFACE_VERSION guards the whole layout).
 * Activations are names everywhere in TypeScript; this is the one place they become C codes.
 * Tensors are byte offsets into the WebAssembly heap; -1 (or undefined here) for an absent one.
 */

/** The C side's INTERFACE_VERSION this module is written for. */
export const ADDON_INTERFACE_VERSION = 2;

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
