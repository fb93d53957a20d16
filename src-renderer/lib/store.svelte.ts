/**
 * The renderer's shared state and the actions that change it: one instance, imported by every
 * view. Engine events flow in here; views read fields and call methods.
 */
import type {
  BackendInfo,
  BatchMetrics,
  CurrentModel,
  DatasetInfo,
  EngineEvent,
  EpochMetrics,
  Evaluation,
  Method,
  Params,
  Result,
  SavedModel,
  TrainResult,
} from '../../src-main/shared/contract';
import {
  KERAS_EXAMPLE_SETTINGS,
  PRESETS,
  modelSpecSchema,
  settingsIssues,
  summarizeSpec,
  type ModelSpec,
  type TrainSettings,
} from '../../src-main/shared/spec';
import { api, onConnection } from '../api';
import { batchPoint, type TrainPoint } from './chart-data';
import { errorMessage } from './format';
import { loadDraft, saveDraft } from './draft';
import { layerFieldIssues } from './layers';

const draft = loadDraft(globalThis.localStorage);

export interface TrainBegin {
  epochs: number;
  batches: number;
  trainSamples: number;
  validationSamples: number;
  params: number;
}

export interface EngineState {
  state: 'starting' | 'ready' | 'crashed' | 'disconnected';
  message?: string;
}

/** The live state of one training run, replaced wholesale on train.begin. */
class TrainingRun {
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

  reset(begin: TrainBegin | null): void {
    this.begin = begin;
    this.lastBatch = null;
    this.points = [];
    this.epochs = [];
    this.result = null;
    this.failure = null;
    this.startedAt = performance.now();
  }
}

function learningRateIssue(spec: ModelSpec): string | undefined {
  const parsed = modelSpecSchema.shape.optimizer.safeParse($state.snapshot(spec.optimizer));
  return parsed.success ? undefined : 'Learning rate must be greater than 0 and at most 10.';
}

class Studio {
  /** Id of the view on screen (see views/index.ts); mirrors location.hash. */
  view = $state('dataset');
  engine = $state<EngineState>({ state: 'starting' });
  backend = $state.raw<BackendInfo | null>(null);
  dataset = $state.raw<DatasetInfo | null>(null);
  datasetProgress = $state.raw<{ stage: string; fraction: number } | null>(null);

  presetId = $state<string | null>(draft?.presetId ?? PRESETS[0].id);
  spec = $state<ModelSpec>(draft?.spec ?? structuredClone(PRESETS[0].spec));
  settings = $state<TrainSettings>(draft?.settings ?? { ...KERAS_EXAMPLE_SETTINGS });

  training = new TrainingRun();
  current = $state.raw<CurrentModel | null>(null);
  evaluation = $state.raw<Evaluation | null>(null);
  evaluating = $state(false);
  savedModels = $state.raw<SavedModel[]>([]);

  /** The latest failure, as the one sentence to show; null when there is nothing to say. */
  error = $state<string | null>(null);

  layerProblems = $derived(this.spec.layers.map((layer) => layerFieldIssues($state.snapshot(layer))));
  /** The live `model.summary()`; only meaningful when every layer field is valid. */
  analysis = $derived(summarizeSpec(this.spec));
  summary = $derived(this.analysis.summary);
  specIssues = $derived(this.analysis.issues);
  settingsProblems: Record<string, string> = $derived({
    ...settingsIssues($state.snapshot(this.settings)),
    ...(learningRateIssue(this.spec) ? { learningRate: learningRateIssue(this.spec) as string } : {}),
  });
  /** Every reason training cannot start yet, as sentences. */
  blockers = $derived([
    ...this.layerProblems.flatMap((issues, index) =>
      Object.values(issues).map((text) => `Layer ${index + 1}: ${text}`),
    ),
    ...this.specIssues.map((issue) => (issue.layer === undefined ? '' : `Layer ${issue.layer + 1}: `) + issue.message),
    ...Object.values(this.settingsProblems),
  ]);

  /** True once the engine has told us what it holds (model, saved models) after connecting. */
  loaded = $state(false);

  private started = false;

  /** Calls the engine; on failure shows the error's sentence and resolves to undefined. */
  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M> | undefined> {
    try {
      return await api.call(method, params);
    } catch (error) {
      this.error = errorMessage(error);
      return undefined;
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    $effect.root(() => {
      $effect(() => {
        const draft = {
          presetId: this.presetId,
          spec: $state.snapshot(this.spec),
          settings: $state.snapshot(this.settings),
        };
        saveDraft(globalThis.localStorage, draft);
      });
    });
    api.onEvent((event) => this.handleEvent(event));
    onConnection((state) => {
      if (state === 'open') {
        if (this.engine.state === 'disconnected') this.engine = { state: 'ready' };
        void this.refresh();
      } else if (state === 'closed') {
        this.engine = { state: 'disconnected', message: 'Lost the connection to MNIST Studio; reconnecting…' };
      }
    });
  }

  /** Fetches what the engine already knows: backend, dataset, current model, saved models. */
  async refresh(): Promise<void> {
    const [backend, current, models] = await Promise.all([
      this.call('engine.info', {}),
      this.call('model.current', {}),
      this.call('models.list', {}),
    ]);
    if (backend) this.backend = backend;
    if (current !== undefined) this.current = current;
    if (models) this.savedModels = models;
    if (backend && this.engine.state === 'starting') this.engine = { state: 'ready' };
    if (current !== undefined) this.loaded = true;
    await this.ensureDataset();
  }

  async ensureDataset(): Promise<void> {
    let known = await this.call('dataset.current', {});
    if (known === null) {
      // Asking for one sample makes the engine load its dataset; unlike dataset.load it is
      // allowed while a training run (perhaps started from another window) holds the engine.
      await this.call('dataset.samples', { split: 'train', offset: 0, limit: 1 });
      known = await this.call('dataset.current', {});
    }
    if (known) this.dataset = known;
  }

  handleEvent(event: EngineEvent): void {
    switch (event.kind) {
      case 'train.begin':
        this.training.reset(event);
        this.training.running = true;
        break;
      case 'train.batch':
        this.training.lastBatch = event.metrics;
        this.training.points = [...this.training.points, batchPoint(event.metrics)];
        break;
      case 'train.epoch':
        this.training.epochs = [...this.training.epochs, event.metrics];
        break;
      case 'train.end':
        this.training.running = false;
        this.training.stopping = false;
        this.training.result = event.result;
        if (event.error) this.error = this.training.failure = event.error.message;
        if (event.result) {
          this.evaluation = null;
          void this.call('model.current', {}).then((current) => current !== undefined && (this.current = current));
        }
        break;
      case 'dataset.progress':
        this.datasetProgress = event.fraction >= 1 ? null : { stage: event.stage, fraction: event.fraction };
        // A dataset may be opened outside the views (File > Open Dataset Folder...): re-read it.
        if (event.fraction >= 1) void this.ensureDataset();
        break;
      case 'engine.status':
        if (event.state === 'crashed') {
          this.engine = { state: 'crashed', message: event.message };
          // The model lived in the engine that died; saved models are on disk and stay listed.
          this.current = null;
          this.evaluation = null;
          this.training.running = false;
          this.training.stopping = false;
        } else if (event.state === 'ready') {
          const recovered = this.engine.state === 'crashed';
          this.engine = { state: 'ready' };
          if (recovered) void this.refresh();
        } else {
          this.engine = { ...this.engine, state: this.engine.state === 'crashed' ? 'crashed' : 'starting' };
        }
        break;
    }
  }

  /** Shows another view; the hash keeps back/forward and reloads working. */
  go(view: string): void {
    this.view = view;
    if (location.hash !== `#/${view}`) location.hash = `#/${view}`;
  }

  choosePreset(id: string): void {
    const preset = PRESETS.find((candidate) => candidate.id === id);
    if (!preset) return;
    this.presetId = id;
    this.spec = structuredClone(preset.spec) as ModelSpec;
    this.settings.augment = preset.augment;
  }

  async startTraining(): Promise<void> {
    if (this.training.running || this.blockers.length > 0) return;
    this.error = null;
    this.training.reset(null);
    this.training.running = true;
    const params = { spec: $state.snapshot(this.spec), settings: $state.snapshot(this.settings) };
    const result = await this.call('model.fit', params);
    this.training.running = false;
    if (result) this.training.result = result;
    else this.training.failure ??= this.error;
  }

  async stopTraining(): Promise<void> {
    this.training.stopping = true;
    await this.call('model.stop', {});
  }

  async evaluate(): Promise<void> {
    this.evaluating = true;
    this.error = null;
    const evaluation = await this.call('model.evaluate', {});
    this.evaluating = false;
    if (evaluation) this.evaluation = evaluation;
  }

  async refreshModels(): Promise<void> {
    const models = await this.call('models.list', {});
    if (models) this.savedModels = models;
  }

  async saveModel(name: string): Promise<SavedModel | undefined> {
    const saved = await this.call('models.save', { name });
    if (saved) {
      this.current = this.current ? { ...this.current, savedAs: saved.id } : this.current;
      await this.refreshModels();
    }
    return saved;
  }

  async loadModel(id: string): Promise<boolean> {
    const current = await this.call('models.load', { id });
    if (!current) return false;
    this.current = current;
    this.evaluation = null;
    this.spec = structuredClone(current.spec);
    this.settings = { ...current.settings };
    this.presetId = null;
    return true;
  }

  async deleteModel(id: string): Promise<void> {
    if (await this.call('models.delete', { id })) await this.refreshModels();
  }
}

export const studio = new Studio();
