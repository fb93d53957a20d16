/** Feature: model.evaluate on the test set, for the model the engine holds. */
import type { EngineEvent, Evaluation } from '../../../src-main/shared/contract';
import type { EngineCall } from './engine-port';
import type { NoticesFeature } from './notices.svelte';

export class EvaluationFeature {
  result = $state.raw<Evaluation | null>(null);
  running = $state(false);

  constructor(
    private readonly call: EngineCall,
    private readonly notices: NoticesFeature,
  ) {}

  async evaluate(): Promise<void> {
    this.running = true;
    this.notices.dismiss();
    const result = await this.call('model.evaluate', {});
    this.running = false;
    if (result) this.result = result;
  }

  /** The model changed (trained, loaded, lost): its evaluation no longer holds. */
  clear(): void {
    this.result = null;
  }

  handle(event: EngineEvent): void {
    if ((event.kind === 'train.end' && event.result) || (event.kind === 'engine.status' && event.state === 'crashed'))
      this.clear();
  }
}
