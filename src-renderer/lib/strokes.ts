/**
 * How the pad shows the drawing to the person drawing: round pen tips of a fixed fraction of the
 * pad, smoothed through the midpoints of successive points. What the model sees is made from the
 * same strokes by shared/drawing.ts, with a pen relative to the ink's size.
 */
import type { Stroke } from '../../src-main/shared/drawing';

/** Pen width on screen as a fraction of the pad's side. */
const PEN_WIDTH = 0.075;

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
