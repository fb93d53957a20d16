/**
 * The parts of tfjs-backend-wasm's backend object that replacement kernels use: where a
 * tensor lives on the WebAssembly heap, and how to allocate an output there. Typed here
 * because the package does not export its backend class's internals in a stable way.
 */
import type { DataType, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
}

export interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

export interface KernelArguments {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackendInternals;
  attrs: NamedAttrMap;
}

export type ReplacementKernel = (args: KernelArguments) => TensorInfo;

/** Calls a kernel config's function with our argument shape (tfjs types it more loosely). */
export function callKernel(config: KernelConfig, args: KernelArguments): TensorInfo {
  const run = config.kernelFunc as unknown as (kernelArgs: KernelArguments) => TensorInfo | TensorInfo[];
  const result = run(args);
  if (Array.isArray(result)) throw new Error(`Kernel ${config.kernelName} returned several outputs.`);
  return result;
}

export function asKernelFunc(kernel: (args: KernelArguments) => TensorInfo | TensorInfo[]): KernelFunc {
  return kernel as unknown as KernelFunc;
}

/** Byte offset of a tensor's values on the heap. */
export function heapOffset(backend: WasmBackendInternals, tensor: TensorInfo): number {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (!data) throw new Error('A tensor given to an accelerated kernel is not on the WebAssembly heap.');
  return data.memoryOffset;
}

/** The heap's current ArrayBuffer; read it after the last allocation, since growing replaces it. */
export function heapBuffer(backend: WasmBackendInternals): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** The geometry of a (batch) matrix product, as tfjs' BatchMatMul defines it. */
export interface MatMulGeometry {
  /** Matrices in the output batch; 1 when neither operand has batch dimensions. */
  batch: number;
  /** Matrices in each operand's batch (1 means broadcast). */
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
}

/**
 * Shapes of `op(a) x op(b)` with tfjs' rules, or undefined when the batch dimensions need a
 * broadcast the simple strided loop cannot express (then the reference kernel handles it).
 */
export function matMulGeometry(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulGeometry | undefined {
  if (aShape.length < 2 || bShape.length < 2) return undefined;
  const aRank = aShape.length;
  const bRank = bShape.length;
  const k = transposeA ? aShape[aRank - 2] : aShape[aRank - 1];
  const kOfB = transposeB ? bShape[bRank - 1] : bShape[bRank - 2];
  if (k !== kOfB) return undefined;
  const m = transposeA ? aShape[aRank - 1] : aShape[aRank - 2];
  const n = transposeB ? bShape[bRank - 2] : bShape[bRank - 1];
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((dim, i) => dim === outerB[i]);
  let outerOut: number[] | undefined;
  if (sameOuter) outerOut = outerA;
  else if (batchA === 1 && outerB.length >= outerA.length) outerOut = outerB;
  else if (batchB === 1 && outerA.length >= outerB.length) outerOut = outerA;
  if (!outerOut) return undefined;
  return { batch: Math.max(batchA, batchB), batchA, batchB, m, n, k, outShape: [...outerOut, m, n] };
}
