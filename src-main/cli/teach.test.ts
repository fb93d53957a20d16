/**
 * Teaching the pad (issue 10's acceptance, in-process through the engine's API on the real
 * MNIST): after one epoch of the Keras example, drawn font digits that the model misreads are
 * kept with their right labels as "My drawings"; a fine-tune then reads them right, and the
 * MNIST test accuracy drops by at most 0.5 points.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../engine/engine';
import { digitImage } from '../shared/drawing';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { fontDigits } from './font-digits';

let home: string;
let engine: Engine;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-teach-'));
  engine = new Engine(home);
  await engine.handle('model.fit', { spec: kerasExampleSpec(), settings: { ...KERAS_EXAMPLE_SETTINGS, epochs: 1 } });
});
afterAll(async () => {
  engine.dispose();
  await rm(home, { recursive: true, force: true });
});

async function reads(strokes: Parameters<typeof digitImage>[0][]): Promise<number[]> {
  const images = strokes.map((s) => Array.from(digitImage(s) as Float32Array));
  const { probabilities } = await engine.handle('model.predict', { images });
  return probabilities.map((row) => row.indexOf(Math.max(...row)));
}

it('reads misread drawings right after they are taught and the model fine-tuned', async () => {
  const digits = fontDigits(1);
  const read = await reads(digits.map((d) => d.strokes));
  const misread = digits.filter((digit, i) => read[i] !== digit.label).slice(0, 3);
  expect(misread.length).toBeGreaterThan(0);
  for (const digit of misread) await engine.handle('drawings.add', { strokes: digit.strokes, label: digit.label });

  const result = await engine.handle('model.finetune', { epochs: 1 });
  expect(result.before.drawings.correct).toBe(0);
  expect(await reads(misread.map((d) => d.strokes))).toEqual(misread.map((d) => d.label));
  expect(result.after.drawings).toEqual({ correct: misread.length, count: misread.length, acc: 1 });
  expect(result.after.test.acc).toBeGreaterThanOrEqual(result.before.test.acc - 0.005);
});
