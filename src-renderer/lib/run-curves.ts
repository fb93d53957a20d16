/**
 * Several runs' curves on one chart, as the Runs view draws and exports them. Pure: uPlot wants
 * one shared x array, so each run's points are placed on the union of all x values (null where a
 * run has none; the series span the gaps).
 */
import type uPlot from 'uplot';
import type { RunRecord } from '../../src-main/shared/contract';
import { csvField } from './sweep-csv';

export type CurveMetric = 'loss' | 'acc';
export type CurveAxis = 'epoch' | 'samples';

export interface OverlaySeries {
  runId: string;
  label: string;
  /** Index into the run palette: one colour per run, validation dashed in the same colour. */
  colour: number;
  validation: boolean;
}

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
 * pulled towards zero. weight 0 leaves the values as they are; 0.99 is nearly flat.
 */
export function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let debias = 0;
  return values.map((value) => {
    last = last * weight + (1 - weight) * value;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}

function xOf(samples: number, run: RunRecord, axis: CurveAxis): number {
  return axis === 'samples' ? samples : samples / Math.max(1, run.trainSamples);
}

/** Each run's train curve (from its batch curve, smoothed) and, when it has one, its validation curve. */
export function overlayData(
  runs: RunRecord[],
  metric: CurveMetric,
  axis: CurveAxis,
  smoothing: number,
): { data: uPlot.AlignedData; series: OverlaySeries[] } {
  const curves: { series: OverlaySeries; points: Map<number, number> }[] = [];
  runs.forEach((run, colour) => {
    const values = smooth(
      run.batches.map((point) => point[metric]),
      smoothing,
    );
    curves.push({
      series: { runId: run.id, label: `${run.name}: ${metric}`, colour, validation: false },
      points: new Map(run.batches.map((point, i) => [xOf(point.samples, run, axis), values[i]])),
    });
    const key = metric === 'loss' ? 'val_loss' : 'val_acc';
    const validation = run.history.filter((epoch) => epoch[key] !== undefined);
    if (validation.length > 0)
      curves.push({
        series: { runId: run.id, label: `${run.name}: ${key}`, colour, validation: true },
        points: new Map(
          validation.map((epoch) => [xOf(epoch.epoch * run.trainSamples, run, axis), epoch[key] as number]),
        ),
      });
  });
  const xs = [...new Set(curves.flatMap((curve) => [...curve.points.keys()]))].sort((a, b) => a - b);
  const data: uPlot.AlignedData = [xs, ...curves.map((curve) => xs.map((x) => curve.points.get(x) ?? null))];
  return { data, series: curves.map((curve) => curve.series) };
}

const RUN_CSV_COLUMNS = ['run_id', 'run_name', 'curve', 'epoch', 'samples', 'loss', 'acc', 'val_loss', 'val_acc'];

/** Every selected run's batch curve and epoch history, one row per point (long format, for pandas). */
export function runsCsv(runs: RunRecord[]): string {
  const rows: (string | number | undefined)[][] = [];
  for (const run of runs) {
    for (const point of run.batches)
      rows.push([run.id, run.name, 'batch', point.epoch, point.samples, point.loss, point.acc, undefined, undefined]);
    for (const epoch of run.history)
      rows.push([
        run.id,
        run.name,
        'epoch',
        epoch.epoch,
        epoch.epoch * run.trainSamples,
        epoch.loss,
        epoch.acc,
        epoch.val_loss,
        epoch.val_acc,
      ]);
  }
  return [RUN_CSV_COLUMNS, ...rows].map((row) => `${row.map(csvField).join(',')}\n`).join('');
}
