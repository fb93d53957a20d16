/** What the engine holds in memory: tfjs' live tensors and the process' resident set. */
import * as tf from '@tensorflow/tfjs';
import type { EngineMemory } from '../shared/contract';

export function engineMemory(): EngineMemory {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes, rssBytes: process.memoryUsage.rss() };
}
