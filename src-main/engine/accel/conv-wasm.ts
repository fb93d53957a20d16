/**
 * Conv gradients and MaxPoolGrad for the WebAssembly backend without the OpenBLAS addon. The
 * stock route is slow: Conv2DBackpropFilter is a JavaScript loop (missing-kernels.ts; the
 * backend lacks it), Conv2DBackpropInput and MaxPoolGrad are scalar C++ loops. Here each
 * convolution gradient is im2col/col2im in JavaScript on the heap around one untransposed
 * product, which the backend gives to XNNPACK (the fast path the Dense fallback also uses):
 *   dFilter = cols^T . dy   (cols^T written directly, [fh*fw*in, pixels])
 *   dx      = col2im(dy . filter^T)
 * and MaxPoolGrad is one pass routing dy to each window's first maximum.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { convInfo } from './conv';
import { callKernel, heapBuffer, heapOffset, type KernelArguments, type ReplacementKernel } from './wasm-heap';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

function floats(args: KernelArguments, tensor: TensorInfo, count: number): Float32Array {
  return new Float32Array(heapBuffer(args.backend), heapOffset(args.backend, tensor), count);
}

/** a [m, k] x b [k, n] through the backend's own BatchMatMul (XNNPACK when untransposed). */
function product(
  args: KernelArguments,
  batchMatMul: KernelConfig,
  a: TensorInfo,
  b: TensorInfo,
  m: number,
  k: number,
  n: number,
): TensorInfo {
  const as3 = (t: TensorInfo, rows: number, cols: number): TensorInfo => ({
    dataId: t.dataId,
    shape: [1, rows, cols],
    dtype: 'float32',
  });
  return callKernel(batchMatMul, {
    inputs: { a: as3(a, m, k), b: as3(b, k, n) },
    backend: args.backend,
    attrs: { transposeA: false, transposeB: false },
  });
}

/** Visits every (output pixel row, patch column, input index) of the geometry; index < 0 is padding. */
function forEachTap(info: Conv2DInfo, visit: (row: number, column: number, input: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  let row = 0;
  for (let b = 0; b < batchSize; b++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++, row++) {
        let column = 0;
        for (let fh = 0; fh < filterHeight; fh++) {
          const ih = oh * strideHeight + fh - top;
          for (let fw = 0; fw < filterWidth; fw++) {
            const iw = ow * strideWidth + fw - left;
            const inside = ih >= 0 && ih < inHeight && iw >= 0 && iw < inWidth;
            const base = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            for (let c = 0; c < inChannels; c++, column++) visit(row, column, inside ? base + c : -1);
          }
        }
      }
}

export function wasmConv2dBackpropFilter(reference: KernelConfig, batchMatMul: KernelConfig): ReplacementKernel {
  return (args) => {
    const { x, dy } = args.inputs;
    const filterShape = args.attrs.filterShape as number[];
    const info =
      x?.dtype === 'float32' && dy?.dtype === 'float32' ? convInfo(x.shape, filterShape, args.attrs) : undefined;
    if (!info || !tf.util.arraysEqual(info.outShape, dy!.shape)) return callKernel(reference, args);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const patch = info.filterHeight * info.filterWidth * info.inChannels;
    const colsT = args.backend.makeOutput([patch, rows], 'float32');
    const source = floats(args, x!, tf.util.sizeFromShape(x!.shape));
    const target = floats(args, colsT, patch * rows);
    forEachTap(info, (row, column, input) => (target[column * rows + row] = input < 0 ? 0 : source[input]));
    try {
      const dFilter = product(args, batchMatMul, colsT, dy!, patch, rows, info.outChannels);
      return { ...dFilter, shape: filterShape };
    } finally {
      args.backend.disposeData(colsT.dataId);
    }
  };
}

export function wasmConv2dBackpropInput(
  reference: KernelConfig,
  batchMatMul: KernelConfig,
  transpose: KernelConfig,
): ReplacementKernel {
  return (args) => {
    const { dy, filter } = args.inputs;
    const inputShape = args.attrs.inputShape as number[];
    const info =
      dy?.dtype === 'float32' && filter?.dtype === 'float32'
        ? convInfo(inputShape, filter.shape, args.attrs)
        : undefined;
    if (!info || !tf.util.arraysEqual(info.outShape, dy!.shape)) return callKernel(reference, args);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const patch = info.filterHeight * info.filterWidth * info.inChannels;
    const asMatrix: TensorInfo = { dataId: filter!.dataId, shape: [patch, info.outChannels], dtype: 'float32' };
    const filterT = callKernel(transpose, { inputs: { x: asMatrix }, backend: args.backend, attrs: { perm: [1, 0] } });
    let dcols: TensorInfo | undefined;
    try {
      dcols = product(args, batchMatMul, dy!, filterT, rows, info.outChannels, patch);
      const dx = args.backend.makeOutput(inputShape, 'float32');
      const values = floats(args, dcols, rows * patch);
      const target = floats(args, dx, tf.util.sizeFromShape(inputShape));
      target.fill(0);
      forEachTap(info, (row, column, input) => {
        if (input >= 0) target[input] += values[row * patch + column];
      });
      return dx;
    } finally {
      args.backend.disposeData(filterT.dataId);
      if (dcols) args.backend.disposeData(dcols.dataId);
    }
  };
}

export function wasmMaxPoolGrad(reference: KernelConfig): ReplacementKernel {
  return (args) => {
    const { dy, input } = args.inputs;
    if (dy?.dtype !== 'float32' || input?.dtype !== 'float32' || input.shape.length !== 4)
      return callKernel(reference, args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      args.attrs.filterSize as number | [number, number],
      args.attrs.strides as number | [number, number],
      1,
      args.attrs.pad as 'valid' | 'same' | number,
      args.attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    if (!tf.util.arraysEqual(info.outShape, dy.shape) || info.dilationHeight !== 1 || info.dilationWidth !== 1)
      return callKernel(reference, args);
    const dx = args.backend.makeOutput([...input.shape], 'float32');
    const x = floats(args, input, tf.util.sizeFromShape(input.shape));
    const gradient = floats(args, dy, tf.util.sizeFromShape(dy.shape));
    const target = floats(args, dx, x.length);
    target.fill(0);
    const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
    const { filterHeight, filterWidth } = info;
    const { top, left } = info.padInfo;
    let out = 0;
    for (let b = 0; b < batchSize; b++)
      for (let oh = 0; oh < outHeight; oh++) {
        const h0 = Math.max(0, oh * strideHeight - top);
        const h1 = Math.min(inHeight, oh * strideHeight - top + filterHeight);
        for (let ow = 0; ow < outWidth; ow++) {
          const w0 = Math.max(0, ow * strideWidth - left);
          const w1 = Math.min(inWidth, ow * strideWidth - left + filterWidth);
          for (let ch = 0; ch < c; ch++, out++) {
            let best = ((b * inHeight + h0) * inWidth + w0) * c + ch;
            for (let ih = h0; ih < h1; ih++)
              for (let iw = w0; iw < w1; iw++) {
                const at = ((b * inHeight + ih) * inWidth + iw) * c + ch;
                if (x[at] > x[best]) best = at;
              }
            target[best] += gradient[out];
          }
        }
      }
    return dx;
  };
}
