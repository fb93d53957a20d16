/**
 * One kernel per variable for tfjs' RMSprop update on the WebAssembly backend.
 *
 * tf.RMSPropOptimizer updates each variable with ~13 elementwise ops (it even computes the new
 * mean square twice); for the example's 784x512 kernel that is most of a training step once the
 * matrix products are fast. `accelerateRmsprop` keeps the optimizer object — its class, config,
 * state variables (`rms`, `momentum`), iteration count and so its save format — and only routes
 * the arithmetic of `applyGradients` through the `MnistStudioRMSPropStep` kernel: the same float32
 * operations in the same order, in the native addon (a JavaScript loop was measured 2x slower
 * than the stock ops, so without the addon the stock code runs), writing fresh tensors that the
 * optimizer assigns as before. Centered RMSprop, other backends and other optimizers keep the
 * stock code.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAccelAddon } from './native-kernels';
import {
  asKernelFunc,
  heapBuffer,
  heapOffset,
  sizeOf,
  type KernelArguments,
  type WasmBackendInternals,
} from './wasm-heap';

export const RMSPROP_STEP_KERNEL = 'MnistStudioRMSPropStep';
const BACKEND = 'wasm';

export interface RmspropScalars {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

function rmspropKernel(addon: NativeAccelAddon) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const { value, meanSquare, moment, gradient } = args.inputs;
    if (!value || !meanSquare || !moment || !gradient) throw new Error(`${RMSPROP_STEP_KERNEL} is missing inputs.`);
    const backend: WasmBackendInternals = args.backend;
    const scalars: RmspropScalars = {
      learningRate: Number(args.attrs.learningRate),
      decay: Number(args.attrs.decay),
      momentum: Number(args.attrs.momentum),
      epsilon: Number(args.attrs.epsilon),
    };
    const outputs = [value, meanSquare, moment].map((input) => backend.makeOutput([...input.shape], 'float32'));
    const count = sizeOf(value.shape);
    if (count === 0) return outputs;
    const inputOffsets = [value, meanSquare, moment, gradient].map((tensor) => heapOffset(backend, tensor));
    const outputOffsets = outputs.map((tensor) => heapOffset(backend, tensor));
    addon.rmspropStep(
      heapBuffer(backend),
      count,
      ...(inputOffsets as [number, number, number, number]),
      ...(outputOffsets as [number, number, number]),
      scalars.learningRate,
      scalars.decay,
      1 - scalars.decay,
      scalars.momentum,
      scalars.epsilon,
    );
    return outputs;
  };
}

/** The addon for updates in place (set while the kernel is registered). */
let inPlaceAddon: NativeAccelAddon | undefined;

/** Registers (or re-registers) the fused update kernel for the wasm backend. */
export function registerRmspropKernel(addon: NativeAccelAddon): void {
  inPlaceAddon = addon;
  if (tf.getKernel(RMSPROP_STEP_KERNEL, BACKEND)) tf.unregisterKernel(RMSPROP_STEP_KERNEL, BACKEND);
  tf.registerKernel({
    kernelName: RMSPROP_STEP_KERNEL,
    backendName: BACKEND,
    kernelFunc: asKernelFunc(rmspropKernel(addon)),
  });
}

export function unregisterRmspropKernel(): void {
  inPlaceAddon = undefined;
  if (tf.getKernel(RMSPROP_STEP_KERNEL, BACKEND)) tf.unregisterKernel(RMSPROP_STEP_KERNEL, BACKEND);
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
  applyGradients(gradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void;
}

const ACCELERATED = Symbol('mnistStudioAcceleratedRmsprop');

/**
 * The update written straight into the variables' own memory, when nothing else shares it
 * (reference count 1 on the heap: no clone, no saved tensor, no snapshot can see the change).
 * Saves allocating three tensors per variable and three assigns, and keeps the working set at
 * four arrays instead of seven. Returns false (nothing done) when it cannot.
 */
function updateInPlace(
  value: tf.Variable,
  meanSquare: tf.Variable,
  moment: tf.Variable,
  gradient: tf.Tensor,
  scalars: RmspropScalars,
): boolean {
  const addon = inPlaceAddon;
  if (!addon || process.env.MNIST_STUDIO_RMSPROP_IN_PLACE === '0') return false;
  const backend = tf.backend() as unknown as WasmBackendInternals & { refCount?(dataId: object): number };
  if (typeof backend.refCount !== 'function' || gradient.dtype !== 'float32') return false;
  const owned = [value, meanSquare, moment];
  if (new Set([...owned, gradient].map((tensor) => tensor.dataId)).size !== 4) return false;
  if (owned.some((tensor) => backend.refCount!(tensor.dataId) !== 1)) return false;
  const count = sizeOf(value.shape);
  if (count === 0) return true;
  const [valueOffset, meanSquareOffset, momentOffset, gradientOffset] = [...owned, gradient].map((tensor) =>
    heapOffset(backend, tensor),
  );
  addon.rmspropStep(
    heapBuffer(backend),
    count,
    valueOffset,
    meanSquareOffset,
    momentOffset,
    gradientOffset,
    valueOffset,
    meanSquareOffset,
    momentOffset,
    scalars.learningRate,
    scalars.decay,
    1 - scalars.decay,
    scalars.momentum,
    scalars.epsilon,
  );
  return true;
}

function fusedApplyGradients(optimizer: RmspropInternals, stock: RmspropInternals['applyGradients']) {
  return (variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void => {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((item) => item.name)
      : Object.keys(variableGradients);
    const allFloat32 = names.every((name) => tf.engine().registeredVariables[name]?.dtype === 'float32');
    const fusable = !optimizer.centered && allFloat32 && tf.getBackend() === BACKEND;
    if (!fusable || !tf.getKernel(RMSPROP_STEP_KERNEL, BACKEND)) {
      stock.call(optimizer, variableGradients);
      return;
    }
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      // Same lazily created state variables, names and order as the stock optimizer.
      optimizer.accumulatedMeanSquares[i] ??= {
        originalName: `${name}/rms`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      optimizer.accumulatedMoments[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const meanSquare = optimizer.accumulatedMeanSquares[i]!.variable;
      const moment = optimizer.accumulatedMoments[i]!.variable;
      const scalars: RmspropScalars = {
        learningRate: optimizer.learningRate,
        decay: optimizer.decay,
        momentum: optimizer.momentum,
        epsilon: optimizer.epsilon,
      };
      if (updateInPlace(value, meanSquare, moment, gradient, scalars)) return;
      tf.tidy(() => {
        const [newValue, newMeanSquare, newMoment] = tf
          .engine()
          .runKernel(RMSPROP_STEP_KERNEL, { value, meanSquare, moment, gradient }, { ...scalars }) as tf.Tensor[];
        meanSquare.assign(newMeanSquare);
        moment.assign(newMoment);
        value.assign(newValue);
      });
    });
    optimizer.incrementIterations();
  };
}

/**
 * Routes a tf.RMSPropOptimizer's update through the fused kernel while the wasm backend runs.
 * Returns whether it did; calling it again on the same optimizer is a no-op.
 */
export function accelerateRmsprop(optimizer: tf.Optimizer): boolean {
  // Not instanceof: tfjs optimizers duck-type Symbol.hasInstance, so Adam "is" an RMSPropOptimizer.
  if (optimizer.getClassName() !== tf.RMSPropOptimizer.className) return false;
  const target = optimizer as unknown as RmspropInternals & { [ACCELERATED]?: boolean };
  if (target.centered) return false;
  if (target[ACCELERATED]) return true;
  const stock = target.applyGradients;
  target.applyGradients = fusedApplyGradients(target, stock);
  target[ACCELERATED] = true;
  return true;
}
