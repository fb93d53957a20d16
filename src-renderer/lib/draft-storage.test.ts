import { describe, expect, it } from 'vitest';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec, smallCnnSpec } from '../../src-main/shared/spec';
import { loadDraft, saveDraft } from './draft-storage';

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    values,
  };
}

describe('draft storage', () => {
  it('round-trips the model and settings', () => {
    const storage = memoryStorage();
    const draft = { presetId: null, spec: smallCnnSpec(), settings: { ...KERAS_EXAMPLE_SETTINGS, epochs: 2 } };
    saveDraft(storage, draft);
    expect(loadDraft(storage)).toEqual(draft);
  });

  it('keeps the last valid draft while a field is half-typed', () => {
    const storage = memoryStorage();
    saveDraft(storage, { presetId: 'keras-dense-512', spec: kerasExampleSpec(), settings: KERAS_EXAMPLE_SETTINGS });
    saveDraft(storage, {
      presetId: null,
      spec: kerasExampleSpec(),
      settings: { ...KERAS_EXAMPLE_SETTINGS, epochs: 0 },
    });
    expect(loadDraft(storage)?.settings.epochs).toBe(5);
  });

  it('ignores a stored draft that is corrupt or from an incompatible version', () => {
    const storage = memoryStorage();
    storage.values.set('mnist-studio.draft.v1', '{"presetId": null, "spec": {"layers": [{"type": "lstm"}]}}');
    expect(loadDraft(storage)).toBeNull();
    storage.values.set('mnist-studio.draft.v1', '{ not json');
    expect(loadDraft(storage)).toBeNull();
    expect(loadDraft(undefined)).toBeNull();
  });
});
