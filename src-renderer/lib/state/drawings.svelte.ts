/**
 * Feature: "My drawings", the drawings the pad misread, kept with the right digit in the data
 * folder; teaching one, deleting, exporting as IDX files, and fine-tuning the current model on
 * MNIST plus them (a normal fit in the engine: the training feature follows its events).
 */
import type { DrawingSummary, EngineEvent, FineTuneResult } from '../../../src-main/shared/contract';
import type { Stroke } from '../../../src-main/shared/drawing';
import type { EngineCall } from './engine-port';
import type { NoticesFeature } from './notices.svelte';

/** Epochs of a fine-tune from the Draw view: enough for the drawings to count, short on any backend. */
export const FINE_TUNE_EPOCHS = 1;

export class DrawingsFeature {
  list = $state.raw<DrawingSummary[]>([]);
  /** The drawing kept last (the Draw view confirms it). */
  lastAdded = $state.raw<DrawingSummary | null>(null);
  fineTuning = $state(false);
  /** Before and after of the last fine-tune from this window. */
  fineTune = $state.raw<FineTuneResult | null>(null);

  constructor(
    private readonly call: EngineCall,
    private readonly notices: NoticesFeature,
  ) {}

  async refresh(): Promise<void> {
    const drawings = await this.call('drawings.list', {});
    if (drawings) this.list = drawings;
  }

  /** Keeps the drawing with the digit it really is. */
  async teach(strokes: Stroke[], label: number): Promise<DrawingSummary | undefined> {
    this.notices.dismiss();
    const added = await this.call('drawings.add', { strokes, label });
    if (!added) return undefined;
    this.lastAdded = added;
    this.list = [...this.list, added];
    return added;
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.call('drawings.delete', { id });
    if (!result) return false;
    this.list = this.list.filter((drawing) => drawing.id !== id);
    if (this.lastAdded?.id === id) this.lastAdded = null;
    return true;
  }

  /** The folder written (a dataset folder of four IDX files), or undefined when it failed. */
  async export(dir: string): Promise<{ path: string; count: number } | undefined> {
    return this.call('drawings.export', { dir });
  }

  async fineTuneModel(epochs = FINE_TUNE_EPOCHS): Promise<FineTuneResult | undefined> {
    if (this.fineTuning) return undefined;
    this.notices.dismiss();
    this.fineTuning = true;
    const result = await this.call('model.finetune', { epochs });
    this.fineTuning = false;
    if (result) this.fineTune = result;
    return result;
  }

  handle(event: EngineEvent): void {
    // Another model was trained or loaded: the before/after no longer describes the model there.
    if (event.kind === 'train.begin' && !this.fineTuning) this.fineTune = null;
    if (event.kind === 'engine.status' && event.state === 'crashed') {
      this.fineTuning = false;
      this.fineTune = null;
    }
  }
}
