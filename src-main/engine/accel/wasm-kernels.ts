/**
 * A fallback for machines without the OpenBLAS addon, inside the WebAssembly backend only.
 * tfjs-backend-wasm gives a matrix product to XNNPACK only when no operand is transposed and
 * there is a single matrix; with a transpose flag (every gradient of a Dense layer) it runs a
 * scalar loop that is 5-15x slower. These kernels transpose the flagged operand explicitly
 * (the backend's own Transpose kernel) and then ask for the untransposed product.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, matMulGeometry, type KernelArguments, type ReplacementKernel } from './wasm-heap';

/** The operand as a rank-3 [batch, rows, cols] tensor with its last two axes swapped. */
function transposedMatrices(args: KernelArguments, transpose: KernelConfig, x: TensorInfo): TensorInfo {
  const rows = x.shape[x.shape.length - 2];
  const cols = x.shape[x.shape.length - 1];
  const batch = x.shape.slice(0, -2).reduce((product, dim) => product * dim, 1);
  const asRank3: TensorInfo = { dataId: x.dataId, shape: [batch, rows, cols], dtype: x.dtype };
  return callKernel(transpose, { inputs: { x: asRank3 }, backend: args.backend, attrs: { perm: [0, 2, 1] } });
}

/**
 * Wraps a matrix-product kernel (BatchMatMul or _FusedMatMul): with a transpose flag and a
 * single matrix per operand, transpose first and call it without flags; otherwise pass through.
 */
export function transposeFirst(reference: KernelConfig, transpose: KernelConfig): ReplacementKernel {
  return (args: KernelArguments) => {
    const { a, b } = args.inputs;
    const transposeA = Boolean(args.attrs.transposeA);
    const transposeB = Boolean(args.attrs.transposeB);
    if (!a || !b || (!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return callKernel(reference, args);
    }
    const geometry = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    // XNNPACK only takes single matrices; batched products gain nothing from the rewrite.
    if (!geometry || geometry.batchA !== 1 || geometry.batchB !== 1) return callKernel(reference, args);
    const temporaries: TensorInfo[] = [];
    const plainA = transposeA ? transposedMatrices(args, transpose, a) : a;
    if (transposeA) temporaries.push(plainA);
    const plainB = transposeB ? transposedMatrices(args, transpose, b) : b;
    if (transposeB) temporaries.push(plainB);
    try {
      const out = callKernel(reference, {
        inputs: { ...args.inputs, a: plainA, b: plainB },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
      return { ...out, shape: geometry.outShape };
    } finally {
      for (const temporary of temporaries) args.backend.disposeData(temporary.dataId);
    }
  };
}

/**
 * Identity without a copy. tfjs clones every tensor its tape saves for the backward pass
 * (~30 per training step, the 784x512 kernel among them); the stock wasm Identity copies the
 * values each time. Tensors are immutable, so the clone can share the data with a reference
 * count, as the wasm Reshape kernel and the CPU backend's Identity already do.
 */
export function sharedIdentity(reference: KernelConfig): ReplacementKernel {
  return (args: KernelArguments) => {
    const { x } = args.inputs;
    if (!x || x.dtype === 'string') return callKernel(reference, args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
