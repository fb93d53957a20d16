/**
 * Kernels the WebAssembly backend lacks, so that every layer the Model view offers can train
 * there. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter: without it a Conv2D layer fails on
 * its first backward pass. The CPU backend's version works element by element through
 * TensorBuffers (a few samples/s), so this one is a direct loop over the typed arrays.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** dW[fh, fw, ci, co] = sum over b, oh, ow of x[b, oh*sh + fh - top, ow*sw + fw - left, ci] * dy[b, oh, ow, co]. */
function conv2dBackpropFilter(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  out: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  out.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let fh = 0; fh < filterHeight; fh++) {
          const row = oh * strideHeight + fh * dilationHeight - top;
          if (row < 0 || row >= inHeight) continue;
          for (let fw = 0; fw < filterWidth; fw++) {
            const col = ow * strideWidth + fw * dilationWidth - left;
            if (col < 0 || col >= inWidth) continue;
            const xBase = ((b * inHeight + row) * inWidth + col) * inChannels;
            const outBase = (fh * filterWidth + fw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const value = x[xBase + ci];
              if (value === 0) continue;
              const target = outBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) out[target + co] += value * dy[dyBase + co];
            }
          }
        }
      }
    }
  }
}

function registerConv2dBackpropFilter(): void {
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const wasm = backend as BackendWasm;
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports only NHWC.');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const output = wasm.makeOutput(filterShape, 'float32');
      conv2dBackpropFilter(
        wasm.readSync(x.dataId) as Float32Array,
        wasm.readSync(dy.dataId) as Float32Array,
        info,
        wasm.typedArrayFromHeap(output) as Float32Array,
      );
      return output;
    },
  });
}

/** Registers the missing kernels once; returns what it added, for the backend's info. */
export function addMissingWasmKernels(): string[] {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return [];
  registerConv2dBackpropFilter();
  return ['Conv2DBackpropFilter added (the WebAssembly backend lacks it), so Conv2D layers train'];
}
