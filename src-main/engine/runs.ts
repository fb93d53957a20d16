/**
 * Every training run, kept (TensorBoard's runs, Keras' History): one JSON file per run in the
 * data folder, written as the run goes — at its start, at every epoch end, at most every few
 * seconds in between, and at its end. Each write replaces the file whole (a temporary file,
 * synced, renamed into place), so a crash leaves the last complete state. A file that still says
 * 'running' when no live process is training it is read back as 'crashed', with what it had.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  runRecordSchema,
  type BatchMetrics,
  type EpochMetrics,
  type RunRecord,
  type RunSummary,
  type TrainResult,
} from '../shared/contract';
import { StudioError, toErrorPayload } from '../shared/errors';
import { PRESETS, type ModelSpec, type TrainSettings } from '../shared/spec';
import { BatchCurve, roundMetric } from './run-curve';
import { fileProblem, writeFileAtomically } from './atomic-file';
import { train, type TrainCallbacks } from './train';

/** How a file reaches disk whole or not at all (atomic-file.ts; tests can swap in a failing one). */
export type WriteAtomically = (file: string, text: string) => Promise<void>;

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomically(file, text);
}

/** Longest time between two writes of a running run's file (epoch ends are always written). */
const FLUSH_INTERVAL_MS = 3000;

/** What the engine knows when a run starts. */
export interface RunStart {
  spec: ModelSpec;
  settings: TrainSettings;
  params: number;
  dataset: { id: string; name: string };
  backend: string;
  source: RunRecord['source'];
  sweepId?: string;
  name?: string;
}

interface StoredRun extends RunRecord {
  /** The process that writes it while it runs: how a reader tells running from crashed. */
  pid: number;
}

/** The preset whose layers and optimizer `spec` has (the learning rate may differ). */
export function presetOf(spec: ModelSpec): string | undefined {
  const shape = (s: ModelSpec) => JSON.stringify({ layers: s.layers, optimizer: s.optimizer.name });
  return PRESETS.find((preset) => shape(preset.spec) === shape(spec))?.name;
}

function defaultName(start: RunStart): string {
  const { optimizer } = start.spec;
  const epochs = `${start.settings.epochs} epoch${start.settings.epochs === 1 ? '' : 's'}`;
  return `${presetOf(start.spec) ?? 'Custom model'} · ${optimizer.name} ${optimizer.learningRate} · ${epochs}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunRecords {
  private readonly active = new Map<string, RunRecorder>();

  constructor(
    readonly directory: string,
    private readonly write: WriteAtomically = writeAtomically,
  ) {}

  private file(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new StudioError('NOT_FOUND', `There is no run "${id}".`);
    return path.join(this.directory, `${id}.json`);
  }

  /** Writes `record` whole; the one sentence names the folder and the problem. */
  async save(record: RunRecord): Promise<void> {
    const stored: StoredRun = { ...record, pid: process.pid };
    try {
      await this.write(this.file(record.id), JSON.stringify(stored));
    } catch (error) {
      throw new StudioError('MODEL_FILE', `Cannot record the run in ${this.directory}: ${fileProblem(error)}.`);
    }
  }

  /** Records a new run (written at once, so it is listed even if the engine dies in its first batch). */
  async start(start: RunStart): Promise<RunRecorder> {
    const now = new Date().toISOString();
    const record: RunRecord = {
      id: `run-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
      name: start.name ?? defaultName(start),
      createdAt: now,
      updatedAt: now,
      status: 'running',
      source: start.source,
      sweepId: start.sweepId,
      preset: presetOf(start.spec),
      spec: start.spec,
      settings: start.settings,
      params: start.params,
      dataset: start.dataset,
      backend: start.backend,
      trainSamples: 0,
      validationSamples: 0,
      samplesSeen: 0,
      seconds: 0,
      history: [],
      savedModels: [],
      batches: [],
    };
    await this.save(record);
    const recorder = new RunRecorder(this, record, () => this.active.delete(record.id));
    this.active.set(record.id, recorder);
    return recorder;
  }

  async get(id: string): Promise<RunRecord> {
    const recorder = this.active.get(id);
    if (recorder) return recorder.snapshot();
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no run "${id}".`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new StudioError('MODEL_FILE', `${file} is not valid JSON; the run file is corrupt.`);
    }
    const record = runRecordSchema.safeParse(parsed);
    if (!record.success) throw new StudioError('MODEL_FILE', `${file} is not a valid run record.`);
    const { pid } = parsed as Partial<StoredRun>;
    // Our own process writes only through an active recorder; any other live writer is still training.
    const stillTraining = typeof pid === 'number' && pid !== process.pid && isAlive(pid);
    if (record.data.status === 'running' && !stillTraining) return { ...record.data, status: 'crashed' };
    return record.data;
  }

  /** Newest first, without batch curves. Unreadable files are skipped; opening one by id says why. */
  async list(): Promise<RunSummary[]> {
    if (!existsSync(this.directory)) return [];
    const runs: RunSummary[] = [];
    for (const entry of await readdir(this.directory)) {
      if (!entry.endsWith('.json')) continue;
      try {
        const { batches: _curve, ...summary } = await this.get(entry.slice(0, -'.json'.length));
        runs.push(summary);
      } catch {
        // A corrupt or foreign file is not a run.
      }
    }
    return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Changes a finished (or running) run; a running one keeps its recorder's state. */
  async update(id: string, change: (record: RunRecord) => RunRecord): Promise<RunRecord> {
    const recorder = this.active.get(id);
    if (recorder) return recorder.change(change);
    const current = await this.get(id);
    if (current.status === 'running')
      throw new StudioError('BUSY', 'This run is still training in another MNIST Studio process; wait for it to end.');
    const updated = change(current);
    await this.save(updated);
    return updated;
  }

  async rename(id: string, name: string): Promise<RunSummary> {
    const { batches: _curve, ...summary } = await this.update(id, (record) => ({ ...record, name }));
    return summary;
  }

  /** Keeps the test metrics of the run that made the current model; false if that run was deleted. */
  async setTest(id: string, test: { loss: number; acc: number }): Promise<boolean> {
    if (!this.active.has(id) && !existsSync(this.file(id))) return false;
    await this.update(id, (record) => ({ ...record, test }));
    return true;
  }

  async addSavedModel(id: string, modelId: string): Promise<boolean> {
    if (!this.active.has(id) && !existsSync(this.file(id))) return false;
    await this.update(id, (record) => ({ ...record, savedModels: [...record.savedModels, modelId] }));
    return true;
  }

  async remove(id: string): Promise<boolean> {
    if (this.active.has(id)) throw new StudioError('BUSY', 'Cannot delete a run while it trains; stop it first.');
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no run "${id}".`);
    await rm(file);
    return true;
  }
}

/**
 * Records one run while it trains: wrap train()'s callbacks with `watch`, then `finish` or `fail`.
 * Writes never overlap: one in flight at a time, the newest state written after it.
 */
export class RunRecorder {
  private readonly curve: BatchCurve;
  private lastWrite = performance.now();
  private writing: Promise<void> | undefined;
  private dirty = false;
  private problem: unknown;
  private readonly started = performance.now();

  constructor(
    private readonly records: RunRecords,
    private record: RunRecord,
    private readonly release: () => void,
  ) {
    this.curve = new BatchCurve(undefined, record.batches);
  }

  get id(): string {
    return this.record.id;
  }

  snapshot(): RunRecord {
    return { ...this.record, batches: this.curve.toArray() };
  }

  /** train() callbacks that also record the run; `callbacks` still get every call. */
  watch(callbacks: TrainCallbacks): TrainCallbacks {
    return {
      ...callbacks,
      onBegin: (info) => {
        this.record = { ...this.record, trainSamples: info.trainSamples, validationSamples: info.validationSamples };
        callbacks.onBegin?.(info);
      },
      onBatch: (metrics) => {
        this.batch(metrics);
        callbacks.onBatch?.(metrics);
      },
      onEpoch: (metrics) => {
        this.epoch(metrics);
        callbacks.onEpoch?.(metrics);
      },
    };
  }

  private samplesAt(metrics: BatchMetrics): number {
    const { trainSamples, settings } = this.record;
    return (metrics.epoch - 1) * trainSamples + Math.min(trainSamples, metrics.batch * settings.batchSize);
  }

  private batch(metrics: BatchMetrics): void {
    const samples = this.samplesAt(metrics);
    this.curve.add({ samples, epoch: metrics.epoch, loss: metrics.loss, acc: metrics.acc });
    this.record = { ...this.record, samplesSeen: samples, seconds: this.elapsed() };
    if (performance.now() - this.lastWrite >= FLUSH_INTERVAL_MS) this.flush();
  }

  private epoch(metrics: EpochMetrics): void {
    const rounded = { ...metrics };
    for (const key of ['loss', 'acc', 'val_loss', 'val_acc'] as const) {
      const value = rounded[key];
      if (value !== undefined) rounded[key] = roundMetric(value);
    }
    this.record = {
      ...this.record,
      history: [...this.record.history, rounded],
      samplesSeen: metrics.epoch * this.record.trainSamples,
      seconds: this.elapsed(),
    };
    this.flush();
  }

  private elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  async change(change: (record: RunRecord) => RunRecord): Promise<RunRecord> {
    this.record = change(this.snapshot());
    this.flush();
    await this.settled();
    return this.snapshot();
  }

  /** Starts a write of the newest state (or marks one due after the write in flight). */
  private flush(): void {
    this.dirty = true;
    if (this.writing) return;
    this.lastWrite = performance.now();
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        this.record = { ...this.record, updatedAt: new Date().toISOString() };
        try {
          await this.records.save(this.snapshot());
          this.problem = undefined;
        } catch (error) {
          // Kept for the final write to report; training goes on meanwhile.
          this.problem = error;
        }
      }
      this.writing = undefined;
    })();
  }

  private async settled(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.problem) throw this.problem;
  }

  /** The run ended (completed or stopped); `test` when it was evaluated. Throws if it cannot be written. */
  async finish(result: TrainResult, test?: { loss: number; acc: number }): Promise<RunRecord> {
    return this.end({
      status: result.status === 'completed' ? 'finished' : 'stopped',
      seconds: result.seconds,
      ...(test && { test: { loss: roundMetric(test.loss), acc: roundMetric(test.acc) } }),
    });
  }

  /** The run ended with an error; written as 'failed' with its one sentence. Never throws. */
  async fail(error: unknown): Promise<void> {
    await this.end({ status: 'failed', error: toErrorPayload(error).message, seconds: this.elapsed() }).catch(
      () => undefined,
    );
  }

  private async end(last: Partial<RunRecord>): Promise<RunRecord> {
    this.record = { ...this.record, ...last };
    try {
      this.flush();
      await this.settled();
    } finally {
      this.release();
    }
    return this.snapshot();
  }
}

/** train(), recorded by `run` when there is one. */
export function trainRecorded(
  run: RunRecorder | undefined,
  ...[model, spec, set, settings, callbacks = {}]: Parameters<typeof train>
): ReturnType<typeof train> {
  return train(model, spec, set, settings, run ? run.watch(callbacks) : callbacks);
}
