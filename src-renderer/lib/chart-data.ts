/** Training metrics turned into what the charts and the progress bar draw. Pure. */
import type { BatchMetrics, EpochMetrics } from '../../src-main/shared/contract';

/** One train-metric sample: x is the fractional epoch (1.5 = halfway through epoch 2). */
export interface TrainPoint {
  x: number;
  loss: number;
  acc: number;
}

export type MetricName = 'loss' | 'acc';

/** Columns for a uPlot chart: x, then train and validation values (null where a series has none). */
export type SeriesTable = [number[], (number | null)[], (number | null)[]];

export function batchPoint(metrics: BatchMetrics): TrainPoint {
  return { x: metrics.epoch - 1 + metrics.batch / metrics.batches, loss: metrics.loss, acc: metrics.acc };
}

/**
 * Merges running train metrics (from batch events, so the line moves during an epoch) with the
 * validation metrics reported at epoch ends, on one shared, sorted x axis.
 */
export function seriesTable(points: TrainPoint[], epochs: EpochMetrics[], metric: MetricName): SeriesTable {
  const rows = new Map<number, { train: number | null; val: number | null }>();
  for (const point of points) rows.set(point.x, { train: point[metric], val: null });
  for (const epoch of epochs) {
    const value = metric === 'loss' ? epoch.val_loss : epoch.val_acc;
    if (value === undefined) continue;
    const row = rows.get(epoch.epoch) ?? { train: null, val: null };
    row.val = value;
    rows.set(epoch.epoch, row);
  }
  const xs = [...rows.keys()].sort((a, b) => a - b);
  return [xs, xs.map((x) => rows.get(x)?.train ?? null), xs.map((x) => rows.get(x)?.val ?? null)];
}

/** Fraction of the whole run done after this batch report, 0..1. */
export function runProgress(metrics: BatchMetrics): number {
  const total = metrics.epochs * metrics.batches;
  return total === 0 ? 0 : Math.min(1, ((metrics.epoch - 1) * metrics.batches + metrics.batch) / total);
}
