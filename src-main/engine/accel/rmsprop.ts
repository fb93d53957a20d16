/**
 * One kernel per variable for tfjs' RMSprop update on the WebAssembly backend.
 *
 * tf.RMSPropOptimizer updates each variable with ~13 elementwise ops (it even computes the new
 * mean square twice); for the example's 784x512 kernel that is most of a training step once the
 * matrix products are fast. `rmspropUpdate` is a step's update part for such an optimizer: it
 * keeps the optimizer object — its class, config, state variables (`rms`, `momentum`),
 * iteration count and so its save format — and computes the arithmetic of `applyGradients` in
 * the addon's `rmspropStep`: the same float32 operations in the same order (a JavaScript loop
 * was measured 2x slower than the stock ops, so without the addon the stock code runs),
 * writing fresh tensors through the `MnistStudioRMSPropStep` kernel that the optimizer's
 * variables are assigned as before, or updating the variables' memory in place when nothing
 * else shares it. Centered RMSprop and other optimizers keep the stock update.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepParts } from '../step';
import type { NativeAddon, RmspropArgs } from './addon';
import {
  asKernelFunc,
  heapBuffer,
  heapOffset,
  sizeOf,
  type KernelArguments,
  type WasmBackendInternals,
} from './wasm-heap';

const RMSPROP_STEP_KERNEL = 'MnistStudioRMSPropStep';
const BACKEND = 'wasm';

type RmspropScalars = Pick<RmspropArgs, 'learningRate' | 'decay' | 'momentum' | 'epsilon'>;

function rmspropKernel(addon: NativeAddon) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const { value, meanSquare, moment, gradient } = args.inputs;
    if (!value || !meanSquare || !moment || !gradient) throw new Error(`${RMSPROP_STEP_KERNEL} is missing inputs.`);
    const backend: WasmBackendInternals = args.backend;
    const outputs = [value, meanSquare, moment].map((input) => backend.makeOutput([...input.shape], 'float32'));
    const count = sizeOf(value.shape);
    if (count === 0) return outputs;
    const [newValue, newMeanSquare, newMoment] = outputs.map((tensor) => heapOffset(backend, tensor));
    addon.rmspropStep(heapBuffer(backend), {
      count,
      value: heapOffset(backend, value),
      meanSquare: heapOffset(backend, meanSquare),
      moment: heapOffset(backend, moment),
      gradient: heapOffset(backend, gradient),
      newValue,
      newMeanSquare,
      newMoment,
      learningRate: Number(args.attrs.learningRate),
      decay: Number(args.attrs.decay),
      momentum: Number(args.attrs.momentum),
      epsilon: Number(args.attrs.epsilon),
    });
    return outputs;
  };
}

/** Registers the update kernel for the wasm backend; the returned function unregisters it. */
export function registerRmspropKernel(addon: NativeAddon): () => void {
  if (tf.getKernel(RMSPROP_STEP_KERNEL, BACKEND)) tf.unregisterKernel(RMSPROP_STEP_KERNEL, BACKEND);
  tf.registerKernel({
    kernelName: RMSPROP_STEP_KERNEL,
    backendName: BACKEND,
    kernelFunc: asKernelFunc(rmspropKernel(addon)),
  });
  return () => {
    if (tf.getKernel(RMSPROP_STEP_KERNEL, BACKEND)) tf.unregisterKernel(RMSPROP_STEP_KERNEL, BACKEND);
  };
}

/** The RMSPropOptimizer fields the fused update reads (all present in tfjs 4.x). */
interface RmspropInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedMoments: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/**
 * The update written straight into the variables' own memory, when nothing else shares it
 * (reference count 1 on the heap: no clone, no saved tensor, no snapshot can see the change).
 * Saves allocating three tensors per variable and three assigns, and keeps the working set at
 * four arrays instead of seven. Returns false (nothing done) when it cannot.
 */
function updateInPlace(
  addon: NativeAddon,
  value: tf.Variable,
  meanSquare: tf.Variable,
  moment: tf.Variable,
  gradient: tf.Tensor,
  scalars: RmspropScalars,
): boolean {
  const backend = tf.backend() as unknown as WasmBackendInternals & { refCount(dataId: object): number };
  if (gradient.dtype !== 'float32') return false;
  const owned = [value, meanSquare, moment];
  if (new Set([...owned, gradient].map((tensor) => tensor.dataId)).size !== 4) return false;
  if (owned.some((tensor) => backend.refCount(tensor.dataId) !== 1)) return false;
  const count = sizeOf(value.shape);
  if (count === 0) return true;
  const [valueOffset, meanSquareOffset, momentOffset, gradientOffset] = [...owned, gradient].map((tensor) =>
    heapOffset(backend, tensor),
  );
  addon.rmspropStep(heapBuffer(backend), {
    count,
    value: valueOffset,
    meanSquare: meanSquareOffset,
    moment: momentOffset,
    gradient: gradientOffset,
    newValue: valueOffset,
    newMeanSquare: meanSquareOffset,
    newMoment: momentOffset,
    ...scalars,
  });
  return true;
}

/**
 * The update part of a step for a (not centered) tf.RMSPropOptimizer on the wasm backend with
 * the kernel registered; undefined for any other optimizer. `inPlace`: update unshared
 * variables in place.
 */
export function rmspropUpdate(
  addon: NativeAddon,
  optimizer: tf.Optimizer,
  options: { inPlace: boolean },
): StepParts['update'] | undefined {
  // Not instanceof: tfjs optimizers duck-type Symbol.hasInstance, so Adam "is" an RMSPropOptimizer.
  if (optimizer.getClassName() !== tf.RMSPropOptimizer.className) return undefined;
  const rmsprop = optimizer as unknown as RmspropInternals;
  if (rmsprop.centered) return undefined;
  return (gradients) => {
    const names = Object.keys(gradients);
    if (names.some((name) => tf.engine().registeredVariables[name].dtype !== 'float32')) {
      optimizer.applyGradients(gradients);
      return;
    }
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      // Same lazily created state variables, names and order as the stock optimizer.
      rmsprop.accumulatedMeanSquares[i] ??= {
        originalName: `${name}/rms`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      rmsprop.accumulatedMoments[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = gradients[name];
      if (gradient == null) return;
      const meanSquare = rmsprop.accumulatedMeanSquares[i]!.variable;
      const moment = rmsprop.accumulatedMoments[i]!.variable;
      const scalars: RmspropScalars = {
        learningRate: rmsprop.learningRate,
        decay: rmsprop.decay,
        momentum: rmsprop.momentum,
        epsilon: rmsprop.epsilon,
      };
      if (options.inPlace && updateInPlace(addon, value, meanSquare, moment, gradient, scalars)) return;
      tf.tidy(() => {
        const [newValue, newMeanSquare, newMoment] = tf
          .engine()
          .runKernel(RMSPROP_STEP_KERNEL, { value, meanSquare, moment, gradient }, { ...scalars }) as tf.Tensor[];
        meanSquare.assign(newMeanSquare);
        moment.assign(newMoment);
        value.assign(newValue);
      });
    });
    rmsprop.incrementIterations();
  };
}
