import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { PRESETS, smallCnnSpec } from '../../../src-main/shared/spec';
import { loadDraft } from '../draft-storage';
import { DraftFeature } from './draft.svelte';
import { createFeatures } from './features';
import { currentModel } from './testing/fixtures';
import { ScriptedEngine } from './testing/scripted-engine';

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  };
}

let stopPersisting: (() => void) | undefined;
afterEach(() => stopPersisting?.());

describe('the draft', () => {
  it('starts from the Keras example, ready to train', () => {
    const draft = new DraftFeature();
    expect(draft.presetId).toBe(PRESETS[0].id);
    expect(draft.summary.totalParams).toBe(407050);
    expect(draft.blockers).toEqual([]);
  });

  it('lists every reason it cannot train, in the limits table sentences', () => {
    const draft = new DraftFeature();
    const hidden = draft.spec.layers[0];
    if (hidden.type !== 'dense') throw new Error('the example starts with Dense');
    hidden.units = 9000;
    draft.spec.optimizer.learningRate = 0;
    draft.settings.epochs = 0;
    expect(draft.layerProblems[0]).toEqual({ units: 'Units must be a whole number from 1 to 8192.' });
    expect(draft.settingsProblems).toEqual({
      epochs: 'Epochs must be a whole number from 1 to 1000.',
      learningRate: 'Learning rate must be greater than 0 and at most 10.',
    });
    expect(draft.blockers).toEqual([
      'Layer 1: Units must be a whole number from 1 to 8192.',
      'Epochs must be a whole number from 1 to 1000.',
      'Learning rate must be greater than 0 and at most 10.',
    ]);
  });

  it('explains a structural problem with the layer it belongs to', () => {
    const draft = new DraftFeature();
    draft.removeLayer(1);
    expect(draft.blockers).toEqual(['Layer 1: The last layer must be Dense(10, softmax): one probability per digit.']);
    expect(draft.presetId, 'an edited preset is no longer the preset').toBeNull();
    draft.choosePreset('small-cnn');
    expect(draft.spec).toEqual(smallCnnSpec());
    expect(draft.blockers).toEqual([]);
  });

  it('adds hidden layers before the output layer, up to the limit', () => {
    const draft = new DraftFeature();
    draft.addLayer('dropout');
    expect(draft.spec.layers.map((layer) => layer.type)).toEqual(['dense', 'dropout', 'dense']);
    while (draft.canAddLayer) draft.addLayer('dropout');
    expect(draft.spec.layers).toHaveLength(32);
    draft.addLayer('dropout');
    expect(draft.spec.layers).toHaveLength(32);
    draft.moveLayer(0, -1);
    expect(draft.spec.layers[0].type, 'the first layer cannot move up').toBe('dense');
  });

  it('is remembered as it changes, and a half-typed field keeps the last valid draft', () => {
    const storage = memoryStorage();
    const draft = new DraftFeature();
    stopPersisting = draft.persist(storage);
    draft.choosePreset('small-cnn');
    draft.settings.epochs = 3;
    flushSync();
    draft.settings.batchSize = 0;
    flushSync();
    const restored = new DraftFeature(loadDraft(storage));
    expect(restored.presetId).toBe('small-cnn');
    expect(restored.spec).toEqual(smallCnnSpec());
    expect(restored.settings.epochs).toBe(3);
    expect(restored.settings.batchSize).toBe(32);
  });

  it('takes over a loaded model, through the library', async () => {
    const engine = new ScriptedEngine({ 'models.load': () => currentModel(64) });
    const { library, draft, evaluation } = createFeatures(engine, undefined);
    evaluation.result = { loss: 0.1, acc: 0.97, count: 10000, confusion: [], perClass: [], mistakes: [] };
    expect(await library.load('saved-64')).toBe(true);
    expect(library.current?.params).toBe(50890);
    expect(draft.presetId).toBeNull();
    expect(draft.summary.totalParams).toBe(50890);
    expect(draft.settings.epochs).toBe(1);
    expect(evaluation.result).toBeNull();
  });
});
