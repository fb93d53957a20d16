/**
 * A training step for sequential conv nets with fewer kernels, on the WebAssembly backend with
 * the OpenBLAS addon (the conv counterpart of dense.ts' fused Dense step).
 *
 * In training tfjs-layers runs a Conv2D(relu) layer as conv + add + relu (tfjs-core fuses bias
 * and activation only outside gradient scopes), and its backward pass as relu's mask (step +
 * mul), the bias gradient (a sum over batch, rows and columns that the wasm backend transposes
 * first) and the two convolution gradients. Here each such layer is one custom-gradient op:
 * forward one FusedConv2D (bias and relu inside the product's pass, conv.ts), backward one
 * kernel giving dFilter, dBias and dx from the relu-masked dy. Dense layers use dense.ts' ops,
 * the softmax output its fused cross-entropy; every other layer (MaxPooling2D, Flatten,
 * Dropout...) runs its own `apply` in training mode. Same variables, same optimizer, same math.
 */
import * as tf from '@tensorflow/tfjs';
import { convInfo, isConvActivation, runConv2dGrad, type ConvOptions } from './conv';
import type { StepParts } from '../step';
import { denseOp, softmaxCrossEntropyOp } from './dense';
import type { NativeAddon } from './addon';
import { asKernelFunc, type KernelArguments } from './wasm-heap';

const CONV_GRAD_KERNEL = 'MnistStudioConv2DGrad';
const BACKEND = 'wasm';

/** Inputs x, filter, y, dy; outputs dFilter, then dBias (attr bias), then dx (attr inputGradient). */
function convGradKernel(addon: NativeAddon, options: ConvOptions) {
  return (args: KernelArguments): tf.TensorInfo[] => {
    const { x, filter, y, dy } = args.inputs;
    if (!x || !filter || !y || !dy) throw new Error(`${CONV_GRAD_KERNEL} is missing inputs.`);
    const info = convInfo(x.shape, filter.shape, args.attrs);
    const activation = String(args.attrs.activation);
    if (!info || !isConvActivation(activation))
      throw new Error(`${CONV_GRAD_KERNEL}: unsupported geometry or activation.`);
    return runConv2dGrad(addon, options, args, info, {
      x,
      filter,
      y,
      dy,
      filterGrad: true,
      biasGrad: Boolean(args.attrs.bias),
      inputGrad: Boolean(args.attrs.inputGradient),
      activation,
    });
  };
}

/** Registers the fused conv gradient kernel; the returned function unregisters it. */
export function registerConvStepKernel(addon: NativeAddon, options: ConvOptions): () => void {
  unregisterConvStepKernel();
  tf.registerKernel({
    kernelName: CONV_GRAD_KERNEL,
    backendName: BACKEND,
    kernelFunc: asKernelFunc(convGradKernel(addon, options)),
  });
  return unregisterConvStepKernel;
}

function unregisterConvStepKernel(): void {
  if (tf.getKernel(CONV_GRAD_KERNEL, BACKEND)) tf.unregisterKernel(CONV_GRAD_KERNEL, BACKEND);
}

/** The tfjs-layers Conv2D and Dense fields the fused step reads (all present in tfjs-layers 4.x). */
interface WeightedLayerInternals {
  kernel?: { read(): tf.Variable };
  bias?: { read(): tf.Variable } | null;
  useBias: boolean;
  activation?: { getClassName(): string };
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  activityRegularizer?: unknown;
  strides?: number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
}

type Step =
  | { kind: 'conv'; layer: WeightedLayerInternals; activation: 'linear' | 'relu'; attrs: tf.NamedAttrMap }
  | { kind: 'dense'; layer: WeightedLayerInternals; activation: 'linear' | 'relu' | 'softmax' }
  | { kind: 'apply'; layer: tf.layers.Layer };

function plainWeights(layer: WeightedLayerInternals): boolean {
  if (!layer.kernel || (layer.useBias && !layer.bias)) return false;
  if (layer.kernelRegularizer || layer.biasRegularizer || layer.activityRegularizer) return false;
  return layer.kernel.read().dtype === 'float32';
}

function convStep(layer: tf.layers.Layer, batchInput: number[]): Step | undefined {
  const conv = layer as unknown as WeightedLayerInternals;
  const activation = conv.activation?.getClassName() ?? 'linear';
  if (!plainWeights(conv) || !isConvActivation(activation) || conv.dataFormat !== 'channelsLast') return undefined;
  const dilations = Array.isArray(conv.dilationRate) ? conv.dilationRate : [conv.dilationRate ?? 1];
  if (dilations.some((rate) => rate !== 1)) return undefined;
  const attrs = { strides: conv.strides ?? [1, 1], pad: conv.padding ?? 'valid', dataFormat: 'NHWC', dilations: 1 };
  if (!convInfo(batchInput, conv.kernel!.read().shape, attrs)) return undefined;
  return { kind: 'conv', layer: conv, activation: activation as 'linear' | 'relu', attrs };
}

/** The layers as steps, or undefined when the model is not a conv net ending in Dense softmax. */
function convPlan(model: tf.LayersModel): Step[] | undefined {
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  if (layers.length === 0 || model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  if (!layers.some((layer) => layer.getClassName() === 'Conv2D')) return undefined;
  const plan: Step[] = [];
  for (const [index, layer] of layers.entries()) {
    const last = index === layers.length - 1;
    const className = layer.getClassName();
    // One example's input shape (the batch dimension is null in the symbolic shape).
    const inputShape = [1, ...(layer.input as tf.SymbolicTensor).shape.slice(1)] as number[];
    if (className === 'Conv2D' && !last) {
      plan.push((inputShape.length === 4 && convStep(layer, inputShape)) || { kind: 'apply', layer });
    } else if (className === 'Dense') {
      const dense = layer as unknown as WeightedLayerInternals;
      const activation = dense.activation?.getClassName() ?? 'linear';
      const flatInput = inputShape.length === 2;
      const fits = plainWeights(dense) && flatInput && (last ? activation === 'softmax' : isConvActivation(activation));
      if (!fits && last) return undefined;
      plan.push(
        fits ? { kind: 'dense', layer: dense, activation: activation as 'linear' | 'relu' } : { kind: 'apply', layer },
      );
    } else {
      if (last) return undefined;
      plan.push({ kind: 'apply', layer });
    }
  }
  return plan;
}

type GradSave = (tensors: tf.Tensor[]) => void;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** y = activation(conv(x, filter) + bias) as one op whose gradient is one kernel. */
function convOp(
  x: tf.Tensor,
  filter: tf.Variable,
  bias: tf.Variable | undefined,
  step: Extract<Step, { kind: 'conv' }>,
  inputGradient: boolean,
): tf.Tensor {
  const inputs = [...(inputGradient ? [x] : []), filter, ...(bias ? [bias] : [])];
  const op = tf.customGrad(((...args: (tf.Tensor | GradSave)[]) => {
    const save = args[args.length - 1] as GradSave;
    const y = tf
      .engine()
      .runKernel(
        tf.FusedConv2D,
        { x, filter, ...(bias ? { bias } : {}) },
        { ...step.attrs, activation: step.activation },
      ) as tf.Tensor;
    save([x, filter, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedFilter, savedY] = saved;
        const grads = tf
          .engine()
          .runKernel(
            CONV_GRAD_KERNEL,
            { x: savedX, filter: savedFilter, y: savedY, dy },
            { ...step.attrs, activation: step.activation, bias: Boolean(bias), inputGradient },
          ) as tf.Tensor[];
        // Kernel order dFilter, dBias, dx; customGrad wants the inputs' order: x, filter, bias.
        return inputGradient ? [grads[grads.length - 1], ...grads.slice(0, -1)] : grads;
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(...inputs);
}

/**
 * For a sequential conv net ending in Dense(softmax), trained with categorical cross-entropy on
 * the WebAssembly backend with the addon's kernels: the step's forward part (loss and outputs)
 * with fused conv and Dense layers. Undefined otherwise (then the stock forward runs).
 */
export function fusedConvForward(model: tf.LayersModel): StepParts['forward'] | undefined {
  if (tf.getBackend() !== BACKEND || !tf.getKernel(CONV_GRAD_KERNEL, BACKEND)) return undefined;
  const plan = convPlan(model);
  if (!plan) return undefined;
  return (xs, ys) => {
    let activations = xs;
    // The first weighted layer needs no input gradient (the images are constants).
    let needsInputGradient = false;
    for (const step of plan) {
      if (step.kind === 'apply') {
        activations = step.layer.apply(activations, { training: true }) as tf.Tensor;
        needsInputGradient ||= step.layer.trainableWeights.length > 0;
        continue;
      }
      const kernel = step.layer.kernel!.read();
      const bias = step.layer.useBias ? step.layer.bias!.read() : undefined;
      if (step.kind === 'conv') activations = convOp(activations, kernel, bias, step, needsInputGradient);
      else {
        const activation = step.activation === 'relu' ? 'relu' : 'linear';
        activations = denseOp(activations, kernel, bias, activation, needsInputGradient);
      }
      needsInputGradient = true;
    }
    const { loss, probabilities } = softmaxCrossEntropyOp(activations, ys);
    return { loss, outputs: probabilities };
  };
}
