/**
 * Feature: hidden-units sweeps (the Keras example's closing question): the form, the sweep
 * running (started here, or found running after a reload or in another window), the saved ones.
 */
import type {
  BackendInfo,
  DatasetInfo,
  EngineEvent,
  SweepPoint,
  SweepRecord,
  SweepSettings,
} from '../../../src-main/shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../../../src-main/shared/spec';
import { DEFAULT_UNITS_TEXT, formIssues, formSettings, type SweepForm } from '../sweep-form';
import type { ConnectionFeature } from './connection.svelte';
import type { DatasetFeature } from './dataset.svelte';
import type { EngineCall } from './engine-port';
import type { NoticesFeature } from './notices.svelte';
import type { TrainingFeature } from './training.svelte';

export type SweepProgress = Extract<EngineEvent, { kind: 'sweep.progress' }>;

/** How a saved sweep reads in the list: a 'running' record nobody runs was interrupted. */
export type SweepState = 'running' | 'completed' | 'stopped' | 'interrupted';

const BASE_SETTINGS = {
  batchSize: KERAS_EXAMPLE_SETTINGS.batchSize,
  learningRate: kerasExampleSpec().optimizer.learningRate,
  seed: KERAS_EXAMPLE_SETTINGS.seed,
};

export class SweepsFeature {
  form = $state<SweepForm>({
    units: DEFAULT_UNITS_TEXT,
    epochs: String(KERAS_EXAMPLE_SETTINGS.epochs),
    trainLimit: '',
  });
  /** The sweep started (or found running) in this window; kept after it ends so its results stay on screen. */
  live = $state.raw<SweepRecord | null>(null);
  running = $state(false);
  stopping = $state(false);
  progress = $state.raw<SweepProgress | null>(null);
  history = $state.raw<SweepRecord[]>([]);
  /** A sweep reopened from the list; null shows the live one (or the latest saved). */
  selectedId = $state<string | null>(null);
  /** Draw the issue's PyTorch measurements as a dashed second series. */
  showReference = $state(true);

  issues = $derived(formIssues(this.form, this.trainImages));
  shown = $derived.by((): SweepRecord | null => {
    if (this.selectedId && this.selectedId !== this.live?.id)
      return this.history.find((record) => record.id === this.selectedId) ?? this.live;
    return this.live ?? this.history[0] ?? null;
  });

  /** Id of a sweep whose appearance in the list has already been asked for. */
  private listing = '';

  constructor(
    private readonly call: EngineCall,
    private readonly notices: NoticesFeature,
    private readonly others: { dataset: DatasetFeature; connection: ConnectionFeature; training: TrainingFeature },
  ) {}

  get trainImages(): number {
    return this.others.dataset.info?.train.count ?? 60000;
  }

  /** Anything else holding the engine: it answers BUSY, so Start waits. */
  get busy(): boolean {
    return this.running || this.others.training.running;
  }

  stateOf(record: SweepRecord): SweepState {
    if (record.status !== 'running') return record.status;
    return this.running && record.id === this.live?.id ? 'running' : 'interrupted';
  }

  canResume(record: SweepRecord): boolean {
    const state = this.stateOf(record);
    return !this.busy && (state === 'stopped' || state === 'interrupted');
  }

  async refresh(): Promise<void> {
    const list = await this.call('sweep.list', {});
    if (list) this.history = list;
  }

  handle(event: EngineEvent): void {
    switch (event.kind) {
      case 'sweep.progress':
        if (!this.running || !this.live || (this.live.id && this.live.id !== event.id)) this.adopt(event.id);
        if (this.live && !this.live.id) this.live = { ...this.live, id: event.id };
        // The engine saved the record as the sweep began: list it (once) with its Running badge.
        if (!this.history.some((record) => record.id === event.id) && this.listing !== event.id) {
          this.listing = event.id;
          void this.refresh();
        }
        this.progress = event;
        break;
      case 'sweep.point':
        if (this.live?.id === event.id) this.live = withPoint(this.live, event.point);
        this.history = this.history.map((record) => (record.id === event.id ? withPoint(record, event.point) : record));
        break;
      case 'sweep.end':
        if (!this.live || this.live.id === event.record.id || !this.live.id) this.live = event.record;
        this.running = false;
        this.stopping = false;
        if (event.error) this.notices.fail(event.error.message);
        void this.refresh();
        break;
      case 'engine.status':
        // A restarted engine: the interrupted sweep is on disk as 'running', resumable.
        if (event.state === 'ready') void this.refresh();
        if (event.state === 'crashed' && this.running) {
          this.running = false;
          this.stopping = false;
          if (this.live) this.live = { ...this.live, status: 'running' };
          void this.refresh();
        }
        break;
    }
  }

  /** A sweep this window did not start is running (e.g. after a reload): follow it. */
  private adopt(id: string): void {
    this.running = true;
    const known = this.history.find((record) => record.id === id);
    if (this.live?.id !== id) this.live = known ?? this.live;
    if (!known) void this.refresh().then(() => (this.live = this.history.find((r) => r.id === id) ?? this.live));
  }

  async start(): Promise<void> {
    if (this.busy) return;
    const settings = formSettings($state.snapshot(this.form), BASE_SETTINGS, this.trainImages);
    if (!settings) return;
    await this.run({ settings }, pendingRecord(settings, this.others.dataset.info, this.others.connection.backend));
  }

  async resume(record: SweepRecord): Promise<void> {
    if (!this.canResume(record)) return;
    await this.run({ resumeId: record.id }, { ...record, status: 'running' });
  }

  private async run(params: { settings: SweepSettings } | { resumeId: string }, placeholder: SweepRecord) {
    this.notices.dismiss();
    this.selectedId = null;
    this.progress = null;
    this.live = placeholder;
    this.running = true;
    const record = await this.call('sweep.start', params);
    this.running = false;
    this.stopping = false;
    if (record) this.live = record;
    else if (!this.live?.id) this.live = null;
    await this.refresh();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    await this.call('sweep.stop', {});
  }

  open(id: string): void {
    this.selectedId = id;
  }

  async remove(id: string): Promise<void> {
    const result = await this.call('sweep.delete', { id });
    if (!result) return;
    if (this.selectedId === id) this.selectedId = null;
    if (this.live?.id === id) this.live = null;
    await this.refresh();
  }
}

function withPoint(record: SweepRecord, point: SweepPoint): SweepRecord {
  if (record.points.some((known) => known.units === point.units)) return record;
  return { ...record, points: [...record.points, point] };
}

/** Stands in for the engine's record until its first event names the sweep. */
function pendingRecord(settings: SweepSettings, dataset: DatasetInfo | null, backend: BackendInfo | null): SweepRecord {
  return {
    id: '',
    createdAt: new Date().toISOString(),
    settings,
    dataset: { id: dataset?.id ?? '', name: dataset?.name ?? 'MNIST' },
    backend: backend?.name ?? '',
    points: [],
    status: 'running',
  };
}
