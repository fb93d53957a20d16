/** Feature: the dataset the engine holds, and its loading. */
import type { DatasetInfo, DatasetSource, EngineEvent } from '../../../src-main/shared/contract';
import type { EngineCall } from './engine-port';
import type { NoticesFeature } from './notices.svelte';

export class DatasetFeature {
  info = $state.raw<DatasetInfo | null>(null);
  /** The engine's loading progress; null when nothing is loading. */
  progress = $state.raw<{ stage: string; fraction: number } | null>(null);
  /** A dataset.load asked for from this window is under way. */
  loading = $state(false);

  constructor(
    private readonly call: EngineCall,
    private readonly notices: NoticesFeature,
  ) {}

  /** Learns the engine's dataset, making it load one when it has none yet. */
  async ensure(): Promise<void> {
    let known = await this.call('dataset.current', {});
    if (known === null) {
      // Asking for one sample makes the engine load its dataset; unlike dataset.load it is
      // allowed while a training run (perhaps started from another window) holds the engine.
      await this.call('dataset.samples', { split: 'train', offset: 0, limit: 1 });
      known = await this.call('dataset.current', {});
    }
    if (known) this.info = known;
  }

  /** Opens another dataset; resolves true when the engine now holds it. */
  async load(source: DatasetSource): Promise<boolean> {
    this.loading = true;
    const info = await this.call('dataset.load', { source });
    this.loading = false;
    if (!info) return false;
    this.info = info;
    this.notices.dismiss();
    return true;
  }

  handle(event: EngineEvent): void {
    if (event.kind !== 'dataset.progress') return;
    this.progress = event.fraction >= 1 ? null : { stage: event.stage, fraction: event.fraction };
    // A dataset may be opened outside the views (File > Open Dataset Folder...): re-read it.
    if (event.fraction >= 1) void this.ensure();
  }
}
