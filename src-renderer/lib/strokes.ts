/** The Draw view's drawing as data: strokes of points in pad units (0..1), and how to paint them. */
import type { GrayImage } from './preprocess';

export interface Point {
  x: number;
  y: number;
}
export type Stroke = Point[];

/** Pen width as a fraction of the pad's side: a digit drawn across most of the pad ends up with MNIST-like strokes. */
const PEN_WIDTH = 0.075;
/** Resolution the drawing is rasterised at before MNIST preprocessing. */
const RASTER_SIZE = 280;

/** Paints strokes with round pen tips, smoothed through the midpoints of successive points. */
export function paintStrokes(context: CanvasRenderingContext2D, strokes: Stroke[], size: number, colour: string): void {
  context.strokeStyle = colour;
  context.fillStyle = colour;
  context.lineWidth = PEN_WIDTH * size;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  for (const stroke of strokes) {
    if (stroke.length === 0) continue;
    const [first] = stroke;
    if (stroke.length === 1) {
      context.beginPath();
      context.arc(first.x * size, first.y * size, (PEN_WIDTH * size) / 2, 0, Math.PI * 2);
      context.fill();
      continue;
    }
    context.beginPath();
    context.moveTo(first.x * size, first.y * size);
    for (let i = 1; i < stroke.length - 1; i++) {
      const midX = ((stroke[i].x + stroke[i + 1].x) / 2) * size;
      const midY = ((stroke[i].y + stroke[i + 1].y) / 2) * size;
      context.quadraticCurveTo(stroke[i].x * size, stroke[i].y * size, midX, midY);
    }
    const last = stroke[stroke.length - 1];
    context.lineTo(last.x * size, last.y * size);
    context.stroke();
  }
}

/** The strokes as ink intensities (0..1) on a square grid, ready for preprocessDigit. */
export function rasterize(strokes: Stroke[], size = RASTER_SIZE): GrayImage {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const data = new Float32Array(size * size);
  if (!context) return { width: size, height: size, data };
  paintStrokes(context, strokes, size, '#fff');
  const pixels = context.getImageData(0, 0, size, size).data;
  for (let i = 0; i < data.length; i++) data[i] = pixels[i * 4 + 3] / 255;
  return { width: size, height: size, data };
}
