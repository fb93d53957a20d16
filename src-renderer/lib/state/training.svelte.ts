/** Feature: the training run (model.fit): its live batches and epochs, its result, stop. */
import type {
  BatchMetrics,
  EngineEvent,
  EpochMetrics,
  TrainBackend,
  TrainResult,
} from '../../../src-main/shared/contract';
import type { ModelSpec, TrainSettings } from '../../../src-main/shared/spec';
import { batchPoint, type TrainPoint } from '../chart-data';
import type { EngineCall } from './engine-port';
import type { NoticesFeature } from './notices.svelte';

export interface TrainBegin {
  epochs: number;
  batches: number;
  trainSamples: number;
  validationSamples: number;
  params: number;
  /** Which backend this run trains on, and why. */
  backend?: TrainBackend;
}

export class TrainingFeature {
  running = $state(false);
  stopping = $state(false);
  begin = $state.raw<TrainBegin | null>(null);
  lastBatch = $state.raw<BatchMetrics | null>(null);
  points = $state.raw<TrainPoint[]>([]);
  epochs = $state.raw<EpochMetrics[]>([]);
  result = $state.raw<TrainResult | null>(null);
  /** Why the last run failed, if it did. */
  failure = $state<string | null>(null);
  startedAt = $state(0);

  constructor(
    private readonly call: EngineCall,
    private readonly notices: NoticesFeature,
  ) {}

  /** Trains a model (perhaps watched from another window too: the events say what happens). */
  async fit(params: { spec: ModelSpec; settings: TrainSettings }): Promise<void> {
    if (this.running) return;
    this.notices.dismiss();
    this.reset(null);
    this.running = true;
    const result = await this.call('model.fit', params);
    this.running = false;
    if (result) this.result = result;
    else this.failure ??= this.notices.error;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.call('model.stop', {});
  }

  handle(event: EngineEvent): void {
    switch (event.kind) {
      case 'train.begin':
        this.reset(event);
        this.running = true;
        break;
      case 'train.batch':
        this.lastBatch = event.metrics;
        this.points = [...this.points, batchPoint(event.metrics)];
        break;
      case 'train.epoch':
        this.epochs = [...this.epochs, event.metrics];
        break;
      case 'train.end':
        this.running = false;
        this.stopping = false;
        this.result = event.result;
        if (event.error) {
          this.failure = event.error.message;
          this.notices.fail(event.error.message);
        }
        break;
      case 'engine.status':
        if (event.state === 'crashed') {
          this.running = false;
          this.stopping = false;
        }
        break;
    }
  }

  private reset(begin: TrainBegin | null): void {
    this.begin = begin;
    this.lastBatch = null;
    this.points = [];
    this.epochs = [];
    this.result = null;
    this.failure = null;
    this.startedAt = performance.now();
  }
}
