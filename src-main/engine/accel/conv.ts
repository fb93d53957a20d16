/**
 * Convolution and max-pooling kernels for the tfjs WebAssembly backend through the OpenBLAS
 * addon (native/conv.c), in place on the WebAssembly heap: Conv2D and FusedConv2D (bias and
 * relu fused) forward as im2col + sgemm, Conv2DBackpropInput and Conv2DBackpropFilter as the
 * two transposed products (+ col2im), MaxPool and MaxPoolGrad as one pass each.
 *
 * Measured on the Small CNN at batch 32 (`npx tsx src-main/cli/bench-profile.ts --preset
 * small-cnn`): the stock backend spends ~54 ms per step in Conv2DBackpropFilter (a JavaScript
 * loop; the backend lacks it), ~28 ms in Conv2DBackpropInput and ~15 ms in MaxPoolGrad (scalar
 * loops), ~4 ms in Conv2D. Anything outside what these handle (NCHW, dilations, other dtypes,
 * activations other than linear/relu, PReLU weights, explicit pads beyond the window) goes to
 * the stock kernel unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry, NativeAddon } from './addon';
import { callKernel, heapBuffer, heapOffset, type KernelArguments, type ReplacementKernel } from './wasm-heap';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type Shape4D = [number, number, number, number];
type PadAttr = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type RoundingAttr = 'floor' | 'round' | 'ceil' | undefined;

const CONV_ACTIVATIONS = ['linear', 'relu'] as const;
export type ConvActivation = (typeof CONV_ACTIVATIONS)[number];
export const isConvActivation = (name: string): name is ConvActivation =>
  (CONV_ACTIVATIONS as readonly string[]).includes(name);

/** True when the native kernels compute this geometry (the C side checks the same). */
function nativeGeometry(info: Conv2DInfo): boolean {
  const { padInfo } = info;
  return (
    info.dataFormat === 'channelsLast' &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.batchSize > 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0 &&
    info.inChannels > 0 &&
    info.outChannels > 0 &&
    padInfo.top >= 0 &&
    padInfo.left >= 0 &&
    padInfo.top < info.filterHeight &&
    padInfo.left < info.filterWidth &&
    (info.outHeight - 1) * info.strideHeight < info.inHeight + padInfo.top &&
    (info.outWidth - 1) * info.strideWidth < info.inWidth + padInfo.left
  );
}

/** The addon's view of a convolution's (or pool's) shape. */
function geometryOf(info: Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** How the native conv kernels run: 2 threads split the images in halves (config.convThreads). */
export interface ConvOptions {
  threads: number;
}

export function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: tf.NamedAttrMap,
): Conv2DInfo | undefined {
  if (xShape.length !== 4 || filterShape.length !== 4) return undefined;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return undefined;
  try {
    const info = tf.backend_util.computeConv2DInfo(
      xShape as Shape4D,
      filterShape as Shape4D,
      attrs.strides as number | [number, number],
      (attrs.dilations ?? 1) as number | [number, number],
      attrs.pad as PadAttr,
      attrs.dimRoundingMode as RoundingAttr,
      false,
      'channelsLast',
    );
    return nativeGeometry(info) ? info : undefined;
  } catch {
    return undefined;
  }
}

const float32 = (...tensors: (tf.TensorInfo | undefined)[]) => tensors.every((t) => t?.dtype === 'float32');

/** out = activation(conv(x, filter) + bias) in one native call. */
function runConv2d(
  addon: NativeAddon,
  options: ConvOptions,
  args: KernelArguments,
  info: Conv2DInfo,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  activation: ConvActivation,
): tf.TensorInfo {
  const { backend } = args;
  const out = backend.makeOutput(info.outShape, 'float32');
  addon.conv2d(heapBuffer(backend), geometryOf(info), {
    x: heapOffset(backend, x),
    filter: heapOffset(backend, filter),
    bias: bias ? heapOffset(backend, bias) : undefined,
    out: heapOffset(backend, out),
    activation,
    threads: options.threads,
  });
  return out;
}

export interface ConvGradRequest {
  x?: tf.TensorInfo;
  filter?: tf.TensorInfo;
  /** The forward output, for relu's mask. */
  y?: tf.TensorInfo;
  dy: tf.TensorInfo;
  filterGrad: boolean;
  biasGrad: boolean;
  inputGrad: boolean;
  activation: ConvActivation;
}

/** dFilter, dBias, dx (those asked for, in that order) in one native call. */
export function runConv2dGrad(
  addon: NativeAddon,
  options: ConvOptions,
  args: KernelArguments,
  info: Conv2DInfo,
  request: ConvGradRequest,
): tf.TensorInfo[] {
  const { backend } = args;
  const filterShape = [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels];
  const dFilter = request.filterGrad ? backend.makeOutput(filterShape, 'float32') : undefined;
  const dBias = request.biasGrad ? backend.makeOutput([info.outChannels], 'float32') : undefined;
  const dx = request.inputGrad ? backend.makeOutput(info.inShape as number[], 'float32') : undefined;
  // Offsets after the allocations: allocating may grow (and so replace) the heap.
  const offset = (tensor: tf.TensorInfo | undefined) => (tensor ? heapOffset(backend, tensor) : undefined);
  addon.conv2dGrad(heapBuffer(backend), geometryOf(info), {
    x: offset(request.x),
    filter: offset(request.filter),
    y: offset(request.y),
    dy: heapOffset(backend, request.dy),
    dFilter: offset(dFilter),
    dBias: offset(dBias),
    dx: offset(dx),
    activation: request.activation,
    threads: options.threads,
  });
  return [dFilter, dBias, dx].filter((tensor): tensor is tf.TensorInfo => tensor !== undefined);
}

function nativeConv2d(addon: NativeAddon, options: ConvOptions, reference: tf.KernelConfig): ReplacementKernel {
  return (args) => {
    const { x, filter } = args.inputs;
    const info = x && filter && float32(x, filter) ? convInfo(x.shape, filter.shape, args.attrs) : undefined;
    if (!info) return callKernel(reference, args);
    return runConv2d(addon, options, args, info, x!, filter!, undefined, 'linear');
  };
}

function nativeFusedConv2d(addon: NativeAddon, options: ConvOptions, reference: tf.KernelConfig): ReplacementKernel {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const activation = String(args.attrs.activation ?? 'linear');
    if (!x || !filter || !float32(x, filter) || !isConvActivation(activation) || preluActivationWeights)
      return callKernel(reference, args);
    const info = convInfo(x.shape, filter.shape, args.attrs);
    const perChannel = bias && bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === info?.outChannels;
    if (!info || (bias && !(perChannel && bias.shape.length === 1))) return callKernel(reference, args);
    return runConv2d(addon, options, args, info, x, filter, bias, activation);
  };
}

function nativeConv2dBackpropInput(
  addon: NativeAddon,
  options: ConvOptions,
  reference: tf.KernelConfig,
): ReplacementKernel {
  return (args) => {
    const { dy, filter } = args.inputs;
    const inputShape = args.attrs.inputShape as number[];
    const info = dy && filter && float32(dy, filter) ? convInfo(inputShape, filter.shape, args.attrs) : undefined;
    if (!info || !tf.util.arraysEqual(info.outShape, dy!.shape)) return callKernel(reference, args);
    const request = {
      filter,
      dy: dy!,
      filterGrad: false,
      biasGrad: false,
      inputGrad: true,
      activation: 'linear' as const,
    };
    return runConv2dGrad(addon, options, args, info, request)[0];
  };
}

function nativeConv2dBackpropFilter(
  addon: NativeAddon,
  options: ConvOptions,
  reference: tf.KernelConfig,
): ReplacementKernel {
  return (args) => {
    const { x, dy } = args.inputs;
    const filterShape = args.attrs.filterShape as number[];
    const info = x && dy && float32(x, dy) ? convInfo(x.shape, filterShape, args.attrs) : undefined;
    if (!info || !tf.util.arraysEqual(info.outShape, dy!.shape)) return callKernel(reference, args);
    const request = { x, dy: dy!, filterGrad: true, biasGrad: false, inputGrad: false, activation: 'linear' as const };
    return runConv2dGrad(addon, options, args, info, request)[0];
  };
}

function poolInfo(xShape: readonly number[], attrs: tf.NamedAttrMap): Conv2DInfo | undefined {
  if (xShape.length !== 4) return undefined;
  try {
    const info = tf.backend_util.computePool2DInfo(
      xShape as Shape4D,
      attrs.filterSize as number | [number, number],
      attrs.strides as number | [number, number],
      1,
      attrs.pad as PadAttr,
      attrs.dimRoundingMode as RoundingAttr,
    );
    return nativeGeometry(info) ? info : undefined;
  } catch {
    return undefined;
  }
}

function nativeMaxPool(addon: NativeAddon, options: ConvOptions, reference: tf.KernelConfig): ReplacementKernel {
  return (args) => {
    const { x } = args.inputs;
    const info = x && float32(x) ? poolInfo(x.shape, args.attrs) : undefined;
    if (!info) return callKernel(reference, args);
    const { backend } = args;
    const out = backend.makeOutput(info.outShape, 'float32');
    addon.maxPool(heapBuffer(backend), geometryOf(info), {
      x: heapOffset(backend, x!),
      out: heapOffset(backend, out),
      threads: options.threads,
    });
    return out;
  };
}

function nativeMaxPoolGrad(addon: NativeAddon, options: ConvOptions, reference: tf.KernelConfig): ReplacementKernel {
  return (args) => {
    const { dy, input } = args.inputs;
    const info = dy && input && float32(dy, input) ? poolInfo(input.shape, args.attrs) : undefined;
    if (!info || !tf.util.arraysEqual(info.outShape, dy!.shape)) return callKernel(reference, args);
    const { backend } = args;
    const dx = backend.makeOutput([...input!.shape], 'float32');
    addon.maxPool(heapBuffer(backend), geometryOf(info), {
      x: heapOffset(backend, input!),
      dy: heapOffset(backend, dy!),
      dx: heapOffset(backend, dx),
      threads: options.threads,
    });
    return dx;
  };
}

/** The replacements, by kernel name, for accel/index.ts to install. */
export const CONV_KERNELS: [
  string,
  (addon: NativeAddon, options: ConvOptions, reference: tf.KernelConfig) => ReplacementKernel,
][] = [
  [tf.Conv2D, nativeConv2d],
  [tf.FusedConv2D, nativeFusedConv2d],
  [tf.Conv2DBackpropInput, nativeConv2dBackpropInput],
  [tf.Conv2DBackpropFilter, nativeConv2dBackpropFilter],
  [tf.MaxPool, nativeMaxPool],
  [tf.MaxPoolGrad, nativeMaxPoolGrad],
];
