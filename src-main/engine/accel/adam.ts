/**
 * One kernel per variable for tfjs' Adam update on the WebAssembly backend, as rmsprop.ts does
 * for RMSprop. tf.AdamOptimizer runs ~12 elementwise ops per variable and step (35% of a Small
 * CNN step once its convolutions are native); `adamUpdate` keeps the optimizer object (class,
 * config, `m`/`v` state variables, accBeta1/accBeta2, iterations, save format) and does the
 * arithmetic in the addon's `adamStep`: the same float32 operations in the same order, written
 * into the variables' own memory when nothing else shares it, else into fresh tensors that are
 * assigned as before. Other optimizers keep the stock code.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepParts } from '../step';
import type { AdamArgs, NativeAddon } from './addon';
import {
  asKernelFunc,
  heapBuffer,
  heapOffset,
  sizeOf,
  type KernelArguments,
  type WasmBackendInternals,
} from './wasm-heap';

const ADAM_STEP_KERNEL = 'MnistStudioAdamStep';
const BACKEND = 'wasm';

/** The step's scalars (AdamArgs without the tensors). */
type AdamScalars = Omit<
  AdamArgs,
  'count' | 'value' | 'first' | 'second' | 'gradient' | 'newValue' | 'newFirst' | 'newSecond'
>;

function adamKernel(addon: NativeAddon) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const { value, first, second, gradient } = args.inputs;
    if (!value || !first || !second || !gradient) throw new Error(`${ADAM_STEP_KERNEL} is missing inputs.`);
    const { backend } = args;
    const outputs = [value, first, second].map((input) => backend.makeOutput([...input.shape], 'float32'));
    const count = sizeOf(value.shape);
    if (count === 0) return outputs;
    const [newValue, newFirst, newSecond] = outputs.map((tensor) => heapOffset(backend, tensor));
    addon.adamStep(heapBuffer(backend), {
      count,
      value: heapOffset(backend, value),
      first: heapOffset(backend, first),
      second: heapOffset(backend, second),
      gradient: heapOffset(backend, gradient),
      newValue,
      newFirst,
      newSecond,
      ...(args.attrs as unknown as AdamScalars),
    });
    return outputs;
  };
}

/** Registers the update kernel; the returned function unregisters it. */
export function registerAdamKernel(addon: NativeAddon): () => void {
  const unregister = () => {
    if (tf.getKernel(ADAM_STEP_KERNEL, BACKEND)) tf.unregisterKernel(ADAM_STEP_KERNEL, BACKEND);
  };
  unregister();
  tf.registerKernel({
    kernelName: ADAM_STEP_KERNEL,
    backendName: BACKEND,
    kernelFunc: asKernelFunc(adamKernel(addon)),
  });
  return unregister;
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
}

/** In place when the variable and its moments are the only owners of their memory (see rmsprop.ts). */
function updateInPlace(
  addon: NativeAddon,
  value: tf.Variable,
  first: tf.Variable,
  second: tf.Variable,
  gradient: tf.Tensor,
  scalars: AdamScalars,
): boolean {
  const backend = tf.backend() as unknown as WasmBackendInternals & { refCount?(dataId: object): number };
  if (typeof backend.refCount !== 'function' || gradient.dtype !== 'float32') return false;
  const owned = [value, first, second];
  if (new Set([...owned, gradient].map((tensor) => tensor.dataId)).size !== 4) return false;
  if (owned.some((tensor) => backend.refCount!(tensor.dataId) !== 1)) return false;
  const count = sizeOf(value.shape);
  if (count === 0) return true;
  const [at, firstAt, secondAt, gradientAt] = [...owned, gradient].map((tensor) => heapOffset(backend, tensor));
  addon.adamStep(heapBuffer(backend), {
    count,
    value: at,
    first: firstAt,
    second: secondAt,
    gradient: gradientAt,
    newValue: at,
    newFirst: firstAt,
    newSecond: secondAt,
    ...scalars,
  });
  return true;
}

/** A tf.AdamOptimizer's update as one native kernel per variable, or undefined for other optimizers. */
export function adamUpdate(
  addon: NativeAddon,
  optimizer: tf.Optimizer,
  options: { inPlace: boolean },
): StepParts['update'] | undefined {
  // By class name: tfjs optimizers duck-type instanceof.
  if (optimizer.getClassName() !== tf.AdamOptimizer.className) return undefined;
  const adam = optimizer as unknown as AdamInternals;
  return (gradients) => {
    const names = Object.keys(gradients);
    if (names.some((name) => tf.engine().registeredVariables[name].dtype !== 'float32')) {
      optimizer.applyGradients(gradients);
      return;
    }
    // sub(1, accBeta) in the stock code is a float32 op on float32 values: exact in double, then rounded.
    const scalars: AdamScalars = {
      beta1: adam.beta1,
      beta2: adam.beta2,
      oneMinusAccBeta1: 1 - (adam.accBeta1.dataSync() as Float32Array)[0],
      oneMinusAccBeta2: 1 - (adam.accBeta2.dataSync() as Float32Array)[0],
      epsilon: adam.epsilon,
      learningRate: adam.learningRate,
    };
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      // Same lazily created state variables, names and order as the stock optimizer.
      adam.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      adam.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = gradients[name];
      if (gradient == null) return;
      const first = adam.accumulatedFirstMoment[i]!.variable;
      const second = adam.accumulatedSecondMoment[i]!.variable;
      if (options.inPlace && updateInPlace(addon, value, first, second, gradient, scalars)) return;
      tf.tidy(() => {
        const [newValue, newFirst, newSecond] = tf
          .engine()
          .runKernel(ADAM_STEP_KERNEL, { value, first, second, gradient }, { ...scalars }) as tf.Tensor[];
        first.assign(newFirst);
        second.assign(newSecond);
        value.assign(newValue);
      });
    });
    tf.tidy(() => {
      adam.accBeta1.assign(tf.mul(adam.accBeta1, adam.beta1));
      adam.accBeta2.assign(tf.mul(adam.accBeta2, adam.beta2));
    });
    adam.incrementIterations();
  };
}
