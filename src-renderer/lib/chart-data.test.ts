import { describe, expect, it } from 'vitest';
import type { BatchMetrics, EpochMetrics } from '../../src-main/shared/contract';
import { batchPoint, runProgress, seriesTable } from './chart-data';

const batch = (epoch: number, batchNumber: number, loss: number): BatchMetrics => ({
  epoch,
  epochs: 2,
  batch: batchNumber,
  batches: 4,
  loss,
  acc: loss / 2,
  samplesPerSecond: 1000,
  etaSeconds: 3,
});

const epochEnd = (epoch: number, val_loss?: number): EpochMetrics => ({
  epoch,
  epochs: 2,
  loss: 0.5,
  acc: 0.5,
  val_loss,
  val_acc: val_loss === undefined ? undefined : 1 - val_loss,
  seconds: 1,
  samplesPerSecond: 1000,
  etaSeconds: 0,
});

describe('seriesTable', () => {
  it('places batch reports at fractional epochs and validation at epoch ends', () => {
    const points = [batch(1, 2, 0.9), batch(1, 4, 0.6), batch(2, 2, 0.4)].map(batchPoint);
    expect(seriesTable(points, [epochEnd(1, 0.7)], 'loss')).toEqual([
      [0.5, 1, 1.5],
      [0.9, 0.6, 0.4],
      [null, 0.7, null],
    ]);
  });

  it('gives validation its own x when no batch report lands on the epoch end', () => {
    const table = seriesTable([batchPoint(batch(1, 2, 0.8))], [epochEnd(1, 0.5)], 'acc');
    expect(table).toEqual([
      [0.5, 1],
      [0.4, null],
      [null, 0.5],
    ]);
  });

  it('leaves the validation series empty without a validation split', () => {
    const table = seriesTable([batchPoint(batch(1, 4, 0.8))], [epochEnd(1)], 'loss');
    expect(table[2]).toEqual([null]);
  });

  it('is empty before training', () => {
    expect(seriesTable([], [], 'loss')).toEqual([[], [], []]);
  });
});

describe('runProgress', () => {
  it('counts batches across epochs', () => {
    expect(runProgress(batch(1, 2, 0))).toBe(0.25);
    expect(runProgress(batch(2, 4, 0))).toBe(1);
  });
});
