import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-main/shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../../src-main/shared/spec';
import { compareRows } from './run-compare';
import { overlayData, runsCsv, smooth } from './run-curves';

function run(id: string, learningRate: number, validation: boolean): RunRecord {
  const spec = kerasExampleSpec();
  spec.optimizer.learningRate = learningRate;
  const epoch = (n: number) => ({
    epoch: n,
    epochs: 2,
    loss: 1 / n,
    acc: 0.9,
    ...(validation && { val_loss: 1.5 / n, val_acc: 0.85 }),
    seconds: 1,
    samplesPerSecond: 1000,
    etaSeconds: 0,
  });
  return {
    id,
    name: `lr ${learningRate}`,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:02.000Z',
    status: 'finished',
    source: 'app',
    preset: 'Keras example: Dense 512',
    spec,
    settings: { ...KERAS_EXAMPLE_SETTINGS, epochs: 2, validationSplit: validation ? 0.1 : 0 },
    params: 407_050,
    dataset: { id: 'MNIST:x', name: 'MNIST' },
    backend: 'wasm',
    trainSamples: 1000,
    validationSamples: validation ? 100 : 0,
    samplesSeen: 2000,
    seconds: 2,
    history: [epoch(1), epoch(2)],
    savedModels: [],
    batches: [
      { samples: 500, epoch: 1, loss: 2, acc: 0.5 },
      { samples: 1000, epoch: 1, loss: 1, acc: 0.8 },
      { samples: 2000, epoch: 2, loss: 0.5, acc: 0.9 },
    ],
  };
}

describe('smooth', () => {
  it('is the debiased moving average TensorBoard draws, and leaves values alone at 0', () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const smoothed = smooth([10, 0], 0.5);
    expect(smoothed[0]).toBeCloseTo(10, 10);
    expect(smoothed[1]).toBeCloseTo((0.5 * 0.5 * 10) / 0.75, 10);
  });
});

describe('overlayData', () => {
  it('puts every run on one x axis, by epoch or by samples, with a validation series where a run has one', () => {
    const { data, series } = overlayData([run('a', 0.001, true), run('b', 0.01, false)], 'loss', 'epoch', 0);
    expect(series.map((entry) => [entry.runId, entry.validation, entry.colour])).toEqual([
      ['a', false, 0],
      ['a', true, 0],
      ['b', false, 1],
    ]);
    expect(data[0]).toEqual([0.5, 1, 2]);
    expect(data[1]).toEqual([2, 1, 0.5]);
    expect(data[2]).toEqual([null, 1.5, 0.75]);
    expect(overlayData([run('a', 0.001, true)], 'acc', 'samples', 0).data[0]).toEqual([500, 1000, 2000]);
  });
});

describe('runsCsv', () => {
  it('writes batch and epoch rows per run in long format', () => {
    const lines = runsCsv([run('a', 0.001, true)])
      .trimEnd()
      .split('\n');
    expect(lines[0]).toBe('run_id,run_name,curve,epoch,samples,loss,acc,val_loss,val_acc');
    expect(lines[1]).toBe('a,lr 0.001,batch,1,500,2,0.5,,');
    expect(lines.at(-1)).toBe('a,lr 0.001,epoch,2,2000,0.5,0.9,0.75,0.85');
    expect(lines).toHaveLength(1 + 3 + 2);
  });
});

describe('compareRows', () => {
  it('marks the settings the runs differ in, and only those', () => {
    const rows = compareRows([run('a', 0.001, true), run('b', 0.01, false)]);
    expect(rows.filter((row) => row.differs).map((row) => row.label)).toEqual(['learning rate', 'validation split']);
    expect(rows.find((row) => row.label === 'val_loss')?.values).toEqual(['0.7500', '—']);
  });
});
