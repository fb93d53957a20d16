/** Realistic engine answers for the feature tests (they pass the contract's schemas). */
import type { CurrentModel, DatasetInfo, EngineInfo, SweepRecord } from '../../../../src-main/shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../../../../src-main/shared/spec';

export const BACKEND: EngineInfo = {
  name: 'wasm',
  native: false,
  tfjsVersion: '4.22.0',
  reason: 'tfjs-node is not installed.',
  accelerations: [],
  available: ['wasm'],
  memory: { numTensors: 0, numBytes: 0, rssBytes: 200_000_000 },
};

export const MNIST: DatasetInfo = {
  id: 'mnist-1',
  name: 'MNIST',
  source: { kind: 'builtin' },
  train: { count: 60000, classCounts: Array(10).fill(6000) },
  test: { count: 10000, classCounts: Array(10).fill(1000) },
  loadMs: 70,
};

export function currentModel(units = 512): CurrentModel {
  return {
    spec: kerasExampleSpec(units),
    settings: { ...KERAS_EXAMPLE_SETTINGS, epochs: 1 },
    params: 784 * units + units + units * 10 + 10,
    dataset: { id: MNIST.id, name: MNIST.name },
    history: [],
  };
}

export function sweepRecord(id: string, status: SweepRecord['status'] = 'running'): SweepRecord {
  return {
    id,
    createdAt: '2026-12-01T10:00:00.000Z',
    settings: { units: [8, 1024], epochs: 10, batchSize: 32, learningRate: 0.001, seed: 42, trainLimit: 6000 },
    dataset: { id: MNIST.id, name: MNIST.name },
    backend: 'wasm',
    points: [],
    status,
  };
}
