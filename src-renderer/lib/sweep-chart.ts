/**
 * The sweep chart: test accuracy against hidden units on a log2 axis, with an optional dashed
 * reference series. Data building is pure; options follow the look of chart-options.ts.
 */
import type uPlot from 'uplot';
import type { SweepPoint } from '../../src-main/shared/contract';
import { axis, type ChartTheme } from './chart-options';

/** Measured on the issue author's machine with PyTorch: the example's model, RMSprop lr 0.001, batch 32, 5 epochs, full MNIST. */
export const PYTORCH_REFERENCE: ReadonlyArray<{ units: number; test_acc: number }> = [
  { units: 8, test_acc: 0.92 },
  { units: 16, test_acc: 0.943 },
  { units: 32, test_acc: 0.96 },
  { units: 64, test_acc: 0.968 },
  { units: 128, test_acc: 0.973 },
  { units: 256, test_acc: 0.979 },
  { units: 512, test_acc: 0.979 },
];

export const REFERENCE_LABEL = 'Reference (PyTorch, 5 epochs)';

/** x: every planned size (and the reference's, when shown), ascending; then measured and reference accuracy. */
export type SweepChartData = [number[], (number | null)[], (number | null)[]] | [number[], (number | null)[]];

export function sweepChartData(planned: number[], points: SweepPoint[], reference: boolean): SweepChartData {
  const measured = new Map(points.map((point) => [point.units, point.test_acc]));
  const known = new Map(reference ? PYTORCH_REFERENCE.map((row) => [row.units, row.test_acc]) : []);
  const xs = [...new Set([...planned, ...measured.keys(), ...known.keys()])].sort((a, b) => a - b);
  const accuracy = xs.map((units) => measured.get(units) ?? null);
  return reference ? [xs, accuracy, xs.map((units) => known.get(units) ?? null)] : [xs, accuracy];
}

/** Powers of two inside [min, max]: the log2 axis' ticks (8, 16, 32, ...). */
export function log2Ticks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exp = Math.ceil(Math.log2(Math.max(min, 1e-9))); 2 ** exp <= max; exp++) ticks.push(2 ** exp);
  return ticks;
}

/** Half a doubling of room either side, so the end points are not cut by the plot's edge. */
export function log2Range(min: number | null, max: number | null): [number, number] {
  if (min == null || max == null || !(min > 0)) return [4, 2048];
  return [2 ** (Math.log2(min) - 0.4), 2 ** (Math.log2(max) + 0.4)];
}

/** Lower edge of the accuracy axis: at most 0.85, a step of 0.05 under the lowest value. */
export function accuracyFloor(values: (number | null)[]): number {
  const lowest = Math.min(...values.filter((value): value is number => value != null));
  if (!Number.isFinite(lowest)) return 0.85;
  return Math.max(0, Math.min(0.85, Math.floor((lowest - 0.01) * 20) / 20));
}

export function sweepChartOptions(
  theme: ChartTheme,
  size: { width: number; height: number },
  reference: boolean,
): uPlot.Options {
  const fixed = (digits: number) => (_: uPlot, value: number | null) => (value == null ? '—' : value.toFixed(digits));
  const series: uPlot.Series[] = [
    { label: 'hidden units', value: (_u, value) => (value == null ? '—' : String(value)) },
    {
      label: 'test_acc',
      stroke: theme.primary,
      width: 2,
      spanGaps: true,
      points: { show: true, size: 8, fill: theme.primary },
      value: fixed(4),
    },
  ];
  if (reference)
    series.push({
      label: REFERENCE_LABEL,
      stroke: theme.secondary,
      width: 1.5,
      dash: [6, 5],
      spanGaps: true,
      points: { show: true, size: 5, fill: theme.secondary },
      value: fixed(3),
    });
  const yAxis = axis(theme, 'test_acc');
  return {
    ...size,
    scales: {
      x: { time: false, distr: 3, log: 2, range: (_u, min, max) => log2Range(min, max) },
      y: {
        range: (u) => [accuracyFloor(u.data.slice(1).flat() as (number | null)[]), 1],
      },
    },
    series,
    axes: [
      {
        ...axis(theme, 'hidden units (log2 scale)'),
        splits: (u) => log2Ticks(u.scales.x.min ?? 1, u.scales.x.max ?? 2048),
        values: (_u, splits) => splits.map((value) => String(value)),
      },
      {
        ...yAxis,
        incrs: [0.01, 0.02, 0.05, 0.1, 0.2],
        values: (_u, splits) => splits.map((value) => value.toFixed(2)),
        size: 48,
      },
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { show: true },
  };
}
