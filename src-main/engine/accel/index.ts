/**
 * Training accelerations for the tfjs WebAssembly backend. The engine still runs every step
 * through tfjs (layers' variables, optimizers, gradients, save format); what changes is the
 * kernels behind the step:
 *   1. OpenBLAS, through the optional Node-API addon (native/), in place on the wasm heap:
 *      matrix products (zero-skipping for mostly-zero inputs such as MNIST pixels), the
 *      RMSprop update (in place), Dense layers' backward pass and softmax + cross-entropy as
 *      one kernel each (dense.ts), batches gathered straight onto the heap (batch.ts);
 *   2. otherwise, explicit transpose + XNNPACK instead of the backend's scalar transposed loop.
 * Per step for the Keras example: ~94 kernel calls and ~1.1 ms before, 14 and ~0.5 ms after
 * (`npx tsx src-main/cli/bench-profile.ts`). Each piece has an environment switch for A/B
 * runs: MNIST_STUDIO_FUSED_DENSE, _SPARSE, _HEAP_BATCH, _RMSPROP_IN_PLACE, _CONV (the conv,
 * pooling and Adam kernels), _FUSED_CONV (the fused conv training step), _ADAM_IN_PLACE (=0: off).
 * Installing twice is harmless; `removeAccelerations` restores the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeBatchMatMul, nativeFusedMatMul, loadNativeAddon } from './native-kernels';
import { asKernelFunc, type ReplacementKernel } from './wasm-heap';
import { registerRmspropKernel, unregisterRmspropKernel } from './rmsprop';
import { registerDenseKernels, unregisterDenseKernels } from './dense';
import { sharedIdentity, transposeFirst } from './wasm-kernels';
import { CONV_KERNELS } from './conv';
import { wasmConv2dBackpropFilter, wasmConv2dBackpropInput, wasmMaxPoolGrad } from './conv-wasm';
import { registerAdamKernel, unregisterAdamKernel } from './adam';
import { registerConvStepKernel, unregisterConvStepKernel } from './conv-step';
import { addMissingWasmKernels } from '../missing-kernels';

export { accelerateRmsprop } from './rmsprop';
export { accelerateAdam } from './adam';
export { fusedConvLoss } from './conv-step';
export { fusedDenseLoss, type FusedDenseLoss } from './dense';
export { heapBatcher, type BatchSource } from './batch';

export type AccelerationMode = 'openblas' | 'wasm-transpose' | 'none';

export interface AccelerationStatus {
  mode: AccelerationMode;
  /** One line per swapped kernel, for BackendInfo.accelerations. */
  descriptions: string[];
  /** Why the faster mode is not active (absent when OpenBLAS runs). */
  reason?: string;
  /** The BLAS build the addon found, when it loaded. */
  blas?: string;
}

const BACKEND = 'wasm';
const IDENTITY_DESCRIPTION = "Identity (the tape's clones) shares data instead of copying";
const MATMUL_KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;
const originals = new Map<string, tf.KernelConfig>();
let status: AccelerationStatus = { mode: 'none', descriptions: [], reason: 'not installed' };

function replaceKernel(kernelName: string, makeKernel: (reference: tf.KernelConfig) => ReplacementKernel): void {
  const reference = originals.get(kernelName) ?? tf.getKernel(kernelName, BACKEND);
  if (!reference) throw new Error(`The ${BACKEND} backend has no ${kernelName} kernel to accelerate.`);
  originals.set(kernelName, reference);
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({
    kernelName,
    backendName: BACKEND,
    setupFunc: reference.setupFunc,
    disposeFunc: reference.disposeFunc,
    kernelFunc: asKernelFunc(makeKernel(reference)),
  });
}

/**
 * OpenBLAS threads for the engine's matrix products. Dense-layer products at batch 32 take
 * ~0.1 ms; between them the other kernels run, so extra BLAS threads fall asleep and the
 * wake-up costs more than they save (measured: 0.7 ms vs 0.3 ms per product with 2 threads).
 * MNIST_STUDIO_BLAS_THREADS overrides.
 */
export function blasThreads(): number {
  const requested = Number.parseInt(process.env.MNIST_STUDIO_BLAS_THREADS ?? '', 10);
  return Number.isFinite(requested) && requested > 0 ? requested : 1;
}

/** "OpenBLAS 0.3.21 NO_LAPACKE ... (core Haswell, 1 threads)" -> "OpenBLAS 0.3.21, Haswell kernels, 1 thread". */
function shortBlasName(config: string): string {
  const match = /^(OpenBLAS [\d.]+).*\(core (\S+), (\d+) threads?\)/.exec(config);
  if (!match) return config;
  return `${match[1]}, ${match[2]} kernels, ${match[3]} thread${match[3] === '1' ? '' : 's'}`;
}

/** Puts the stock wasm kernels back (used by the benchmark to measure both in one run). */
export function removeAccelerations(): void {
  for (const [kernelName, reference] of originals) {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel(reference);
  }
  originals.clear();
  unregisterRmspropKernel();
  unregisterAdamKernel();
  unregisterConvStepKernel();
  unregisterDenseKernels();
  status = { mode: 'none', descriptions: [], reason: 'removed' };
}

/**
 * Swaps in the fastest matrix-product kernels available for the wasm backend. `prefer`
 * narrows the choice (the benchmark measures each); never throws for a missing addon.
 */
export function installAccelerations(prefer: 'best' | 'wasm-transpose' = 'best'): AccelerationStatus {
  removeAccelerations();
  replaceKernel(tf.Identity, sharedIdentity);
  const load = prefer === 'best' ? loadNativeAddon() : undefined;
  const transpose = tf.getKernel(tf.Transpose, BACKEND);
  if (load?.addon) {
    const addon = load.addon;
    addon.setThreads(blasThreads());
    // What the addon does not handle (e.g. elu) still avoids the stock transposed loop.
    const withTransposeFirst = (reference: tf.KernelConfig): tf.KernelConfig =>
      transpose ? { ...reference, kernelFunc: asKernelFunc(transposeFirst(reference, transpose)) } : reference;
    replaceKernel(tf.BatchMatMul, (reference) => nativeBatchMatMul(addon, withTransposeFirst(reference)));
    replaceKernel(tf._FusedMatMul, (reference) => nativeFusedMatMul(addon, withTransposeFirst(reference)));
    registerRmspropKernel(addon);
    // An addon built from older sources lacks these: then the stock Dense path trains.
    const denseKernels = ['denseGrad', 'softmaxCrossEntropy', 'softmaxCrossEntropyGrad'] as const;
    const hasDenseKernels = denseKernels.every((name) => typeof addon[name] === 'function');
    if (hasDenseKernels) registerDenseKernels(addon);
    // Conv layers (conv.ts): the stock Conv2DBackpropFilter is the one missing-kernels.ts adds.
    const hasConvKernels = ['conv2d', 'conv2dGrad', 'maxPool', 'adamStep'].every(
      (name) => typeof addon[name as keyof typeof addon] === 'function',
    );
    if (hasConvKernels && process.env.MNIST_STUDIO_CONV !== '0') {
      addMissingWasmKernels();
      for (const [kernelName, make] of CONV_KERNELS) replaceKernel(kernelName, (reference) => make(addon, reference));
      registerAdamKernel(addon);
      registerConvStepKernel(addon);
    }
    const blas = shortBlasName(addon.describe());
    status = {
      mode: 'openblas',
      blas,
      descriptions: [
        ...MATMUL_KERNELS.map((name) => `${name} via OpenBLAS on the wasm heap (${blas})`),
        'RMSprop update as one native kernel per variable, in place when nothing shares the weights',
        ...(hasDenseKernels
          ? [
              'Dense layers in training as one kernel forward and one backward; softmax + cross-entropy from the logits',
              'Mostly-zero inputs (MNIST pixels) skip their zeros in the first layer (AVX-512 CPUs)',
            ]
          : []),
        ...(hasConvKernels && process.env.MNIST_STUDIO_CONV !== '0'
          ? [
              'Conv2D forward and both gradients as im2col + OpenBLAS on the wasm heap (two workers where there are two cores), bias and relu fused; MaxPool and its gradient native',
              'Adam update as one native kernel per variable, in place when nothing shares the weights',
            ]
          : []),
        'Training batches written straight onto the WebAssembly heap',
        IDENTITY_DESCRIPTION,
      ],
    };
    return status;
  }
  if (!transpose) {
    status = { mode: 'none', descriptions: [], reason: 'the wasm backend has no Transpose kernel' };
    return status;
  }
  for (const kernelName of MATMUL_KERNELS)
    replaceKernel(kernelName, (reference) => transposeFirst(reference, transpose));
  // Conv gradients as im2col/col2im around XNNPACK products, MaxPoolGrad as one JavaScript pass.
  const batchMatMul = originals.get(tf.BatchMatMul)!;
  const convFallback = process.env.MNIST_STUDIO_CONV !== '0';
  if (convFallback) {
    addMissingWasmKernels();
    replaceKernel(tf.Conv2DBackpropFilter, (reference) => wasmConv2dBackpropFilter(reference, batchMatMul));
    replaceKernel(tf.Conv2DBackpropInput, (reference) => wasmConv2dBackpropInput(reference, batchMatMul, transpose));
    replaceKernel(tf.MaxPoolGrad, wasmMaxPoolGrad);
  }
  const reason = load && !load.addon ? load.reason : 'OpenBLAS not requested';
  status = {
    mode: 'wasm-transpose',
    reason,
    descriptions: [
      ...MATMUL_KERNELS.map((name) => `${name} with transpose flags as transpose + XNNPACK (no OpenBLAS: ${reason})`),
      ...(convFallback
        ? ['Conv2D gradients as im2col/col2im around XNNPACK products; MaxPoolGrad as one pass (no OpenBLAS)']
        : []),
      IDENTITY_DESCRIPTION,
    ],
  };
  return status;
}

/**
 * What the engine installs when the wasm backend starts: MNIST_STUDIO_ACCEL=none keeps the
 * stock kernels, =wasm-transpose skips the addon; anything else picks the best available.
 */
export function accelerateWasmBackend(setting = process.env.MNIST_STUDIO_ACCEL): AccelerationStatus {
  if (setting === 'none') {
    removeAccelerations();
    status = { mode: 'none', descriptions: [], reason: 'switched off with MNIST_STUDIO_ACCEL=none' };
    return status;
  }
  return installAccelerations(setting === 'wasm-transpose' ? 'wasm-transpose' : 'best');
}

export function accelerationStatus(): AccelerationStatus {
  return status;
}
