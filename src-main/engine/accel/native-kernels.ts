/**
 * Matrix-product kernels for the tfjs WebAssembly backend that call the machine's OpenBLAS
 * through the optional `mnist_accel` Node-API addon, working in place on the WebAssembly heap.
 * Anything outside what the addon handles (other dtypes, exotic broadcasts, activations other
 * than linear/relu/relu6, PReLU weights) goes to the reference kernel unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import {
  callKernel,
  heapBuffer,
  heapOffset,
  matMulGeometry,
  sizeOf,
  type KernelArguments,
  type MatMulGeometry,
  type ReplacementKernel,
  type WasmBackendInternals,
} from './wasm-heap';

export interface NativeAccelAddon {
  batchMatMul(
    heap: ArrayBuffer,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    aOffset: number,
    aBatchStride: number,
    bOffset: number,
    bBatchStride: number,
    outOffset: number,
    biasOffset: number,
    biasSize: number,
    activation: number,
  ): void;
  rmspropStep(
    heap: ArrayBuffer,
    count: number,
    valueOffset: number,
    meanSquareOffset: number,
    momentOffset: number,
    gradientOffset: number,
    newValueOffset: number,
    newMeanSquareOffset: number,
    newMomentOffset: number,
    learningRate: number,
    decay: number,
    oneMinusDecay: number,
    momentum: number,
    epsilon: number,
  ): void;
  denseGrad(
    heap: ArrayBuffer,
    m: number,
    k: number,
    n: number,
    xOffset: number,
    wOffset: number,
    yOffset: number,
    dyOffset: number,
    dwOffset: number,
    dbOffset: number,
    dxOffset: number,
    activation: number,
  ): void;
  softmaxCrossEntropy(
    heap: ArrayBuffer,
    rows: number,
    classes: number,
    logitsOffset: number,
    labelsOffset: number,
    probabilitiesOffset: number,
    lossOffset: number,
  ): void;
  softmaxCrossEntropyGrad(
    heap: ArrayBuffer,
    rows: number,
    classes: number,
    probabilitiesOffset: number,
    labelsOffset: number,
    dyOffset: number,
    dlogitsOffset: number,
  ): void;
  gatherBatch(
    heap: ArrayBuffer,
    images: Uint8Array,
    pixels: number,
    indices: Int32Array,
    start: number,
    count: number,
    xsOffset: number,
    labels: Uint8Array,
    classes: number,
    ysOffset: number,
  ): void;
  setThreads(count: number): void;
  describe(): string;
  // Convolutions, pooling and Adam (native/conv.c; argument order documented there).
  conv2d(heap: ArrayBuffer, ...geometryOffsetsAndActivation: number[]): void;
  conv2dGrad(heap: ArrayBuffer, ...geometryOffsetsAndActivation: number[]): void;
  maxPool(heap: ArrayBuffer, ...geometryAndOffsets: number[]): void;
  adamStep(heap: ArrayBuffer, ...countOffsetsAndScalars: number[]): void;
}

const ADDON_FILE = path.join('native', 'build', 'Release', 'mnist_accel.node');
const FUSED_ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

/** Where the built addon may be: MNIST_STUDIO_ACCEL_ADDON, next to this module, a packaged app's resources/native, or the source tree. */
export function addonCandidates(): string[] {
  const candidates: string[] = [];
  const override = process.env.MNIST_STUDIO_ACCEL_ADDON;
  if (override) candidates.push(path.resolve(override));
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    candidates.push(path.join(here, ADDON_FILE));
  } catch {
    // Bundled without a file URL: fall through to the source-tree location.
  }
  // A packaged app: electron-builder can ship the addon in resources/native (extraResources).
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'native', 'mnist_accel.node'));
  candidates.push(path.join(process.cwd(), 'src-main', 'engine', 'accel', ADDON_FILE));
  return [...new Set(candidates.map((file) => file.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')))];
}

export type AddonLoad = { addon: NativeAccelAddon; file: string } | { addon: undefined; reason: string };

let cachedLoad: AddonLoad | undefined;

/**
 * The OpenBLAS kernel set to ask for, when the library's own choice is known to be poor:
 * OpenBLAS 0.3.21 (Debian 12) does not recognise AMD Zen 4/5 and runs its AVX2 (Haswell)
 * kernels there, while these CPUs run its AVX-512 (SkylakeX) kernels ~1.4-1.8x faster on this
 * model's products (measured on the three batch-32 shapes). Undefined: let OpenBLAS choose.
 * MNIST_STUDIO_BLAS_CORETYPE names the kernel set for the engine alone (=auto: OpenBLAS'
 * detection); otherwise an OPENBLAS_CORETYPE already in the environment is respected.
 */
export function preferredBlasCore(cpuinfo?: string): string | undefined {
  const setting = process.env.MNIST_STUDIO_BLAS_CORETYPE;
  if (setting) return setting === 'auto' ? undefined : setting;
  if (process.env.OPENBLAS_CORETYPE) return undefined;
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(text)?.[1];
  const flags = new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/));
  const avx512 = ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((flag) => flags.has(flag));
  return vendor === 'AuthenticAMD' && avx512 ? 'SkylakeX' : undefined;
}

/** Requires the addon with OPENBLAS_CORETYPE set for OpenBLAS' start-up only (child processes keep theirs). */
function requireWithBlasCore(file: string): NativeAccelAddon {
  const require = createRequire(import.meta.url);
  const core = preferredBlasCore();
  if (!core) return require(file) as NativeAccelAddon;
  const previous = process.env.OPENBLAS_CORETYPE;
  process.env.OPENBLAS_CORETYPE = core;
  try {
    return require(file) as NativeAccelAddon;
  } finally {
    if (previous === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = previous;
  }
}

/** Loads the addon once; never throws, but says why when it is not there. */
export function loadNativeAddon(): AddonLoad {
  if (cachedLoad) return cachedLoad;
  if (process.env.MNIST_STUDIO_NATIVE_KERNELS === '0') {
    cachedLoad = { addon: undefined, reason: 'native kernels are switched off (MNIST_STUDIO_NATIVE_KERNELS=0)' };
    return cachedLoad;
  }
  const file = addonCandidates().find((candidate) => existsSync(candidate));
  if (!file) {
    cachedLoad = {
      addon: undefined,
      reason:
        'the OpenBLAS addon is not built (run `npm run build:native` after `apt-get install libopenblas-dev` and a C compiler)',
    };
    return cachedLoad;
  }
  try {
    const addon = requireWithBlasCore(file);
    cachedLoad = { addon, file };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    cachedLoad = { addon: undefined, reason: `the OpenBLAS addon at ${file} failed to load: ${detail}` };
  }
  return cachedLoad;
}

function runProduct(
  addon: NativeAccelAddon,
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  geometry: MatMulGeometry,
  transposeA: boolean,
  transposeB: boolean,
  bias: TensorInfo | undefined,
  activation: number,
): TensorInfo {
  const out = backend.makeOutput(geometry.outShape, 'float32');
  const { batch, batchA, batchB, m, n, k } = geometry;
  if (sizeOf(geometry.outShape) === 0) return out;
  // Offsets are read after makeOutput: allocating may grow (and so replace) the heap.
  addon.batchMatMul(
    heapBuffer(backend),
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    heapOffset(backend, a),
    batchA === 1 ? 0 : m * k,
    heapOffset(backend, b),
    batchB === 1 ? 0 : k * n,
    heapOffset(backend, out),
    bias ? heapOffset(backend, bias) : -1,
    bias ? sizeOf(bias.shape) : 0,
    activation,
  );
  return out;
}

/** BatchMatMul through OpenBLAS, every transpose combination, batches and 1-broadcasts. */
export function nativeBatchMatMul(addon: NativeAccelAddon, reference: KernelConfig): ReplacementKernel {
  return (args: KernelArguments) => {
    const { a, b } = args.inputs;
    const transposeA = Boolean(args.attrs.transposeA);
    const transposeB = Boolean(args.attrs.transposeB);
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return callKernel(reference, args);
    const geometry = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    if (!geometry) return callKernel(reference, args);
    return runProduct(addon, args.backend, a, b, geometry, transposeA, transposeB, undefined, 0);
  };
}

/** _FusedMatMul (Dense layers' forward pass): product, bias and relu in one native call. */
export function nativeFusedMatMul(addon: NativeAccelAddon, reference: KernelConfig): ReplacementKernel {
  return (args: KernelArguments) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const transposeA = Boolean(args.attrs.transposeA);
    const transposeB = Boolean(args.attrs.transposeB);
    const activation = FUSED_ACTIVATIONS[String(args.attrs.activation ?? 'linear')];
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return callKernel(reference, args);
    if (activation === undefined || preluActivationWeights) return callKernel(reference, args);
    const geometry = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    if (!geometry) return callKernel(reference, args);
    if (bias) {
      const biasSize = sizeOf(bias.shape);
      const perColumn = bias.shape.length === 1 && biasSize === geometry.n;
      if (bias.dtype !== 'float32' || !(perColumn || biasSize === 1)) return callKernel(reference, args);
    }
    return runProduct(addon, args.backend, a, b, geometry, transposeA, transposeB, bias, activation);
  };
}
