/**
 * Training batches written straight onto the WebAssembly heap. The stock Batcher (dataset.ts)
 * scales the pixels into a JavaScript Float32Array and `tf.tensor` then copies it into the
 * heap; here the backend allocates the tensors and the batch is written into their memory
 * once: by the addon's gatherBatch when there is one (a few microseconds instead of ~50), else
 * by dataset.ts' writeBatch into views of the heap. The same float32 values either way.
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '../../shared/spec';
import { writeBatch, type BatchSource } from '../dataset';
import type { LabelledImages } from '../idx';
import type { NativeAddon } from './addon';
import { heapBuffer, heapOffset, sizeOf, type WasmBackendInternals } from './wasm-heap';

/** Batches of `set` in `inputShape` on the active (wasm) backend's heap; undefined when the shape does not hold an image. */
export function heapBatcher(
  set: LabelledImages,
  inputShape: number[],
  addon: NativeAddon | undefined,
): BatchSource | undefined {
  const pixels = set.rows * set.cols;
  if (sizeOf(inputShape) !== pixels) return undefined;
  return {
    batch(indices, start, end) {
      const size = end - start;
      const backend = tf.backend() as unknown as WasmBackendInternals;
      const xsInfo = backend.makeOutput([size, ...inputShape], 'float32');
      const ysInfo = backend.makeOutput([size, NUM_CLASSES], 'float32');
      // Read after both allocations: allocating may grow (and so replace) the heap.
      const heap = heapBuffer(backend);
      const xs = heapOffset(backend, xsInfo);
      const ys = heapOffset(backend, ysInfo);
      if (addon && indices instanceof Int32Array) {
        const { images, labels } = set;
        addon.gatherBatch(heap, { images, indices, labels, pixels, start, count: size, xs, classes: NUM_CLASSES, ys });
      } else {
        writeBatch(
          set,
          indices,
          start,
          end,
          new Float32Array(heap, xs, size * pixels),
          new Float32Array(heap, ys, size * NUM_CLASSES),
        );
      }
      return {
        xs: tf.engine().makeTensorFromTensorInfo(xsInfo),
        ys: tf.engine().makeTensorFromTensorInfo(ysInfo) as tf.Tensor2D,
      };
    },
  };
}
