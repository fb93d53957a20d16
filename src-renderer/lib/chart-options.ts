/** uPlot options for the app's two chart kinds, coloured from the current theme. */
import uPlot from 'uplot';

export interface ChartTheme {
  text: string;
  grid: string;
  primary: string;
  secondary: string;
}

/** Reads the chart colours from the CSS custom properties of the active (light or dark) theme. */
export function readChartTheme(element: Element = document.documentElement): ChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text-muted', '#666'),
    grid: read('--border', '#ddd'),
    primary: read('--chart-1', '#4f46e5'),
    secondary: read('--chart-2', '#f97316'),
  };
}

export function axis(theme: ChartTheme, label?: string, values?: uPlot.Axis['values']): uPlot.Axis {
  return {
    stroke: theme.text,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    font: '11px system-ui, sans-serif',
    labelFont: '11px system-ui, sans-serif',
    label,
    labelSize: label ? 18 : 0,
    values,
  };
}

/** Train (line, moving per batch) and validation (points at epoch ends) against fractional epochs. */
export function metricChartOptions(
  theme: ChartTheme,
  metric: 'loss' | 'acc',
  size: { width: number; height: number },
  /** The run's length in epochs, so lines grow across a fixed axis instead of rescaling it. */
  epochs: () => number = () => 1,
): uPlot.Options {
  const fixed = (digits: number) => (_: uPlot, value: number | null) => (value == null ? '—' : value.toFixed(digits));
  return {
    ...size,
    scales: {
      x: { time: false, range: (_u, _min, max) => [0, Math.max(epochs(), max ?? 0, 1)] },
      y: metric === 'acc' ? { range: (_u, min) => [Math.min(min, 0.8), 1] } : {},
    },
    series: [
      { label: 'epoch', value: fixed(2) },
      { label: metric, stroke: theme.primary, width: 2, spanGaps: true, points: { show: false }, value: fixed(4) },
      {
        label: `val_${metric}`,
        stroke: theme.secondary,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7, fill: theme.secondary },
        value: fixed(4),
      },
    ],
    axes: [axis(theme, 'epoch'), axis(theme)],
    cursor: { drag: { x: false, y: false } },
    // Labels only: a row of "—" values under every chart is noise; the cursor shows points instead.
    legend: { show: true, live: false },
  };
}

/** Vertical bars, one per digit class. */
export function classBarOptions(
  theme: ChartTheme,
  label: string,
  size: { width: number; height: number },
): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.7, 48] });
  return {
    ...size,
    scales: { x: { time: false, range: [-0.6, 9.6] }, y: { range: (_u, _min, max) => [0, max * 1.08] } },
    series: [
      { label: 'digit' },
      { label, stroke: theme.primary, fill: `${theme.primary}cc`, paths: bars, points: { show: false } },
    ],
    axes: [{ ...axis(theme), splits: () => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }, axis(theme)],
    cursor: { show: false },
    legend: { show: false },
  };
}
