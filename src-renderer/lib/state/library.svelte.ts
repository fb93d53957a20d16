/**
 * Feature: the model the engine holds now (trained or loaded) and the saved models on disk:
 * save, load, delete, import, export.
 */
import type { CurrentModel, EngineEvent, ExportFormat, SavedModel } from '../../../src-main/shared/contract';
import type { DraftFeature } from './draft.svelte';
import type { EngineCall } from './engine-port';
import type { EvaluationFeature } from './evaluation.svelte';

export class LibraryFeature {
  current = $state.raw<CurrentModel | null>(null);
  /** True once the engine has said which model it holds, after connecting. */
  loaded = $state(false);
  saved = $state.raw<SavedModel[]>([]);

  constructor(
    private readonly call: EngineCall,
    private readonly others: { draft: DraftFeature; evaluation: EvaluationFeature },
  ) {}

  async refresh(): Promise<void> {
    await Promise.all([this.refreshCurrent(), this.refreshSaved()]);
  }

  async refreshCurrent(): Promise<void> {
    const current = await this.call('model.current', {});
    if (current === undefined) return;
    this.current = current;
    this.loaded = true;
  }

  async refreshSaved(): Promise<void> {
    const models = await this.call('models.list', {});
    if (models) this.saved = models;
  }

  async save(name: string): Promise<SavedModel | undefined> {
    const saved = await this.call('models.save', { name });
    if (!saved) return undefined;
    if (this.current) this.current = { ...this.current, savedAs: saved.id };
    await this.refreshSaved();
    return saved;
  }

  /** Makes a saved model the engine's; the Model view's draft takes its spec and settings. */
  async load(id: string): Promise<boolean> {
    const current = await this.call('models.load', { id });
    if (!current) return false;
    this.current = current;
    this.others.evaluation.clear();
    this.others.draft.adopt(current.spec, current.settings);
    return true;
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.call('models.delete', { id });
    if (!result) return false;
    await this.refreshSaved();
    return true;
  }

  /** `path`: a TF.js model folder, or a Keras `.keras` / `.h5` file. */
  async import(path: string): Promise<SavedModel | undefined> {
    const imported = await this.call('models.import', { path });
    if (imported) await this.refreshSaved();
    return imported;
  }

  async export(id: string, dir: string, format: ExportFormat = 'tfjs'): Promise<string | undefined> {
    return (await this.call('models.export', { id, dir, format }))?.path;
  }

  handle(event: EngineEvent): void {
    if (event.kind === 'train.end' && event.result) void this.refreshCurrent();
    // The model lived in the engine that died; saved models are on disk and stay listed.
    if (event.kind === 'engine.status' && event.state === 'crashed') this.current = null;
  }
}
