/**
 * The Keras example's closing question: how does test accuracy depend on the number of hidden
 * units? Trains the example's model once per size under identical settings, evaluates each on
 * the test set, and saves every finished point at once so a crash loses at most the run in
 * progress; an interrupted sweep resumes with the sizes it has not finished.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { sweepRecordSchema, type SweepPoint, type SweepRecord, type SweepSettings } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { IMAGE_PIXELS, KERAS_EXAMPLE_SETTINGS, NUM_CLASSES, kerasExampleSpec } from '../shared/spec';
import type { Dataset } from './dataset';
import { buildModel } from './model';
import { fileProblem, writeDurably } from './store';
import { evaluate } from './evaluate';
import { train } from './train';

export const DEFAULT_SWEEP_UNITS = [8, 16, 32, 64, 128, 256, 512, 1024];

export function defaultSweepSettings(overrides: Partial<SweepSettings> = {}): SweepSettings {
  return {
    units: DEFAULT_SWEEP_UNITS,
    epochs: KERAS_EXAMPLE_SETTINGS.epochs,
    batchSize: KERAS_EXAMPLE_SETTINGS.batchSize,
    learningRate: kerasExampleSpec().optimizer.learningRate,
    seed: KERAS_EXAMPLE_SETTINGS.seed,
    ...overrides,
  };
}

export function paramsFor(units: number): number {
  return IMAGE_PIXELS * units + units + units * NUM_CLASSES + NUM_CLASSES;
}

/** Relative cost of one run: the matrix products grow with the units; a fixed part does not. */
function runCost(units: number): number {
  return units + 64;
}

export class ExperimentStore {
  constructor(readonly directory: string) {}

  private file(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new StudioError('NOT_FOUND', `There is no sweep "${id}".`);
    return path.join(this.directory, `${id}.json`);
  }

  async save(record: SweepRecord): Promise<void> {
    const target = this.file(record.id);
    const partial = `${target}.${randomBytes(3).toString('hex')}.partial`;
    try {
      await mkdir(this.directory, { recursive: true });
      await writeDurably(partial, JSON.stringify(record, null, 2));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true }).catch(() => undefined);
      throw new StudioError('MODEL_FILE', `Cannot save the sweep to ${target}: ${fileProblem(error)}.`);
    }
  }

  async get(id: string): Promise<SweepRecord> {
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no sweep "${id}".`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new StudioError('MODEL_FILE', `${file} is not valid JSON; the sweep file is corrupt.`);
    }
    const record = sweepRecordSchema.safeParse(parsed);
    if (!record.success) throw new StudioError('MODEL_FILE', `${file} is not a valid sweep record.`);
    return record.data;
  }

  async list(): Promise<SweepRecord[]> {
    if (!existsSync(this.directory)) return [];
    const records: SweepRecord[] = [];
    for (const entry of await readdir(this.directory)) {
      if (!entry.endsWith('.json')) continue;
      try {
        records.push(await this.get(entry.slice(0, -'.json'.length)));
      } catch {
        // Unreadable files are skipped in the list; opening one by id reports why.
      }
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async remove(id: string): Promise<boolean> {
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no sweep "${id}".`);
    await rm(file);
    return true;
  }
}

export function newSweepRecord(settings: SweepSettings, dataset: Dataset, backend: string): SweepRecord {
  const units = [...new Set(settings.units)];
  return {
    id: `sweep-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
    createdAt: new Date().toISOString(),
    settings: { ...settings, units },
    dataset: { id: dataset.info.id, name: dataset.info.name },
    backend,
    points: [],
    status: 'running',
  };
}

export interface SweepCallbacks {
  signal?: AbortSignal;
  onProgress?(progress: {
    units: number;
    run: number;
    runs: number;
    epoch: number;
    epochs: number;
    batch: number;
    batches: number;
    fraction: number;
    etaSeconds: number;
  }): void;
  onPoint?(point: SweepPoint): void;
  /** Minimum milliseconds between progress reports (train's default when undefined). */
  progressIntervalMs?: number;
  /** Called after every finished point and at the end; the record must reach disk here. */
  persist(record: SweepRecord): Promise<void>;
}

/** Runs the sizes of `record` that have no point yet, in order. Returns the updated record. */
export async function runSweep(record: SweepRecord, dataset: Dataset, callbacks: SweepCallbacks): Promise<SweepRecord> {
  if (record.dataset.id !== dataset.info.id) {
    throw new StudioError(
      'INVALID_SETTINGS',
      `This sweep was run on ${record.dataset.name}; load that dataset to resume it, or start a new sweep.`,
    );
  }
  const { settings } = record;
  const done = new Set(record.points.map((point) => point.units));
  const remaining = settings.units.filter((units) => !done.has(units));
  const totalCost = remaining.reduce((sum, units) => sum + runCost(units), 0);
  const started = performance.now();
  let costDone = 0;
  let current: SweepRecord = { ...record, status: 'running' };
  await callbacks.persist(current);

  for (const [index, units] of remaining.entries()) {
    if (callbacks.signal?.aborted) break;
    const spec = kerasExampleSpec(units);
    spec.optimizer.learningRate = settings.learningRate;
    const model = buildModel(spec, settings.seed);
    try {
      const trainSettings = {
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        validationSplit: 0,
        shuffle: true,
        seed: settings.seed,
        trainLimit: settings.trainLimit,
      };
      const result = await train(model, spec, dataset.train, trainSettings, {
        signal: callbacks.signal,
        batchIntervalMs: callbacks.progressIntervalMs,
        onBatch: (metrics) => {
          const inRun = ((metrics.epoch - 1) * metrics.batches + metrics.batch) / (metrics.epochs * metrics.batches);
          const fraction = (costDone + runCost(units) * inRun) / totalCost;
          const elapsed = (performance.now() - started) / 1000;
          callbacks.onProgress?.({
            units,
            run: record.points.length + index + 1,
            runs: settings.units.length,
            epoch: metrics.epoch,
            epochs: metrics.epochs,
            batch: metrics.batch,
            batches: metrics.batches,
            fraction,
            etaSeconds: fraction > 0 ? (elapsed / fraction) * (1 - fraction) : 0,
          });
        },
      });
      if (result.status === 'stopped') break;
      const test = evaluate(model, spec, dataset.test);
      const point: SweepPoint = {
        units,
        params: model.countParams(),
        test_acc: test.acc,
        test_loss: test.loss,
        seconds: result.seconds,
      };
      current = { ...current, points: [...current.points, point] };
      await callbacks.persist(current);
      callbacks.onPoint?.(point);
      costDone += runCost(units);
    } finally {
      model.dispose();
    }
  }
  const finished = current.points.length === settings.units.length;
  current = { ...current, status: finished ? 'completed' : 'stopped' };
  await callbacks.persist(current);
  return current;
}
