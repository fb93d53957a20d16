/**
 * Feature: the model being drafted in the Model view (preset, layers, optimizer, training
 * settings), everything that stops it from training, and its memory across reloads.
 */
import {
  KERAS_EXAMPLE_SETTINGS,
  LIMITS,
  PRESETS,
  layerFieldIssues,
  optimizerIssues,
  settingsIssues,
  summarizeSpec,
  type LayerType,
  type ModelSpec,
  type TrainSettings,
} from '../../../src-main/shared/spec';
import { saveDraft, type Draft } from '../draft-storage';
import { newLayer } from '../layers';

export class DraftFeature {
  presetId = $state<string | null>(PRESETS[0].id);
  spec = $state<ModelSpec>(structuredClone(PRESETS[0].spec) as ModelSpec);
  settings = $state<TrainSettings>({ ...KERAS_EXAMPLE_SETTINGS });

  /** Per layer, each field's problem (an empty object for a valid layer). */
  layerProblems = $derived(this.spec.layers.map((layer) => layerFieldIssues($state.snapshot(layer))));
  /** The live `model.summary()`; only meaningful when every layer field is valid. */
  analysis = $derived(summarizeSpec(this.spec));
  summary = $derived(this.analysis.summary);
  specIssues = $derived(this.analysis.issues);
  /** Problems with the optimizer and training settings, one sentence per field. */
  settingsProblems: Record<string, string> = $derived({
    ...settingsIssues($state.snapshot(this.settings)),
    ...optimizerIssues($state.snapshot(this.spec.optimizer)),
  });
  /** Every reason training cannot start yet, as sentences. */
  blockers = $derived([
    ...this.layerProblems.flatMap((issues, index) =>
      Object.values(issues).map((text) => `Layer ${index + 1}: ${text}`),
    ),
    ...this.specIssues.map((issue) => (issue.layer === undefined ? '' : `Layer ${issue.layer + 1}: `) + issue.message),
    ...Object.values(this.settingsProblems),
  ]);
  canAddLayer = $derived(this.spec.layers.length < LIMITS.layers.max);

  constructor(saved: Draft | null = null) {
    if (!saved) return;
    this.presetId = saved.presetId;
    this.spec = saved.spec;
    this.settings = saved.settings;
  }

  /** Remembers every valid state of the draft in `storage`; returns the function that stops it. */
  persist(storage: Pick<Storage, 'setItem'> | undefined): () => void {
    return $effect.root(() => {
      $effect(() => saveDraft(storage, this.snapshot()));
    });
  }

  snapshot(): Draft {
    return { presetId: this.presetId, spec: $state.snapshot(this.spec), settings: $state.snapshot(this.settings) };
  }

  /** What model.fit is sent. */
  fitParams(): { spec: ModelSpec; settings: TrainSettings } {
    return { spec: $state.snapshot(this.spec), settings: $state.snapshot(this.settings) };
  }

  choosePreset(id: string): void {
    const preset = PRESETS.find((candidate) => candidate.id === id);
    if (!preset) return;
    this.presetId = id;
    this.spec = structuredClone(preset.spec) as ModelSpec;
    this.settings.augment = preset.augment;
  }

  /** Takes over a loaded model's spec and settings (it no longer is a preset). */
  adopt(spec: ModelSpec, settings: TrainSettings): void {
    this.spec = structuredClone(spec);
    this.settings = { ...settings };
    this.presetId = null;
  }

  /** A field was edited in place: the draft no longer is its preset. */
  edited(): void {
    this.presetId = null;
  }

  moveLayer(index: number, by: -1 | 1): void {
    const layers = this.spec.layers;
    if (index + by < 0 || index + by >= layers.length) return;
    [layers[index], layers[index + by]] = [layers[index + by], layers[index]];
    this.edited();
  }

  removeLayer(index: number): void {
    if (this.spec.layers.length <= LIMITS.layers.min) return;
    this.spec.layers.splice(index, 1);
    this.edited();
  }

  /** Adds a layer before the output layer, where hidden layers belong. */
  addLayer(type: LayerType): void {
    if (!this.canAddLayer) return;
    const layers = this.spec.layers;
    layers.splice(Math.max(0, layers.length - 1), 0, newLayer(type));
    this.edited();
  }
}
