/**
 * One kernel per variable for tfjs' Adam update on the WebAssembly backend, as rmsprop.ts does
 * for RMSprop. tf.AdamOptimizer runs ~12 elementwise ops per variable and step (35% of a Small
 * CNN step once its convolutions are native); `accelerateAdam` keeps the optimizer object (class,
 * config, `m`/`v` state variables, accBeta1/accBeta2, iterations, save format) and routes the
 * arithmetic through the addon's `adamStep`: the same float32 operations in the same order,
 * written into the variables' own memory when nothing else shares it, else into fresh tensors
 * that are assigned as before. Other backends and optimizers keep the stock code.
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

export const ADAM_STEP_KERNEL = 'MnistStudioAdamStep';
const BACKEND = 'wasm';

/** The float32 scalars of one step, in the addon's order. */
type AdamScalars = [
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  oneMinusAccBeta1: number,
  oneMinusAccBeta2: number,
  epsilon: number,
  negativeLearningRate: number,
];

function adamKernel(addon: NativeAccelAddon) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const { value, first, second, gradient } = args.inputs;
    if (!value || !first || !second || !gradient) throw new Error(`${ADAM_STEP_KERNEL} is missing inputs.`);
    const { backend } = args;
    const outputs = [value, first, second].map((input) => backend.makeOutput([...input.shape], 'float32'));
    const count = sizeOf(value.shape);
    if (count === 0) return outputs;
    const offsets = [value, first, second, gradient, ...outputs].map((tensor) => heapOffset(backend, tensor));
    addon.adamStep(heapBuffer(backend), count, ...offsets, ...(args.attrs.scalars as number[]));
    return outputs;
  };
}

let inPlaceAddon: NativeAccelAddon | undefined;

export function registerAdamKernel(addon: NativeAccelAddon): void {
  unregisterAdamKernel();
  inPlaceAddon = addon;
  tf.registerKernel({
    kernelName: ADAM_STEP_KERNEL,
    backendName: BACKEND,
    kernelFunc: asKernelFunc(adamKernel(addon)),
  });
}

export function unregisterAdamKernel(): void {
  inPlaceAddon = undefined;
  if (tf.getKernel(ADAM_STEP_KERNEL, BACKEND)) tf.unregisterKernel(ADAM_STEP_KERNEL, BACKEND);
}

/** The AdamOptimizer fields the fused update reads (all present in tfjs 4.x). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
  applyGradients(gradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void;
}

/** In place when the variable and its moments are the only owners of their memory (see rmsprop.ts). */
function updateInPlace(
  value: tf.Variable,
  first: tf.Variable,
  second: tf.Variable,
  gradient: tf.Tensor,
  scalars: AdamScalars,
): boolean {
  const addon = inPlaceAddon;
  if (!addon || process.env.MNIST_STUDIO_ADAM_IN_PLACE === '0') return false;
  const backend = tf.backend() as unknown as WasmBackendInternals & { refCount?(dataId: object): number };
  if (typeof backend.refCount !== 'function' || gradient.dtype !== 'float32') return false;
  const owned = [value, first, second];
  if (new Set([...owned, gradient].map((tensor) => tensor.dataId)).size !== 4) return false;
  if (owned.some((tensor) => backend.refCount!(tensor.dataId) !== 1)) return false;
  const count = sizeOf(value.shape);
  if (count === 0) return true;
  const [valueAt, firstAt, secondAt, gradientAt] = [...owned, gradient].map((tensor) => heapOffset(backend, tensor));
  addon.adamStep(
    heapBuffer(backend),
    count,
    valueAt,
    firstAt,
    secondAt,
    gradientAt,
    valueAt,
    firstAt,
    secondAt,
    ...scalars,
  );
  return true;
}

function fusedApplyGradients(optimizer: AdamInternals, stock: AdamInternals['applyGradients']) {
  return (variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void => {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((item) => item.name)
      : Object.keys(variableGradients);
    const allFloat32 = names.every((name) => tf.engine().registeredVariables[name]?.dtype === 'float32');
    if (!allFloat32 || tf.getBackend() !== BACKEND || !tf.getKernel(ADAM_STEP_KERNEL, BACKEND)) {
      stock.call(optimizer, variableGradients);
      return;
    }
    const f = Math.fround;
    const accBeta1 = (optimizer.accBeta1.dataSync() as Float32Array)[0];
    const accBeta2 = (optimizer.accBeta2.dataSync() as Float32Array)[0];
    // As the stock ops compute them: scalars become float32 tensors, sub(1, acc) is a float32 op.
    const scalars: AdamScalars = [
      f(optimizer.beta1),
      f(1 - optimizer.beta1),
      f(optimizer.beta2),
      f(1 - optimizer.beta2),
      f(1 - accBeta1),
      f(1 - accBeta2),
      f(optimizer.epsilon),
      f(-optimizer.learningRate),
    ];
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      optimizer.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      optimizer.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const first = optimizer.accumulatedFirstMoment[i]!.variable;
      const second = optimizer.accumulatedSecondMoment[i]!.variable;
      if (updateInPlace(value, first, second, gradient, scalars)) return;
      tf.tidy(() => {
        const [newValue, newFirst, newSecond] = tf
          .engine()
          .runKernel(ADAM_STEP_KERNEL, { value, first, second, gradient }, { scalars }) as tf.Tensor[];
        first.assign(newFirst);
        second.assign(newSecond);
        value.assign(newValue);
      });
    });
    tf.tidy(() => {
      optimizer.accBeta1.assign(tf.mul(optimizer.accBeta1, optimizer.beta1));
      optimizer.accBeta2.assign(tf.mul(optimizer.accBeta2, optimizer.beta2));
    });
    optimizer.incrementIterations();
  };
}

const ACCELERATED = Symbol('mnistStudioAcceleratedAdam');

/** Routes a tf.AdamOptimizer's update through the fused kernel while the wasm backend runs; idempotent. */
export function accelerateAdam(optimizer: tf.Optimizer): boolean {
  // By class name: tfjs optimizers duck-type instanceof.
  if (optimizer.getClassName() !== tf.AdamOptimizer.className) return false;
  const target = optimizer as unknown as AdamInternals & { [ACCELERATED]?: boolean };
  if (target[ACCELERATED]) return true;
  const stock = target.applyGradients;
  target.applyGradients = fusedApplyGradients(target, stock);
  target[ACCELERATED] = true;
  return true;
}
