import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../shared/contract';
import { digitImage, type Stroke } from '../shared/drawing';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { Engine } from './engine';
import { repeatsFor, withDrawings } from './finetune';
import type { LabelledImages } from './idx';

function images(count: number, value: number): LabelledImages {
  return {
    count,
    rows: 28,
    cols: 28,
    images: new Uint8Array(count * 784).fill(value),
    labels: new Uint8Array(count).fill(value % 10),
  };
}

describe('the fine-tune data', () => {
  it('repeats drawings to about 1% of an epoch, 10 to 200 times', () => {
    expect(repeatsFor(60_000, 1)).toBe(200);
    expect(repeatsFor(60_000, 30)).toBe(20);
    expect(repeatsFor(60_000, 1000)).toBe(10);
    expect(repeatsFor(5000, 1)).toBe(50);
  });

  it('is the first `limit` training images, then every drawing `repeats` times', () => {
    const set = withDrawings(images(5, 1), 3, images(2, 7), 4);
    expect(set.count).toBe(3 + 2 * 4);
    expect(Array.from(set.labels)).toEqual([1, 1, 1, 7, 7, 7, 7, 7, 7, 7, 7]);
    expect(set.images[3 * 784 - 1]).toBe(1);
    expect(set.images[3 * 784]).toBe(7);
    expect(set.images.at(-1)).toBe(7);
  });
});

describe('model.finetune', () => {
  /** A drawn 1: one stroke down the middle. */
  const ONE: Stroke[] = [
    [
      { x: 0.52, y: 0.18 },
      { x: 0.5, y: 0.5 },
      { x: 0.48, y: 0.82 },
    ],
  ];
  const probabilities = async (engine: Engine) =>
    (await engine.handle('model.predict', { images: [Array.from(digitImage(ONE) as Float32Array)] })).probabilities[0];
  let home: string;
  let engine: Engine;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'mnist-finetune-'));
    engine = new Engine(home);
  });
  afterAll(async () => {
    engine.dispose();
    await rm(home, { recursive: true, force: true });
  });

  it('needs a model and drawings', async () => {
    await expect(engine.handle('model.finetune', { epochs: 1 })).rejects.toThrow('There is no model yet');
    const settings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 1, trainLimit: 3000 };
    await engine.handle('model.fit', { spec: kerasExampleSpec(64), settings });
    await expect(engine.handle('model.finetune', { epochs: 1 })).rejects.toThrow(
      'There are no drawings to learn from yet; teach the pad a digit first.',
    );
    await expect(engine.handle('model.finetune', { epochs: 0 })).rejects.toThrow(/^Invalid model.finetune request/);
  });

  it('trains the current model on the data plus my drawings, as a normal fit, and reports before and after', async () => {
    // Teach a 1 as a 4: a label the model gives next to nothing there before, so only the fine-tune can raise it
    // (cli/teach.test.ts teaches real misreads, which the fine-tune then reads right).
    const before = await probabilities(engine);
    expect(before[4]).toBeLessThan(0.05);
    await engine.handle('drawings.add', { strokes: ONE, label: 4 });
    const events: EngineEvent[] = [];
    const stop = engine.onEvent((event) => events.push(event));
    const result = await engine.handle('model.finetune', { epochs: 1 });
    stop();
    expect(result.repeats).toBe(30);
    expect(result.training.trainSamples).toBe(3000 + 30);
    expect(result.before.drawings).toEqual({ correct: 0, count: 1, acc: 0 });
    const after = await probabilities(engine);
    expect(after[4]).toBeGreaterThan(before[4] * 5);
    expect(result.after.drawings.count).toBe(1);
    expect(result.after.drawings.correct).toBe(after.indexOf(Math.max(...after)) === 4 ? 1 : 0);
    expect(result.after.test.acc).toBeGreaterThan(result.before.test.acc - 0.02);
    expect(events.map((event) => event.kind).filter((kind) => kind !== 'train.batch')).toEqual([
      'train.begin',
      'train.epoch',
      'train.end',
    ]);
    const current = await engine.handle('model.current', {});
    expect(current?.history).toHaveLength(2);
  });
});
