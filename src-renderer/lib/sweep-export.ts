/**
 * Saving a sweep's table and chart as files. Works the same in Electron and in a browser tab:
 * a Blob behind an <a download> link (Electron turns it into a Save dialog, a browser into a download).
 */
import type { ChartTheme } from './chart-options';

function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, fileName: string, type = 'text/csv'): void {
  downloadBlob(new Blob([text], { type: `${type};charset=utf-8` }), fileName);
}

export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

/**
 * The chart as a standalone picture: uPlot draws plot and axes on one canvas but its legend is
 * HTML, so this paints the title and legend above a copy of that canvas, on the theme's surface.
 */
export function chartImage(
  plot: HTMLCanvasElement,
  title: string,
  legend: LegendEntry[],
  theme: ChartTheme & { background: string; heading: string },
): HTMLCanvasElement {
  const scale = plot.width / Math.max(1, plot.clientWidth || plot.width);
  const pad = 16 * scale;
  const header = 52 * scale;
  const canvas = document.createElement('canvas');
  canvas.width = plot.width + 2 * pad;
  canvas.height = plot.height + header + pad;
  const context = canvas.getContext('2d');
  if (!context) return plot;
  context.fillStyle = theme.background;
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = theme.heading;
  context.font = `600 ${15 * scale}px system-ui, sans-serif`;
  context.textBaseline = 'middle';
  context.fillText(title, pad, pad + 4 * scale);
  let x = pad;
  const y = pad + 28 * scale;
  context.font = `${12 * scale}px system-ui, sans-serif`;
  for (const entry of legend) {
    context.strokeStyle = entry.color;
    context.lineWidth = 2 * scale;
    context.setLineDash(entry.dashed ? [5 * scale, 4 * scale] : []);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x + 22 * scale, y);
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = theme.text;
    context.fillText(entry.label, x + 28 * scale, y);
    x += 28 * scale + context.measureText(entry.label).width + 20 * scale;
  }
  context.drawImage(plot, pad, header);
  return canvas;
}

export function downloadCanvas(canvas: HTMLCanvasElement, fileName: string): Promise<void> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('The chart could not be turned into a PNG image.'));
      downloadBlob(blob, fileName);
      resolve();
    }, 'image/png'),
  );
}
