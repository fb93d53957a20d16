/**
 * Training accelerations for the tfjs WebAssembly backend. The engine still runs every step
 * through tfjs (layers' variables, optimizers, gradients, save format); what changes is the
 * kernels behind the step and, through the training-step seam (../step.ts), its parts:
 *   1. OpenBLAS, through the addon (native/, built at install), in place on the wasm heap:
 *      matrix products (blas-kernels.ts; zero-skipping for mostly-zero inputs such as MNIST
 *      pixels), the RMSprop update (rmsprop.ts, in place), Dense layers' backward pass and
 *      softmax + cross-entropy as one kernel each (dense.ts), batches gathered straight onto
 *      the heap (batch.ts);
 *   2. without the addon, explicit transpose + XNNPACK instead of the backend's scalar
 *      transposed loop (wasm-kernels.ts), and batches still written onto the heap.
 * Per step for the Keras example: ~94 kernel calls and ~1.1 ms with the stock kernels, 14 and
 * ~0.5 ms with these (`npx tsx src-main/cli/bench-profile.ts`). Every piece has a switch in
 * config.ts. missing-kernels.ts adds kernels the backend lacks (not a speed-up: Conv2D needs it).
 *
 * `installWasmAcceleration` returns the installed acceleration: it holds what it replaced and
 * the step provider it registered, and `remove()` puts the stock kernels back.
 */
import * as tf from '@tensorflow/tfjs';
import { inputShapeFor } from '../../shared/spec';
import {
  composeStep,
  stockStepParts,
  type StepContext,
  type StepParts,
  type TrainingStep,
  type TrainingSteps,
} from '../step';
import type { NativeAddon } from './addon';
import { loadAddon } from './addon-loader';
import { heapBatcher } from './batch';
import { blasBatchMatMul, blasFusedMatMul } from './blas-kernels';
import type { AccelConfig, AccelerationMode } from './config';
import { fusedDenseForward, registerDenseKernels } from './dense';
import { registerRmspropKernel, rmspropUpdate } from './rmsprop';
import { adamUpdate, registerAdamKernel } from './adam';
import { CONV_KERNELS } from './conv';
import { fusedConvForward, registerConvStepKernel } from './conv-step';
import { wasmConv2dBackpropFilter, wasmConv2dBackpropInput, wasmMaxPoolGrad } from './conv-wasm';
import { addMissingWasmKernels } from './missing-kernels';
import { asKernelFunc, type ReplacementKernel } from './wasm-heap';
import { sharedIdentity, transposeFirst } from './wasm-kernels';

export { ACCEL_OFF_SWITCHES, accelConfigFromEnvironment, type AccelConfig, type AccelerationMode } from './config';
export { addMissingWasmKernels } from './missing-kernels';

export interface AccelerationStatus {
  mode: AccelerationMode;
  /** One line per speed-up, for BackendInfo.accelerations. */
  descriptions: string[];
  /** Why the faster mode is not active (absent when OpenBLAS runs). */
  reason?: string;
  /** The BLAS build the addon found, when it loaded. */
  blas?: string;
}

export interface Acceleration {
  readonly status: AccelerationStatus;
  /** Puts the stock kernels back and withdraws the step provider. */
  remove(): void;
}

const BACKEND = 'wasm';
const IDENTITY_DESCRIPTION = "Identity (the tape's clones) shares data instead of copying";
const MATMUL_KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;

/** Replaces the wasm backend's kernels and remembers the originals, so that `restore` puts them back. */
class KernelSwaps {
  private readonly originals = new Map<string, tf.KernelConfig>();

  replace(kernelName: string, makeKernel: (reference: tf.KernelConfig) => ReplacementKernel): void {
    const reference = this.originals.get(kernelName) ?? tf.getKernel(kernelName, BACKEND);
    if (!reference) throw new Error(`The ${BACKEND} backend has no ${kernelName} kernel to accelerate.`);
    this.originals.set(kernelName, reference);
    tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      setupFunc: reference.setupFunc,
      disposeFunc: reference.disposeFunc,
      kernelFunc: asKernelFunc(makeKernel(reference)),
    });
  }

  restore(): void {
    for (const [kernelName, reference] of this.originals) {
      if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
      tf.registerKernel(reference);
    }
    this.originals.clear();
  }
}

/** A faster step part for a model, or undefined when it does not apply to that model. */
interface FasterPart<P> {
  description: string;
  partFor(context: StepContext, addon: NativeAddon, config: AccelConfig): P | undefined;
}

/** Native forward passes (with their loss) and optimizer updates; for each, the first that applies runs. */
const FORWARDS: FasterPart<StepParts['forward']>[] = [
  {
    description: 'fused Dense forward and backward',
    partFor: ({ model }, _addon, config) => (config.fusedDense ? fusedDenseForward(model) : undefined),
  },
  {
    description: 'fused conv forward and backward',
    partFor: ({ model }, _addon, config) => (config.conv && config.fusedConv ? fusedConvForward(model) : undefined),
  },
];
const UPDATES: FasterPart<StepParts['update']>[] = [
  {
    description: 'native RMSprop update',
    partFor: ({ model }, addon, config) => rmspropUpdate(addon, model.optimizer, { inPlace: config.rmspropInPlace }),
  },
  {
    description: 'native Adam update',
    partFor: ({ model }, addon, config) =>
      config.conv ? adamUpdate(addon, model.optimizer, { inPlace: config.adamInPlace }) : undefined,
  },
];

function firstPart<P>(
  parts: FasterPart<P>[],
  context: StepContext,
  addon: NativeAddon | undefined,
  config: AccelConfig,
) {
  if (!addon) return undefined;
  for (const { description, partFor } of parts) {
    const part = partFor(context, addon, config);
    if (part) return { description, part };
  }
  return undefined;
}

/** The wasm step for a model: the parts this acceleration can do faster, the stock ones for the rest. */
function wasmStep(context: StepContext, config: AccelConfig, addon: NativeAddon | undefined): TrainingStep | undefined {
  const forward = firstPart(FORWARDS, context, addon, config);
  const update = firstPart(UPDATES, context, addon, config);
  const batches = config.heapBatch ? heapBatcher(context.set, inputShapeFor(context.spec), addon) : undefined;
  if (!forward && !update && !batches) return undefined;
  const stock = stockStepParts(context);
  const description = [
    forward?.description ?? 'stock forward',
    update?.description ?? 'stock update',
    batches ? 'batches on the heap' : 'stock batches',
  ].join(', ');
  return composeStep(
    {
      batches: batches ?? stock.batches,
      forward: forward?.part ?? stock.forward,
      update: update?.part ?? stock.update,
    },
    description,
  );
}

/**
 * Swaps in the fastest kernels `config` allows on the wasm backend and provides its training
 * step to `steps`. Never throws for a missing addon: the status says why it is not used.
 * Only one acceleration may be installed at a time: remove the previous one first.
 */
export function installWasmAcceleration(config: AccelConfig, steps: TrainingSteps): Acceleration {
  if (config.mode === 'none') {
    return {
      status: { mode: 'none', descriptions: [], reason: 'switched off with MNIST_STUDIO_ACCEL=none' },
      remove() {},
    };
  }
  const swaps = new KernelSwaps();
  const undo: (() => void)[] = [() => swaps.restore()];
  const remove = () => {
    for (const step of undo.splice(0).reverse()) step();
  };
  swaps.replace(tf.Identity, sharedIdentity);
  const load = config.mode === 'best' ? loadAddon(config) : undefined;
  const transpose = tf.getKernel(tf.Transpose, BACKEND);
  const addon = load?.addon;
  if (!addon && !transpose) {
    remove();
    return {
      status: { mode: 'none', descriptions: [], reason: 'the wasm backend has no Transpose kernel' },
      remove() {},
    };
  }
  undo.push(steps.provide(BACKEND, (context) => wasmStep(context, config, addon)));
  if (addon) {
    addon.setThreads(config.blasThreads);
    // What the addon does not handle (e.g. elu) still avoids the stock transposed loop.
    const withTransposeFirst = (reference: tf.KernelConfig): tf.KernelConfig =>
      transpose ? { ...reference, kernelFunc: asKernelFunc(transposeFirst(reference, transpose)) } : reference;
    const options = { sparse: config.sparse };
    swaps.replace(tf.BatchMatMul, (reference) => blasBatchMatMul(addon, options, withTransposeFirst(reference)));
    swaps.replace(tf._FusedMatMul, (reference) => blasFusedMatMul(addon, options, withTransposeFirst(reference)));
    undo.push(registerRmspropKernel(addon), registerDenseKernels(addon, options));
    if (config.conv) {
      // The stock Conv2DBackpropFilter (the reference for what the native one declines) is missing-kernels.ts'.
      addMissingWasmKernels();
      const convOptions = { threads: config.convThreads };
      for (const [kernelName, make] of CONV_KERNELS)
        swaps.replace(kernelName, (reference) => make(addon, convOptions, reference));
      undo.push(registerAdamKernel(addon), registerConvStepKernel(addon, convOptions));
    }
    const blas = addon.blasName();
    const optional = (on: boolean, description: string) => (on ? [description] : []);
    return {
      remove,
      status: {
        mode: 'openblas',
        blas,
        descriptions: [
          ...MATMUL_KERNELS.map((name) => `${name} via OpenBLAS on the wasm heap (${blas})`),
          `RMSprop update as one native kernel per variable${config.rmspropInPlace ? ', in place when nothing shares the weights' : ''}`,
          ...optional(
            config.fusedDense,
            'Dense layers in training as one kernel forward and one backward; softmax + cross-entropy from the logits',
          ),
          ...optional(
            config.sparse,
            'Mostly-zero inputs (MNIST pixels) skip their zeros in the first layer (AVX-512 CPUs)',
          ),
          ...optional(
            config.conv,
            `Conv2D forward and both gradients as im2col + OpenBLAS on the wasm heap${config.convThreads > 1 ? ' (two workers where there are two cores)' : ''}, bias and relu fused; MaxPool and its gradient native`,
          ),
          ...optional(
            config.conv,
            `Adam update as one native kernel per variable${config.adamInPlace ? ', in place when nothing shares the weights' : ''}`,
          ),
          ...optional(config.heapBatch, 'Training batches written straight onto the WebAssembly heap'),
          IDENTITY_DESCRIPTION,
        ],
      },
    };
  }
  const stockBatchMatMul = tf.getKernel(tf.BatchMatMul, BACKEND)!;
  for (const kernelName of MATMUL_KERNELS)
    swaps.replace(kernelName, (reference) => transposeFirst(reference, transpose!));
  // Conv gradients as im2col/col2im around XNNPACK products, MaxPoolGrad as one JavaScript pass.
  if (config.conv) {
    addMissingWasmKernels();
    swaps.replace(tf.Conv2DBackpropFilter, (reference) => wasmConv2dBackpropFilter(reference, stockBatchMatMul));
    swaps.replace(tf.Conv2DBackpropInput, (reference) =>
      wasmConv2dBackpropInput(reference, stockBatchMatMul, transpose!),
    );
    swaps.replace(tf.MaxPoolGrad, wasmMaxPoolGrad);
  }
  const reason = load && !load.addon ? load.reason : 'OpenBLAS not requested (MNIST_STUDIO_ACCEL=wasm-transpose)';
  return {
    remove,
    status: {
      mode: 'wasm-transpose',
      reason,
      descriptions: [
        ...MATMUL_KERNELS.map((name) => `${name} with transpose flags as transpose + XNNPACK (no OpenBLAS: ${reason})`),
        ...(config.conv
          ? ['Conv2D gradients as im2col/col2im around XNNPACK products; MaxPoolGrad as one pass (no OpenBLAS)']
          : []),
        ...(config.heapBatch ? ['Training batches written straight onto the WebAssembly heap'] : []),
        IDENTITY_DESCRIPTION,
      ],
    },
  };
}
