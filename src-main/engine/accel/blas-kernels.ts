/**
 * Matrix-product kernels for the tfjs WebAssembly backend that call the machine's OpenBLAS
 * through the addon, working in place on the WebAssembly heap. Anything outside what the addon
 * handles (other dtypes, exotic broadcasts, activations other than linear/relu/relu6, PReLU
 * weights) goes to the reference kernel unchanged.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { isNativeActivation, type NativeActivation, type NativeAddon } from './addon';
import {
  callKernel,
  heapBuffer,
  heapOffset,
  matMulGeometry,
  sizeOf,
  type KernelArguments,
  type MatMulGeometry,
  type ReplacementKernel,
  type WasmBackendInternals,
} from './wasm-heap';

export interface BlasKernelOptions {
  /** Whether products may skip a mostly-zero left operand's zeros. */
  sparse: boolean;
}

function runProduct(
  addon: NativeAddon,
  options: BlasKernelOptions,
  backend: WasmBackendInternals,
  operands: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo },
  geometry: MatMulGeometry,
  transposeA: boolean,
  transposeB: boolean,
  activation: NativeActivation,
): TensorInfo {
  const out = backend.makeOutput(geometry.outShape, 'float32');
  const { batch, batchA, batchB, m, n, k } = geometry;
  if (sizeOf(geometry.outShape) === 0) return out;
  const { a, b, bias } = operands;
  // Offsets are read after makeOutput: allocating may grow (and so replace) the heap.
  addon.batchMatMul(heapBuffer(backend), {
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    a: heapOffset(backend, a),
    aStride: batchA === 1 ? 0 : m * k,
    b: heapOffset(backend, b),
    bStride: batchB === 1 ? 0 : k * n,
    out: heapOffset(backend, out),
    bias: bias ? heapOffset(backend, bias) : undefined,
    biasSize: bias ? sizeOf(bias.shape) : 0,
    activation,
    sparse: options.sparse,
  });
  return out;
}

/** BatchMatMul through OpenBLAS, every transpose combination, batches and 1-broadcasts. */
export function blasBatchMatMul(
  addon: NativeAddon,
  options: BlasKernelOptions,
  reference: KernelConfig,
): ReplacementKernel {
  return (args: KernelArguments) => {
    const { a, b } = args.inputs;
    const transposeA = Boolean(args.attrs.transposeA);
    const transposeB = Boolean(args.attrs.transposeB);
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return callKernel(reference, args);
    const geometry = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    if (!geometry) return callKernel(reference, args);
    return runProduct(addon, options, args.backend, { a, b }, geometry, transposeA, transposeB, 'linear');
  };
}

/** _FusedMatMul (Dense layers' forward pass): product, bias and relu in one native call. */
export function blasFusedMatMul(
  addon: NativeAddon,
  options: BlasKernelOptions,
  reference: KernelConfig,
): ReplacementKernel {
  return (args: KernelArguments) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const transposeA = Boolean(args.attrs.transposeA);
    const transposeB = Boolean(args.attrs.transposeB);
    const activation = String(args.attrs.activation);
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return callKernel(reference, args);
    if (!isNativeActivation(activation) || preluActivationWeights) return callKernel(reference, args);
    const geometry = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    if (!geometry) return callKernel(reference, args);
    if (bias) {
      const biasSize = sizeOf(bias.shape);
      const perColumn = bias.shape.length === 1 && biasSize === geometry.n;
      if (bias.dtype !== 'float32' || !(perColumn || biasSize === 1)) return callKernel(reference, args);
    }
    return runProduct(addon, options, args.backend, { a, b, bias }, geometry, transposeA, transposeB, activation);
  };
}
