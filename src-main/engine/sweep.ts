/**
 * The Keras example's closing question: how does test accuracy depend on the number of hidden
 * units? Trains the example's model once per size under identical settings, evaluates each on
 * the test set, and saves every finished point at once so a crash loses at most the run in
 * progress; an interrupted sweep resumes with the sizes it has not finished. The records live in
 * sweep-records.ts.
 */
import { randomBytes } from 'node:crypto';
import { type SweepPoint, type SweepRecord, type SweepSettings } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { IMAGE_PIXELS, KERAS_EXAMPLE_SETTINGS, NUM_CLASSES, kerasExampleSpec } from '../shared/spec';
import type { Dataset } from './dataset';
import { buildModel } from './model';
import { trainRecorded, type RunRecorder, type RunStart } from './runs';
import { evaluate } from './evaluate';

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
  /** Records each size's training run (its id goes on the point). */
  startRun?(run: Pick<RunStart, 'spec' | 'settings' | 'params' | 'source'>): Promise<RunRecorder>;
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
    let run: RunRecorder | undefined;
    try {
      const trainSettings = {
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        validationSplit: 0,
        shuffle: true,
        seed: settings.seed,
        trainLimit: settings.trainLimit,
      };
      run = await callbacks.startRun?.({ spec, settings: trainSettings, params: model.countParams(), source: 'sweep' });
      const result = await trainRecorded(run, model, spec, dataset.train, trainSettings, {
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
      if (result.status === 'stopped') {
        await run?.finish(result);
        break;
      }
      const test = evaluate(model, spec, dataset.test);
      await run?.finish(result, test);
      const runId = run?.id;
      run = undefined;
      const point: SweepPoint = {
        units,
        params: model.countParams(),
        test_acc: test.acc,
        test_loss: test.loss,
        seconds: result.seconds,
        runId,
      };
      current = { ...current, points: [...current.points, point] };
      await callbacks.persist(current);
      callbacks.onPoint?.(point);
      costDone += runCost(units);
    } catch (error) {
      await run?.fail(error);
      throw error;
    } finally {
      model.dispose();
    }
  }
  const finished = current.points.length === settings.units.length;
  current = { ...current, status: finished ? 'completed' : 'stopped' };
  await callbacks.persist(current);
  return current;
}
