/**
 * What stays in memory after many requests: the engine's own count of live tensors (engine.info)
 * must come back to where it was, however many runs are started and stopped or images predicted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { Engine } from './engine';

let home: string;
let engine: Engine;
const spec = kerasExampleSpec(32);
const settings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 20, trainLimit: 2048 };

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-leaks-'));
  engine = new Engine(home);
});
afterAll(async () => {
  engine.dispose();
  await rm(home, { recursive: true, force: true });
});

async function tensors(): Promise<number> {
  return (await engine.handle('engine.info', {})).memory.numTensors;
}

/** Starts a run and stops it once it has taken a step (so the optimizer has state to leak). */
async function startAndStop(): Promise<void> {
  const stopOnFirstBatch = engine.onEvent((event: EngineEvent) => {
    if (event.kind === 'train.batch') void engine.handle('model.stop', {});
  });
  try {
    const result = await engine.handle('model.fit', { spec, settings });
    expect(result.status).toBe('stopped');
  } finally {
    stopOnFirstBatch();
  }
}

describe('engine memory', () => {
  it('reports tfjs tensors and the resident set in engine.info', async () => {
    const { memory } = await engine.handle('engine.info', {});
    expect(memory.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(memory.numTensors).toBeGreaterThanOrEqual(0);
    expect(memory.numBytes).toBeGreaterThanOrEqual(0);
  });

  it('50 started and stopped training runs leave numTensors where it began', async () => {
    await startAndStop();
    const before = await tensors();
    for (let run = 0; run < 50; run++) await startAndStop();
    expect(await tensors()).toBe(before);
  });

  it('1,000 predictions leave numTensors where it began', async () => {
    const before = await tensors();
    const image = Array.from({ length: 784 }, (_, i) => (i % 7) / 7);
    for (let i = 0; i < 1000; i++) await engine.handle('model.predict', { images: [image] });
    expect(await tensors()).toBe(before);
  });

  it('sweeps leave numTensors where it began', async () => {
    const sweep = { units: [8, 16], epochs: 1, batchSize: 32, learningRate: 0.001, seed: 1, trainLimit: 256 };
    await engine.handle('sweep.start', { settings: sweep });
    const before = await tensors();
    await engine.handle('sweep.start', { settings: sweep });
    await engine.handle('sweep.start', { settings: sweep });
    expect(await tensors()).toBe(before);
  });
});
