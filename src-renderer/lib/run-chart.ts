/** uPlot options for the Runs view's overlay: one colour per run, validation dashed with points. */
import type uPlot from 'uplot';
import { axis, type ChartTheme } from './chart-options';
import type { CurveAxis, CurveMetric, OverlaySeries } from './run-curves';

/** After the theme's two chart colours: hues that read on light and dark surfaces alike. */
const MORE_COLOURS = ['#0d9488', '#db2777', '#65a30d', '#0284c7', '#a16207', '#9333ea'];

export function runColour(theme: ChartTheme, index: number): string {
  const palette = [theme.primary, theme.secondary, ...MORE_COLOURS];
  return palette[index % palette.length];
}

/** The same colour as CSS, following the theme as it changes. */
export function runColourCss(index: number): string {
  return runColour({ primary: 'var(--chart-1)', secondary: 'var(--chart-2)', text: '', grid: '' }, index);
}

export function runChartOptions(
  theme: ChartTheme,
  size: { width: number; height: number },
  series: OverlaySeries[],
  metric: CurveMetric,
  xAxis: CurveAxis,
): uPlot.Options {
  const fixed = (digits: number) => (_: uPlot, value: number | null) => (value == null ? '—' : value.toFixed(digits));
  const samples = (_: uPlot, splits: number[]) =>
    splits.map((value) => (value >= 1000 ? `${Number((value / 1000).toPrecision(3))}k` : String(value)));
  return {
    ...size,
    scales: { x: { time: false }, y: metric === 'acc' ? { range: (_u, min) => [Math.min(min, 0.8), 1] } : {} },
    series: [
      { label: xAxis === 'epoch' ? 'epoch' : 'samples seen', value: fixed(xAxis === 'epoch' ? 2 : 0) },
      ...series.map((entry): uPlot.Series => {
        const stroke = runColour(theme, entry.colour);
        return {
          label: entry.label,
          stroke,
          width: 2,
          spanGaps: true,
          dash: entry.validation ? [6, 4] : undefined,
          points: entry.validation ? { show: true, size: 6, fill: stroke } : { show: false },
          value: fixed(4),
        };
      }),
    ],
    axes: [
      axis(theme, xAxis === 'epoch' ? 'epoch' : 'samples seen', xAxis === 'samples' ? samples : undefined),
      axis(theme, metric),
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: false },
  };
}
