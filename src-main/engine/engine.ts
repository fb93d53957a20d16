/**
 * The engine as a library: one method per contract request, events out through a listener.
 * Knows nothing about processes, Electron or UI; process.ts wraps it for a host.
 */
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { parseParams, type EngineEvent, type Method, type Result, type SweepRecord } from '../shared/contract';
import { StudioError, toErrorPayload } from '../shared/errors';
import type { ModelSpec, TrainSettings } from '../shared/spec';
import { initBackend } from './backend';
import { DrawingStore } from './drawings';
import { gatherPixels, indicesWithLabel, loadDataset, splitOf, type Dataset } from './dataset';
import { evaluate } from './evaluate';
import { fineTuneSettings, readingScore, repeatsFor, withDrawings } from './finetune';
import { buildModel, validateSpec } from './model';
import { predict } from './predict';
import { ModelStore } from './store';
import { ExperimentStore, newSweepRecord, runSweep } from './sweep';
import { train } from './train';

/** Where models (and later experiments) live: MNIST_STUDIO_HOME, else the XDG config folder. */
export function defaultDataHome(): string {
  if (process.env.MNIST_STUDIO_HOME) return path.resolve(process.env.MNIST_STUDIO_HOME);
  const config = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'mnist-studio');
}

interface CurrentModel {
  model: tf.LayersModel;
  spec: ModelSpec;
  settings: TrainSettings;
  dataset: { id: string; name: string };
  history: Result<'model.fit'>['history'];
  test?: { loss: number; acc: number };
  savedAs?: string;
}

type Handlers = { [M in Method]: (params: ReturnType<typeof parseParams<M>>) => Promise<Result<M>> };

export class Engine {
  private dataset: Dataset | undefined;
  private loadingDataset: Promise<Dataset> | undefined;
  private current: CurrentModel | undefined;
  private training: AbortController | undefined;
  private listeners = new Set<(event: EngineEvent) => void>();
  readonly store: ModelStore;
  readonly experiments: ExperimentStore;
  readonly drawings: DrawingStore;

  constructor(readonly home = defaultDataHome()) {
    this.store = new ModelStore(path.join(home, 'models'));
    this.experiments = new ExperimentStore(path.join(home, 'experiments'));
    this.drawings = new DrawingStore(path.join(home, 'drawings'));
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Validates and runs one request. Throws StudioError for anything a person should read. */
  async handle<M extends Method>(method: M, params: unknown): Promise<Result<M>> {
    const handler = this.handlers[method] as (p: unknown) => Promise<Result<M>>;
    return handler(parseParams(method, params));
  }

  private async ensureDataset(): Promise<Dataset> {
    if (this.dataset) return this.dataset;
    this.loadingDataset ??= loadDataset({ kind: 'builtin' }).finally(() => (this.loadingDataset = undefined));
    this.dataset = await this.loadingDataset;
    return this.dataset;
  }

  private requireIdle(action: string): void {
    if (this.training) throw new StudioError('BUSY', `Cannot ${action} while training or a sweep runs; stop it first.`);
  }

  /**
   * Runs a training run or a sweep: one at a time. The slot is claimed before the first await,
   * so a second request is refused rather than interleaved.
   */
  private async exclusively<T>(action: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.requireIdle(action);
    const controller = new AbortController();
    this.training = controller;
    try {
      return await work(controller.signal);
    } finally {
      this.training = undefined;
    }
  }

  private stopRunning(): { stopping: boolean } {
    const stopping = this.training !== undefined;
    this.training?.abort();
    return { stopping };
  }

  private requireModel(): CurrentModel {
    if (!this.current)
      throw new StudioError('NO_MODEL', 'There is no model yet; train one or load a saved model first.');
    return this.current;
  }

  private readonly handlers: Handlers = {
    'engine.info': async () => initBackend(),

    'dataset.load': async ({ source }) => {
      this.requireIdle('change the dataset');
      this.emit({ kind: 'dataset.progress', stage: 'Reading IDX files', fraction: 0 });
      const dataset = await loadDataset(source);
      this.emit({ kind: 'dataset.progress', stage: 'Ready', fraction: 1 });
      this.dataset = dataset;
      return dataset.info;
    },

    'dataset.current': async () => this.dataset?.info ?? null,

    'dataset.samples': async ({ split, offset, limit, label }) => {
      const set = splitOf(await this.ensureDataset(), split);
      const matching = indicesWithLabel(set, label);
      const indices = matching.slice(offset, offset + limit);
      return this.page(split, matching.length, indices);
    },

    'dataset.images': async ({ split, indices }) => {
      const set = splitOf(await this.ensureDataset(), split);
      return this.page(split, set.count, indices);
    },

    'model.fit': async ({ spec: rawSpec, settings }) => {
      const spec = validateSpec(rawSpec);
      return this.exclusively('start another training run', async (signal) => {
        let model: tf.LayersModel | undefined;
        try {
          await initBackend();
          const dataset = await this.ensureDataset();
          const trained = buildModel(spec, settings.seed);
          model = trained;
          const result = await train(trained, spec, dataset.train, settings, {
            signal,
            onBegin: (info) => this.emit({ kind: 'train.begin', ...info, params: trained.countParams() }),
            onBatch: (metrics) => this.emit({ kind: 'train.batch', metrics }),
            onEpoch: (metrics) => this.emit({ kind: 'train.epoch', metrics }),
          });
          this.replaceCurrent({
            model: trained,
            spec,
            settings,
            dataset: { id: dataset.info.id, name: dataset.info.name },
            history: result.history,
          });
          this.emit({ kind: 'train.end', result });
          return result;
        } catch (error) {
          model?.dispose();
          this.emit({ kind: 'train.end', result: null, error: toErrorPayload(error) });
          throw error;
        }
      });
    },

    'model.stop': async () => this.stopRunning(),

    'model.current': async () => {
      if (!this.current) return null;
      const { spec, settings, dataset, history, savedAs, model } = this.current;
      return { spec, settings, dataset, history, savedAs, params: model.countParams() };
    },

    'model.evaluate': async () => {
      this.requireIdle('evaluate');
      const current = this.requireModel();
      const dataset = await this.ensureDataset();
      const result = evaluate(current.model, current.spec, dataset.test);
      current.test = { loss: result.loss, acc: result.acc };
      return result;
    },

    'model.predict': async ({ images }) => {
      const current = this.requireModel();
      return { probabilities: predict(current.model, current.spec, images) };
    },

    'model.finetune': async ({ epochs }) =>
      this.exclusively('fine-tune', async (signal) => {
        const current = this.requireModel();
        const drawings = await this.drawings.images();
        if (drawings.count === 0)
          throw new StudioError('NOT_FOUND', 'There are no drawings to learn from yet; teach the pad a digit first.');
        const dataset = await this.ensureDataset();
        if (dataset.info.id !== current.dataset.id)
          throw new StudioError(
            'INVALID_SETTINGS',
            `The model was trained on ${current.dataset.name}; open that dataset again to fine-tune it.`,
          );
        try {
          await initBackend();
          const before = readingScore(current.model, current.spec, drawings, dataset.test);
          const repeats = repeatsFor(
            Math.min(dataset.train.count, current.settings.trainLimit ?? Infinity),
            drawings.count,
          );
          const set = withDrawings(dataset.train, current.settings.trainLimit, drawings, repeats);
          const settings = fineTuneSettings(current.settings, epochs);
          const training = await train(current.model, current.spec, set, settings, {
            signal,
            onBegin: (info) => this.emit({ kind: 'train.begin', ...info, params: current.model.countParams() }),
            onBatch: (metrics) => this.emit({ kind: 'train.batch', metrics }),
            onEpoch: (metrics) => this.emit({ kind: 'train.epoch', metrics }),
          });
          const after = readingScore(current.model, current.spec, drawings, dataset.test);
          // The weights changed: the model no longer is the one saved, and its test figures are new.
          current.history = [...current.history, ...training.history];
          current.test = after.test;
          current.savedAs = undefined;
          this.emit({ kind: 'train.end', result: training });
          return { before, after, repeats, training };
        } catch (error) {
          this.emit({ kind: 'train.end', result: null, error: toErrorPayload(error) });
          throw error;
        }
      }),

    'drawings.add': async ({ strokes, label }) => this.drawings.add(strokes, label),

    'drawings.list': async () => this.drawings.list(),

    'drawings.delete': async ({ id }) => ({ deleted: await this.drawings.remove(id) }),

    'drawings.export': async ({ dir }) => this.drawings.export(dir),

    'models.list': async () => this.store.list(),

    'models.save': async ({ name }) => {
      this.requireIdle('save');
      const current = this.requireModel();
      const backend = await initBackend();
      const saved = await this.store.save(current.model, {
        name,
        spec: current.spec,
        settings: current.settings,
        params: current.model.countParams(),
        dataset: current.dataset,
        backend: backend.name,
        history: current.history,
        test: current.test,
      });
      current.savedAs = saved.id;
      return saved;
    },

    'models.load': async ({ id }) => {
      this.requireIdle('load a model');
      await initBackend();
      const { model, metadata } = await this.store.load(id);
      this.replaceCurrent({ ...metadata, model, savedAs: metadata.id });
      return { ...metadata, params: model.countParams(), savedAs: metadata.id };
    },

    'models.delete': async ({ id }) => ({ deleted: await this.store.remove(id) }),

    'models.export': async ({ id, dir }) => ({ path: await this.store.export(id, dir) }),

    'models.import': async ({ dir }) => {
      await initBackend();
      return this.store.import(dir);
    },

    'sweep.start': async (params) =>
      this.exclusively('start a sweep', async (signal) => {
        let record: SweepRecord | undefined;
        try {
          const backend = await initBackend();
          const dataset = await this.ensureDataset();
          record =
            'resumeId' in params
              ? await this.experiments.get(params.resumeId)
              : newSweepRecord(params.settings, dataset, backend.name);
          const id = record.id;
          record = await runSweep(record, dataset, {
            signal,
            persist: (latest) => {
              record = latest;
              return this.experiments.save(latest);
            },
            onProgress: (progress) => this.emit({ kind: 'sweep.progress', id, ...progress }),
            onPoint: (point) => this.emit({ kind: 'sweep.point', id, point }),
          });
          this.emit({ kind: 'sweep.end', record });
          return record;
        } catch (error) {
          if (record) {
            record = { ...record, status: 'stopped' };
            await this.experiments.save(record).catch(() => undefined);
            this.emit({ kind: 'sweep.end', record, error: toErrorPayload(error) });
          }
          throw error;
        }
      }),

    'sweep.stop': async () => this.stopRunning(),

    'sweep.list': async () => this.experiments.list(),

    'sweep.delete': async ({ id }) => {
      this.requireIdle('delete a sweep');
      return { deleted: await this.experiments.remove(id) };
    },
  };

  private page(split: 'train' | 'test', total: number, indices: number[]): Result<'dataset.samples'> {
    const set = splitOf(this.dataset as Dataset, split);
    const pixels = gatherPixels(set, indices);
    return {
      split,
      total,
      indices,
      labels: indices.map((i) => set.labels[i]),
      pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64'),
    };
  }

  private replaceCurrent(next: CurrentModel): void {
    if (this.current && this.current.model !== next.model) this.current.model.dispose();
    this.current = next;
  }

  /** Direct access for the CLI and benchmarks, which run the engine in-process. */
  async datasetNow(): Promise<Dataset> {
    return this.ensureDataset();
  }

  currentModel(): tf.LayersModel | undefined {
    return this.current?.model;
  }

  dispose(): void {
    this.training?.abort();
    this.current?.model.dispose();
    this.current = undefined;
  }
}
