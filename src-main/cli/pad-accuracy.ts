/**
 * How well a trained model reads drawn digits: each drawing made into the model's 28x28 input by
 * the pad's own preprocessing (shared/drawing.ts), predicted through the engine's API, and the
 * hits counted per placement and per font.
 */
import type { Engine } from '../engine/engine';
import { digitImage, type PenWidth } from '../shared/drawing';
import type { FontDigit } from './font-digits';

export interface Tally {
  correct: number;
  total: number;
}

export interface PadAccuracy extends Tally {
  acc: number;
  byPlacement: Record<string, Tally>;
  byFont: Record<string, Tally>;
  /** "true->read": count, most frequent first. */
  misreads: [string, number][];
}

function add(tallies: Record<string, Tally>, key: string, hit: boolean): void {
  const tally = (tallies[key] ??= { correct: 0, total: 0 });
  tally.total++;
  if (hit) tally.correct++;
}

export async function padAccuracy(engine: Engine, digits: FontDigit[], pen?: PenWidth): Promise<PadAccuracy> {
  const images = digits.map((digit) => {
    const image = digitImage(digit.strokes, pen);
    if (!image) throw new Error(`The drawn ${digit.label} (${digit.font}, ${digit.placement}) has no ink.`);
    return Array.from(image);
  });
  const { probabilities } = await engine.handle('model.predict', { images });
  const result: PadAccuracy = { correct: 0, total: 0, acc: 0, byPlacement: {}, byFont: {}, misreads: [] };
  const misreads = new Map<string, number>();
  digits.forEach((digit, i) => {
    const read = probabilities[i].indexOf(Math.max(...probabilities[i]));
    const hit = read === digit.label;
    result.total++;
    if (hit) result.correct++;
    else misreads.set(`${digit.label}->${read}`, (misreads.get(`${digit.label}->${read}`) ?? 0) + 1);
    add(result.byPlacement, digit.placement, hit);
    add(result.byFont, digit.font, hit);
  });
  result.acc = result.correct / result.total;
  result.misreads = [...misreads].sort((a, b) => b[1] - a[1]);
  return result;
}

export function formatTally({ correct, total }: Tally): string {
  return `${((100 * correct) / total).toFixed(1)}% (${correct}/${total})`;
}
