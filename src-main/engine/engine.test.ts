import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { Engine } from './engine';

const settings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 2, trainLimit: 2000, validationSplit: 0.1 };

// Every case starts from a new engine with an empty home: none depends on another.
let home: string;
let engine: Engine;
let events: EngineEvent[];

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-engine-'));
  engine = new Engine(home);
  events = [];
  engine.onEvent((event) => events.push(event));
});
afterEach(async () => {
  engine.dispose();
  await rm(home, { recursive: true, force: true });
});

async function firstTestImage(): Promise<number[]> {
  const page = await engine.handle('dataset.images', { split: 'test', indices: [0] });
  return Array.from(Buffer.from(page.pixels, 'base64'), (v) => v / 255);
}

describe('Engine', () => {
  it('says there is no model before one is trained', async () => {
    await expect(engine.handle('model.predict', { images: [new Array(784).fill(0)] })).rejects.toThrow(
      'There is no model yet; train one or load a saved model first.',
    );
    await expect(engine.handle('model.evaluate', {})).rejects.toThrow('There is no model yet');
    expect(await engine.handle('model.current', {})).toBeNull();
  });

  it('pages the dataset by class', async () => {
    const page = await engine.handle('dataset.samples', { split: 'test', offset: 0, limit: 3, label: 7 });
    expect(page.total).toBe(1028);
    expect(page.labels).toEqual([7, 7, 7]);
    expect(Buffer.from(page.pixels, 'base64').length).toBe(3 * 784);
  });

  it('trains with events in order, refuses a second run meanwhile, and keeps the model', async () => {
    const running = engine.handle('model.fit', { spec: kerasExampleSpec(64), settings });
    await expect(engine.handle('model.fit', { spec: kerasExampleSpec(64), settings })).rejects.toThrow(
      'Cannot start another training run while training or a sweep runs; stop it first.',
    );
    const result = await running;
    expect(result.status).toBe('completed');
    const kinds = events.map((event) => event.kind);
    expect(kinds[0]).toBe('train.begin');
    expect(kinds.filter((kind) => kind === 'train.epoch')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('train.end');
    expect(kinds.indexOf('train.batch')).toBeGreaterThan(0);
    const current = await engine.handle('model.current', {});
    expect(current?.params).toBe(784 * 64 + 64 + 650);
  });

  it('evaluates, predicts, saves and loads a trained model', async () => {
    await engine.handle('model.fit', { spec: kerasExampleSpec(64), settings });
    const evaluation = await engine.handle('model.evaluate', {});
    expect(evaluation.count).toBe(10_000);
    expect(evaluation.acc).toBeGreaterThan(0.8);
    expect(evaluation.confusion.flat().reduce((a, b) => a + b)).toBe(10_000);
    const image = await firstTestImage();
    const { probabilities } = await engine.handle('model.predict', { images: [image] });
    expect(probabilities[0].reduce((a, b) => a + b)).toBeCloseTo(1, 4);
    const saved = await engine.handle('models.save', { name: 'quick run' });
    expect(saved.test?.acc).toBe(evaluation.acc);
    const loaded = await engine.handle('models.load', { id: saved.id });
    expect(loaded.savedAs).toBe(saved.id);
    const again = await engine.handle('model.predict', { images: [image] });
    expect(again.probabilities).toEqual(probabilities);
  });

  it('refuses an invalid model with a sentence naming the layer', async () => {
    const spec = { ...kerasExampleSpec(), layers: [{ type: 'dense', units: 5, activation: 'softmax' }] };
    await expect(engine.handle('model.fit', { spec, settings })).rejects.toThrow(
      /^Layer 1: The last layer must be Dense\(10, softmax\)/,
    );
    await expect(
      engine.handle('model.fit', { spec: kerasExampleSpec(), settings: { ...settings, epochs: 0 } }),
    ).rejects.toThrow(/^Invalid model.fit request at settings.epochs/);
  });
});
