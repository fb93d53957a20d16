/**
 * The Model view's work in progress (preset, layers, settings), kept across reloads and restarts
 * in the renderer's own storage. A stored draft that no longer parses is dropped, never half-used.
 */
import { z } from 'zod';
import { modelSpecSchema, trainSettingsSchema, type ModelSpec, type TrainSettings } from '../../src-main/shared/spec';

const KEY = 'mnist-studio.draft.v1';

const draftSchema = z.object({
  presetId: z.string().nullable(),
  spec: modelSpecSchema,
  settings: trainSettingsSchema,
});
export interface Draft {
  presetId: string | null;
  spec: ModelSpec;
  settings: TrainSettings;
}

export function loadDraft(storage: Pick<Storage, 'getItem'> | undefined): Draft | null {
  try {
    const text = storage?.getItem(KEY);
    if (!text) return null;
    const parsed = draftSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Saves only drafts that would load again: a half-typed field keeps the last valid draft. */
export function saveDraft(storage: Pick<Storage, 'setItem'> | undefined, draft: Draft): void {
  if (!draftSchema.safeParse(draft).success) return;
  try {
    storage?.setItem(KEY, JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the draft simply is not remembered.
  }
}
