/**
 * The engine as a library: one method per contract request, events out through a listener.
 * Knows nothing about processes, Electron or UI; process.ts wraps it for a host.
 */
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { parseParams, type EngineEvent, type Method, type Result, type SweepRecord } from '../shared/contract';
import { StudioError, toErrorPayload } from '../shared/errors';
import { kerasExampleSpec, type ModelSpec, type TrainSettings } from '../shared/spec';
import { activateBackend, initBackend, trainingBackend, withBackend, type BackendName } from './backend';
import { DrawingStore } from './drawings';
import { gatherPixels, indicesWithLabel, loadDataset, splitOf, type Dataset } from './dataset';
import { evaluate } from './evaluate';
import { fineTuneSettings, readingScore, repeatsFor, withDrawings } from './finetune';
import { buildModel, validateSpec } from './model';
import { predict } from './predict';
import { engineMemory } from './memory';
import { RunRecords, type RunRecorder } from './runs';
import { SavedModels } from './saved-models';
import { newSweepRecord, runSweep } from './sweep';
import { SweepRecords } from './sweep-records';
import { train } from './train';

/** Where models (and later experiments) live: MNIST_STUDIO_HOME, else the XDG config folder. */
export function defaultDataHome(): string {
  if (process.env.MNIST_STUDIO_HOME) return path.resolve(process.env.MNIST_STUDIO_HOME);
  const config = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'mnist-studio');
}

interface CurrentModel {
  model: tf.LayersModel;
  /** Where its weights live: it predicts and evaluates there. */
  backend: BackendName;
  spec: ModelSpec;
  settings: TrainSettings;
  dataset: { id: string; name: string };
  history: Result<'model.fit'>['history'];
  test?: { loss: number; acc: number };
  savedAs?: string;
  runId?: string;
}

type Handlers = { [M in Method]: (params: ReturnType<typeof parseParams<M>>) => Promise<Result<M>> };

export class Engine {
  private dataset: Dataset | undefined;
  private loadingDataset: Promise<Dataset> | undefined;
  private current: CurrentModel | undefined;
  private training: AbortController | undefined;
  private listeners = new Set<(event: EngineEvent) => void>();
  readonly savedModels: SavedModels;
  readonly sweepRecords: SweepRecords;
  readonly runs: RunRecords;
  readonly drawings: DrawingStore;

  constructor(readonly home = defaultDataHome()) {
    this.savedModels = new SavedModels(path.join(home, 'models'));
    this.sweepRecords = new SweepRecords(path.join(home, 'experiments'));
    this.runs = new RunRecords(path.join(home, 'runs'));
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
    'engine.info': async () => ({ ...(await initBackend()), memory: engineMemory() }),

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
        let run: RunRecorder | undefined;
        try {
          const backend = await trainingBackend(spec, settings.backend);
          await activateBackend(backend.name);
          const dataset = await this.ensureDataset();
          const trained = buildModel(spec, settings.seed);
          model = trained;
          const params = trained.countParams();
          const identity = { id: dataset.info.id, name: dataset.info.name };
          const source = 'app';
          const started = await this.runs.start({
            spec,
            settings,
            params,
            dataset: identity,
            backend: backend.name,
            source,
          });
          run = started;
          const callbacks = started.watch({
            signal,
            onBegin: (info) => this.emit({ kind: 'train.begin', ...info, params, runId: started.id, backend }),
            onBatch: (metrics) => this.emit({ kind: 'train.batch', metrics }),
            onEpoch: (metrics) => this.emit({ kind: 'train.epoch', metrics }),
          });
          const result = { ...(await train(trained, spec, dataset.train, settings, callbacks)), backend };
          const history = result.history;
          this.replaceCurrent({
            model: trained,
            backend: backend.name,
            spec,
            settings,
            dataset: identity,
            history,
            runId: started.id,
          });
          model = undefined;
          run = undefined;
          await started.finish(result);
          this.emit({ kind: 'train.end', result });
          return result;
        } catch (error) {
          model?.dispose();
          await run?.fail(error);
          this.emit({ kind: 'train.end', result: null, error: toErrorPayload(error) });
          throw error;
        }
      });
    },

    'model.stop': async () => this.stopRunning(),

    'model.current': async () => {
      if (!this.current) return null;
      const { spec, settings, dataset, history, savedAs, runId, model } = this.current;
      return { spec, settings, dataset, history, savedAs, runId, params: model.countParams() };
    },

    'model.evaluate': async () => {
      this.requireIdle('evaluate');
      const current = this.requireModel();
      const dataset = await this.ensureDataset();
      const result = withBackend(current.backend, () => evaluate(current.model, current.spec, dataset.test));
      current.test = { loss: result.loss, acc: result.acc };
      // The run's record is a bonus here: if it cannot be written, the evaluation still stands.
      if (current.runId) await this.runs.setTest(current.runId, current.test).catch(() => false);
      return result;
    },

    'model.predict': async ({ images }) => {
      const current = this.requireModel();
      return { probabilities: withBackend(current.backend, () => predict(current.model, current.spec, images)) };
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
          // The model trains on the backend it lives on (model.fit chose it).
          await activateBackend(current.backend);
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
          // Fine-tunes are not recorded as runs: the run the model came from no longer describes it.
          current.runId = undefined;
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

    'models.list': async () => this.savedModels.list(),

    'models.save': async ({ name }) => {
      this.requireIdle('save');
      const current = this.requireModel();
      await activateBackend(current.backend);
      const saved = await this.savedModels.save(current.model, {
        name,
        spec: current.spec,
        settings: current.settings,
        params: current.model.countParams(),
        dataset: current.dataset,
        backend: current.backend,
        history: current.history,
        test: current.test,
        runId: current.runId,
      });
      current.savedAs = saved.id;
      if (current.runId) await this.runs.addSavedModel(current.runId, saved.id).catch(() => false);
      return saved;
    },

    'models.load': async ({ id }) => {
      this.requireIdle('load a model');
      const metadata = await this.savedModels.read(id);
      const backend = await trainingBackend(metadata.spec);
      await activateBackend(backend.name);
      const { model } = await this.savedModels.load(id);
      this.replaceCurrent({ ...metadata, model, backend: backend.name, savedAs: metadata.id });
      return { ...metadata, params: model.countParams(), savedAs: metadata.id };
    },

    'models.delete': async ({ id }) => ({ deleted: await this.savedModels.remove(id) }),

    'models.export': async ({ id, dir, format }) => ({ path: await this.savedModels.export(id, dir, format) }),

    'models.import': async ({ path: source }) => {
      await initBackend();
      return this.savedModels.import(source);
    },

    'sweep.start': async (params) =>
      this.exclusively('start a sweep', async (signal) => {
        let record: SweepRecord | undefined;
        try {
          // A sweep trains the Keras example at each size: dense models, one backend for all.
          const backend = await trainingBackend(kerasExampleSpec());
          await activateBackend(backend.name);
          const dataset = await this.ensureDataset();
          record =
            'resumeId' in params
              ? await this.sweepRecords.get(params.resumeId)
              : newSweepRecord(params.settings, dataset, backend.name);
          const { id, dataset: identity } = record;
          record = await runSweep(record, dataset, {
            signal,
            persist: (latest) => {
              record = latest;
              return this.sweepRecords.save(latest);
            },
            onProgress: (progress) => this.emit({ kind: 'sweep.progress', id, ...progress }),
            onPoint: (point) => this.emit({ kind: 'sweep.point', id, point }),
            startRun: (run) => this.runs.start({ ...run, dataset: identity, backend: backend.name, sweepId: id }),
          });
          this.emit({ kind: 'sweep.end', record });
          return record;
        } catch (error) {
          if (record) {
            record = { ...record, status: 'stopped' };
            await this.sweepRecords.save(record).catch(() => undefined);
            this.emit({ kind: 'sweep.end', record, error: toErrorPayload(error) });
          }
          throw error;
        }
      }),

    'sweep.stop': async () => this.stopRunning(),

    'sweep.list': async () => this.sweepRecords.list(),

    'sweep.delete': async ({ id }) => {
      this.requireIdle('delete a sweep');
      return { deleted: await this.sweepRecords.remove(id) };
    },

    'runs.list': async () => this.runs.list(),
    'runs.get': async ({ id }) => this.runs.get(id),
    'runs.rename': async ({ id, name }) => this.runs.rename(id, name),
    'runs.delete': async ({ id }) => ({ deleted: await this.runs.remove(id) }),
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

  dispose(): void {
    this.training?.abort();
    this.current?.model.dispose();
    this.current = undefined;
  }
}
