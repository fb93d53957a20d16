/**
 * Property tests of model import (fast-check): a folder whose model.json, studio.json or weights
 * were changed in any way is either imported as a working model or refused with one MODEL_FILE
 * sentence, and either way the engine holds no more tensors than before.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../shared/errors';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { initBackend } from './backend';
import { buildModel } from './model';
import { SavedModels } from './saved-models';

let home: string;
let store: SavedModels;
let original: { modelJson: unknown; studioJson: unknown; weights: Buffer };
let runs = 0;

beforeAll(async () => {
  await initBackend();
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-import-fuzz-'));
  store = new SavedModels(path.join(home, 'models'));
  const model = buildModel(kerasExampleSpec(8), 1);
  const saved = await store.save(model, {
    name: 'fuzzed',
    spec: kerasExampleSpec(8),
    settings: KERAS_EXAMPLE_SETTINGS,
    params: model.countParams(),
    dataset: { id: 'MNIST:x', name: 'MNIST' },
    backend: 'wasm',
    history: [],
  });
  model.dispose();
  const folder = path.join(store.directory, saved.id);
  original = {
    modelJson: JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8')),
    studioJson: JSON.parse(await readFile(path.join(folder, 'studio.json'), 'utf8')),
    weights: await readFile(path.join(folder, 'weights.bin')),
  };
});
afterAll(() => rm(home, { recursive: true, force: true }));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every place in a JSON value: the path of keys to it. */
function placesIn(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return here.concat(...value.map((item, i) => placesIn(item, [...at, i])));
  if (value && typeof value === 'object')
    return here.concat(...Object.entries(value).map(([key, item]) => placesIn(item, [...at, key])));
  return here;
}

/** A copy of `value` with the place number `which` replaced by `replacement` (or removed). */
function mutate(value: Json, which: number, replacement: Json | undefined): Json {
  const places = placesIn(value);
  const place = places[which % places.length];
  if (place.length === 0) return replacement ?? null;
  const copy = structuredClone(value) as Record<string | number, Json>;
  let parent = copy;
  for (const key of place.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = place.at(-1) as string | number;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

const jsonChange = fc.record({
  which: fc.nat(),
  replacement: fc.option(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: -1, max: 200_000 })), {
    nil: undefined,
  }),
});

const weightsChange = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
);

async function importChanged(change: {
  model?: { which: number; replacement?: unknown };
  studio?: { which: number; replacement?: unknown } | 'absent';
  weights?:
    { kind: 'cut'; at: number } | { kind: 'extend'; extra: Uint8Array } | { kind: 'flip'; at: number; bit: number };
}): Promise<void> {
  const folder = path.join(home, `case-${runs++}`);
  await rm(folder, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(folder));
  const modelJson = change.model
    ? mutate(original.modelJson as Json, change.model.which, change.model.replacement as Json | undefined)
    : original.modelJson;
  await writeFile(path.join(folder, 'model.json'), JSON.stringify(modelJson));
  if (change.studio !== 'absent') {
    const studioJson = change.studio
      ? mutate(original.studioJson as Json, change.studio.which, change.studio.replacement as Json | undefined)
      : original.studioJson;
    await writeFile(path.join(folder, 'studio.json'), JSON.stringify(studioJson));
  }
  let weights = Buffer.from(original.weights);
  if (change.weights?.kind === 'cut') weights = weights.subarray(0, change.weights.at % weights.length);
  if (change.weights?.kind === 'extend') weights = Buffer.concat([weights, change.weights.extra]);
  if (change.weights?.kind === 'flip') weights[change.weights.at % weights.length] ^= 1 << change.weights.bit;
  await writeFile(path.join(folder, 'weights.bin'), weights);

  const before = tf.memory().numTensors;
  try {
    const saved = await store.import(folder);
    const { model } = await store.load(saved.id);
    expect(model.countParams()).toBe(saved.params);
    model.dispose();
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('MODEL_FILE');
    expect((error as StudioError).message).not.toMatch(/\n/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  expect(tf.memory().numTensors).toBe(before);
}

describe('model import, for any changed folder', () => {
  it('imports it or refuses it in one MODEL_FILE sentence, and leaks nothing (model.json changed)', async () => {
    await fc.assert(
      fc.asyncProperty(jsonChange, fc.boolean(), (model, withStudio) =>
        importChanged({ model, studio: withStudio ? undefined : 'absent' }),
      ),
      { numRuns: 150 },
    );
  });

  it('... studio.json changed', async () => {
    await fc.assert(
      fc.asyncProperty(jsonChange, (studio) => importChanged({ studio })),
      { numRuns: 100 },
    );
  });

  it('... weights cut, extended or flipped, with any of the above', async () => {
    await fc.assert(
      fc.asyncProperty(weightsChange, fc.option(jsonChange, { nil: undefined }), (weights, model) =>
        importChanged({ weights, model }),
      ),
      { numRuns: 100 },
    );
  });
});
