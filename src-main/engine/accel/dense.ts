/**
 * A training step for stacks of Dense layers with fewer kernels, on the WebAssembly backend
 * with the OpenBLAS addon.
 *
 * tfjs-layers runs a Dense(relu) layer in training as matMul + add + relu (tfjs-core fuses the
 * bias and activation only outside gradient scopes), then the softmax and tfjs' categorical
 * cross-entropy (clip, log, mul, sum, mean): ~25 kernels forward and ~60 backward per step for
 * the Keras example, each costing a few microseconds of bookkeeping. Here each Dense layer is
 * one custom-gradient op over the layer's own variables (forward: one `_FusedMatMul` with bias
 * and activation; backward: one kernel giving dW, db and dx), and the softmax with its
 * cross-entropy is one op computed from the logits as Keras does for a softmax output, with the
 * analytic gradient dlogits = (p - y) / batch. Same model, same variables, same optimizer:
 * only the kernels behind the step change, and any model this does not cover (other layers,
 * activations, regularizers) keeps the stock forward pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepParts } from '../step';
import type { NativeAddon } from './addon';
import { asKernelFunc, heapBuffer, heapOffset, sizeOf, type KernelArguments } from './wasm-heap';

const DENSE_GRAD_KERNEL = 'MnistStudioDenseGrad';
const SOFTMAX_CROSS_ENTROPY_KERNEL = 'MnistStudioSoftmaxCrossEntropy';
const SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL = 'MnistStudioSoftmaxCrossEntropyGrad';
const KERNELS = [DENSE_GRAD_KERNEL, SOFTMAX_CROSS_ENTROPY_KERNEL, SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL];
const BACKEND = 'wasm';
type HiddenActivation = 'linear' | 'relu';
const HIDDEN_ACTIVATIONS: readonly string[] = ['linear', 'relu'] satisfies HiddenActivation[];

function float32Input(args: KernelArguments, name: string): tf.TensorInfo {
  const input = args.inputs[name];
  if (!input || input.dtype !== 'float32') throw new Error(`A Dense training kernel needs a float32 ${name}.`);
  return input;
}

/** Inputs x [m, k], w [k, n], y and dy [m, n]; outputs dW, then db (attr bias), then dx (attr inputGradient). */
function denseGradKernel(addon: NativeAddon, sparse: boolean) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const [x, w, y, dy] = ['x', 'w', 'y', 'dy'].map((name) => float32Input(args, name));
    const activation = String(args.attrs.activation);
    const [m, k] = x.shape;
    const n = w.shape[1];
    if (!HIDDEN_ACTIVATIONS.includes(activation) || x.shape.length !== 2 || w.shape.length !== 2 || w.shape[0] !== k)
      throw new Error(`${DENSE_GRAD_KERNEL}: unsupported shapes or activation.`);
    const { backend } = args;
    const dw = backend.makeOutput([k, n], 'float32');
    const db = args.attrs.bias ? backend.makeOutput([n], 'float32') : undefined;
    const dx = args.attrs.inputGradient ? backend.makeOutput([m, k], 'float32') : undefined;
    addon.denseGrad(heapBuffer(backend), {
      m,
      k,
      n,
      x: heapOffset(backend, x),
      w: heapOffset(backend, w),
      y: heapOffset(backend, y),
      dy: heapOffset(backend, dy),
      dw: heapOffset(backend, dw),
      db: db ? heapOffset(backend, db) : undefined,
      dx: dx ? heapOffset(backend, dx) : undefined,
      activation: activation as HiddenActivation,
      sparse,
    });
    return [dw, ...(db ? [db] : []), ...(dx ? [dx] : [])];
  };
}

/** Inputs logits and labels [rows, classes]; outputs the mean loss (scalar) and the probabilities. */
function softmaxCrossEntropyKernel(addon: NativeAddon) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const [logits, labels] = ['logits', 'labels'].map((name) => float32Input(args, name));
    const [rows, classes] = logits.shape;
    if (logits.shape.length !== 2 || sizeOf(labels.shape) !== rows * classes)
      throw new Error(`${SOFTMAX_CROSS_ENTROPY_KERNEL}: logits and labels differ in shape.`);
    const { backend } = args;
    const loss = backend.makeOutput([], 'float32');
    const probabilities = backend.makeOutput([rows, classes], 'float32');
    addon.softmaxCrossEntropy(heapBuffer(backend), {
      rows,
      classes,
      logits: heapOffset(backend, logits),
      labels: heapOffset(backend, labels),
      probabilities: heapOffset(backend, probabilities),
      loss: heapOffset(backend, loss),
    });
    return [loss, probabilities];
  };
}

/** Inputs probabilities, labels and dy (the loss's upstream gradient, a scalar); output dlogits. */
function softmaxCrossEntropyGradKernel(addon: NativeAddon) {
  return (args: KernelArguments): tf.TensorInfo => {
    const [probabilities, labels, dy] = ['probabilities', 'labels', 'dy'].map((name) => float32Input(args, name));
    const [rows, classes] = probabilities.shape;
    if (sizeOf(dy.shape) !== 1) throw new Error(`${SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL}: dy must be a scalar.`);
    const { backend } = args;
    const dlogits = backend.makeOutput([rows, classes], 'float32');
    addon.softmaxCrossEntropyGrad(heapBuffer(backend), {
      rows,
      classes,
      probabilities: heapOffset(backend, probabilities),
      labels: heapOffset(backend, labels),
      dy: heapOffset(backend, dy),
      dlogits: heapOffset(backend, dlogits),
    });
    return dlogits;
  };
}

/** Registers the Dense step's kernels for the wasm backend; the returned function unregisters them. */
export function registerDenseKernels(addon: NativeAddon, options: { sparse: boolean }): () => void {
  const kernels: [string, (args: KernelArguments) => tf.TensorInfo | tf.TensorInfo[]][] = [
    [DENSE_GRAD_KERNEL, denseGradKernel(addon, options.sparse)],
    [SOFTMAX_CROSS_ENTROPY_KERNEL, softmaxCrossEntropyKernel(addon)],
    [SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL, softmaxCrossEntropyGradKernel(addon)],
  ];
  for (const [kernelName, kernel] of kernels) {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: asKernelFunc(kernel) });
  }
  return () => {
    for (const kernelName of KERNELS) if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
  };
}

/** The tfjs-layers Dense fields the fused step reads (all present in tfjs-layers 4.x). */
interface DenseInternals {
  kernel?: { read(): tf.Variable };
  bias?: { read(): tf.Variable } | null;
  useBias: boolean;
  activation: { getClassName(): string };
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  activityRegularizer?: unknown;
}

interface DensePlan {
  layer: DenseInternals;
  /** The softmax of the last layer is computed with the loss. */
  activation: HiddenActivation | 'softmax';
}

/** The layers as Dense steps, or undefined when the model is anything else. */
function densePlan(model: tf.LayersModel): DensePlan[] | undefined {
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  if (layers.length === 0 || model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  if (model.inputs[0].shape.length !== 2) return undefined;
  const plan: DensePlan[] = [];
  for (const [index, layer] of layers.entries()) {
    if (layer.getClassName() !== 'Dense') return undefined;
    const dense = layer as unknown as DenseInternals;
    if (!dense.kernel || (dense.useBias && !dense.bias)) return undefined;
    if (dense.kernelRegularizer || dense.biasRegularizer || dense.activityRegularizer) return undefined;
    const activation = dense.activation.getClassName();
    const last = index === layers.length - 1;
    if (last ? activation !== 'softmax' : !HIDDEN_ACTIVATIONS.includes(activation)) return undefined;
    if (dense.kernel.read().dtype !== 'float32') return undefined;
    plan.push({ layer: dense, activation: activation as DensePlan['activation'] });
  }
  return plan;
}

type GradSave = (tensors: tf.Tensor[]) => void;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** y = activation(x.W + b) as one op whose gradient is one kernel. `x` gets a gradient when `inputGradient`. */
export function denseOp(
  x: tf.Tensor,
  kernel: tf.Variable,
  bias: tf.Variable | undefined,
  activation: HiddenActivation,
  inputGradient: boolean,
): tf.Tensor {
  const inputs = [...(inputGradient ? [x] : []), kernel, ...(bias ? [bias] : [])];
  const op = tf.customGrad(((...args: (tf.Tensor | GradSave)[]) => {
    const save = args[args.length - 1] as GradSave;
    const y = tf
      .engine()
      .runKernel(
        tf._FusedMatMul,
        { a: x, b: kernel, ...(bias ? { bias } : {}) },
        { transposeA: false, transposeB: false, activation },
      ) as tf.Tensor;
    save([x, kernel, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedKernel, savedY] = saved;
        const grads = tf
          .engine()
          .runKernel(
            DENSE_GRAD_KERNEL,
            { x: savedX, w: savedKernel, y: savedY, dy },
            { activation, bias: Boolean(bias), inputGradient },
          ) as tf.Tensor[];
        // Kernel order dW, db, dx; customGrad wants the inputs' order: x, W, b.
        return inputGradient ? [grads[grads.length - 1], ...grads.slice(0, -1)] : grads;
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(...inputs);
}

/**
 * Mean categorical cross-entropy of softmax(logits) against one-hot `labels`, and the
 * probabilities, which no tidy scope owns: the caller disposes them.
 */
export function softmaxCrossEntropyOp(
  logits: tf.Tensor,
  labels: tf.Tensor,
): { loss: tf.Scalar; probabilities: tf.Tensor } {
  let probabilities: tf.Tensor | undefined;
  const op = tf.customGrad(((z: tf.Tensor, save: GradSave) => {
    const [loss, p] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, { logits: z, labels }) as tf.Tensor[];
    // customGrad runs this in a tidy: keep the probabilities for the caller (who disposes them).
    probabilities = tf.keep(p);
    save([p, labels]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL, {
          probabilities: saved[0],
          labels: saved[1],
          dy,
        }) as tf.Tensor,
    };
  }) as unknown as CustomGradientFunc);
  const loss = op(logits) as tf.Scalar;
  return { loss, probabilities: probabilities as tf.Tensor };
}

/**
 * For a stack of Dense layers ending in softmax, trained with categorical cross-entropy, with
 * the kernels above registered: the step's forward pass and loss with fused kernels (the
 * outputs are the softmax probabilities). Undefined for any other model.
 */
export function fusedDenseForward(model: tf.LayersModel): StepParts['forward'] | undefined {
  const plan = densePlan(model);
  if (!plan) return undefined;
  return (xs, ys) => {
    let activations = xs;
    for (const [index, { layer, activation }] of plan.entries()) {
      const kernel = layer.kernel!.read();
      const bias = layer.useBias ? layer.bias!.read() : undefined;
      activations = denseOp(activations, kernel, bias, activation === 'relu' ? 'relu' : 'linear', index > 0);
    }
    const { loss, probabilities } = softmaxCrossEntropyOp(activations, ys);
    return { loss, outputs: probabilities };
  };
}
