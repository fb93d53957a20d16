/**
 * Training batches written straight onto the WebAssembly heap. The stock way (dataset.ts'
 * Batcher) scales the pixels into a JavaScript Float32Array and `tf.tensor` then copies it
 * into the heap; here the backend allocates the tensor and the scaled pixels are written into
 * its memory once, by the OpenBLAS addon's gatherBatch when it is loaded (a few microseconds
 * instead of ~50 for the JavaScript loop), else through a 256-entry table (the same float32
 * values as `pixel / 255` either way).
 */
import * as tf from '@tensorflow/tfjs';
import type { LabelledImages } from '../idx';
import { loadNativeAddon } from './native-kernels';
import { heapOffset, type WasmBackendInternals } from './wasm-heap';

const BACKEND = 'wasm';
/** Math.fround(pixel / 255): what storing `pixel / 255` into a Float32Array gives. */
const SCALED = Float32Array.from({ length: 256 }, (_, pixel) => pixel / 255);

export interface BatchSource {
  batch(indices: ArrayLike<number>, start: number, end: number): { xs: tf.Tensor; ys: tf.Tensor2D };
}

/** A batch maker for `set` that writes into the wasm heap, or undefined off the wasm backend. */
export function heapBatcher(set: LabelledImages, inputShape: number[], numClasses: number): BatchSource | undefined {
  if (tf.getBackend() !== BACKEND || process.env.MNIST_STUDIO_HEAP_BATCH === '0') return undefined;
  const pixels = set.rows * set.cols;
  if (inputShape.reduce((product, dim) => product * dim, 1) !== pixels) return undefined;
  const { images, labels } = set;
  const load = loadNativeAddon();
  const addon = load.addon && typeof load.addon.gatherBatch === 'function' ? load.addon : undefined;
  return {
    batch(indices, start, end) {
      const size = end - start;
      const backend = tf.backend() as unknown as WasmBackendInternals;
      const xsInfo = backend.makeOutput([size, ...inputShape], 'float32');
      const ysInfo = backend.makeOutput([size, numClasses], 'float32');
      // Views made after both allocations: allocating may grow (and so replace) the heap.
      const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
      if (addon && indices instanceof Int32Array) {
        addon.gatherBatch(
          heap,
          images,
          pixels,
          indices,
          start,
          size,
          heapOffset(backend, xsInfo),
          labels,
          numClasses,
          heapOffset(backend, ysInfo),
        );
        return {
          xs: tf.engine().makeTensorFromTensorInfo(xsInfo),
          ys: tf.engine().makeTensorFromTensorInfo(ysInfo) as tf.Tensor2D,
        };
      }
      const xs = new Float32Array(heap, heapOffset(backend, xsInfo), size * pixels);
      const ys = new Float32Array(heap, heapOffset(backend, ysInfo), size * numClasses);
      ys.fill(0);
      for (let row = 0; row < size; row++) {
        const example = indices[start + row];
        const source = example * pixels;
        const target = row * pixels;
        for (let p = 0; p < pixels; p++) xs[target + p] = SCALED[images[source + p]];
        ys[row * numClasses + labels[example]] = 1;
      }
      return {
        xs: tf.engine().makeTensorFromTensorInfo(xsInfo),
        ys: tf.engine().makeTensorFromTensorInfo(ysInfo) as tf.Tensor2D,
      };
    },
  };
}
