/**
 * Step 5 of the Keras example: `model.fit(x, y, epochs, batch_size)`, as a loop the app can
 * watch (throttled batch metrics, epoch metrics with Keras' names) and stop at any batch.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BatchMetrics, EpochMetrics, TrainResult } from '../shared/contract';
import { StudioError } from '../shared/errors';
import type { ModelSpec, TrainSettings } from '../shared/spec';
import { evaluate, scoreRows } from './evaluate';
import type { LabelledImages } from './idx';
import { trainingSteps } from './step';

export interface TrainCallbacks {
  onBegin?(info: { epochs: number; batches: number; trainSamples: number; validationSamples: number }): void;
  onBatch?(metrics: BatchMetrics): void;
  onEpoch?(metrics: EpochMetrics): void;
  /** Minimum milliseconds between onBatch calls (the last batch of an epoch always reports). */
  batchIntervalMs?: number;
  signal?: AbortSignal;
}

/** Deterministic PRNG so that a seed reproduces the shuffle order. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace(values: Int32Array, random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
}

/** Keras' validation_split: the last fraction of the (limited) training data, taken before shuffling. */
export function splitIndices(total: number, settings: TrainSettings): { train: Int32Array; validation: Int32Array } {
  const used = Math.min(total, settings.trainLimit ?? total);
  const validationCount = Math.floor(used * settings.validationSplit);
  const trainCount = used - validationCount;
  if (trainCount < 1)
    throw new StudioError(
      'INVALID_SETTINGS',
      'No training images are left after the validation split; lower the split or raise the limit.',
    );
  const all = Int32Array.from({ length: used }, (_, i) => i);
  return { train: all.slice(0, trainCount), validation: all.slice(trainCount) };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Longest stretch of training without letting the event loop run, so that requests arriving
 * meanwhile (a Draw-view prediction, stop) wait at most this long. A yield costs microseconds.
 */
const MAX_BUSY_MS = 8;

/**
 * Trains `model` in place. Stopping (signal) ends after the current batch and keeps what was
 * learnt; a NaN or infinite loss ends with TRAIN_DIVERGED naming the epoch and batch.
 */
export async function train(
  model: tf.LayersModel,
  spec: ModelSpec,
  set: LabelledImages,
  settings: TrainSettings,
  callbacks: TrainCallbacks = {},
): Promise<TrainResult> {
  // The active backend's own step when it has one for this model, else tfjs' stock step.
  const step = trainingSteps.stepFor({ model, spec, set });
  const { train: trainIndices, validation } = splitIndices(set.count, settings);
  const batches = Math.ceil(trainIndices.length / settings.batchSize);
  const random = mulberry32(settings.seed);
  const interval = callbacks.batchIntervalMs ?? 100;
  const history: EpochMetrics[] = [];
  const totalSamples = trainIndices.length * settings.epochs;
  callbacks.onBegin?.({
    epochs: settings.epochs,
    batches,
    trainSamples: trainIndices.length,
    validationSamples: validation.length,
  });

  const started = performance.now();
  let samplesDone = 0;
  let stopped = false;
  const eta = () => {
    const elapsed = (performance.now() - started) / 1000;
    return samplesDone > 0 ? (elapsed / samplesDone) * (totalSamples - samplesDone) : 0;
  };

  for (let epoch = 1; epoch <= settings.epochs && !stopped; epoch++) {
    if (settings.shuffle) shuffleInPlace(trainIndices, random);
    const epochStarted = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lastReport = 0;
    let lastYield = performance.now();
    for (let batch = 0; batch < batches; batch++) {
      if (callbacks.signal?.aborted) {
        stopped = true;
        break;
      }
      const start = batch * settings.batchSize;
      const end = Math.min(trainIndices.length, start + settings.batchSize);
      const { loss: batchLoss, outputs } = step.run(trainIndices, start, end);
      // Accuracy and the NaN check come from one read of the (batch x 10) outputs, in plain
      // JavaScript: ~10 fewer kernels per step than computing them as tensors.
      const { correct: batchCorrect, finite: outputsFinite } = scoreRows(outputs, set.labels, trainIndices, start, end);
      // The loss clips probabilities, so NaN outputs would hide behind a finite loss.
      if (!Number.isFinite(batchLoss) || !outputsFinite) {
        const what = Number.isFinite(batchLoss) ? "the model's outputs became NaN" : `the loss became ${batchLoss}`;
        throw new StudioError(
          'TRAIN_DIVERGED',
          `Training diverged at epoch ${epoch}, batch ${batch + 1}: ${what}; lower the learning rate and train again.`,
        );
      }
      const size = end - start;
      lossSum += batchLoss * size;
      correct += batchCorrect;
      seen += size;
      samplesDone += size;
      const now = performance.now();
      if (now - lastReport >= interval || batch === batches - 1) {
        lastReport = now;
        callbacks.onBatch?.({
          epoch,
          epochs: settings.epochs,
          batch: batch + 1,
          batches,
          loss: lossSum / seen,
          acc: correct / seen,
          samplesPerSecond: seen / ((now - epochStarted) / 1000),
          etaSeconds: eta(),
        });
        lastYield = now;
        await yieldToEventLoop();
      } else if (now - lastYield >= MAX_BUSY_MS) {
        lastYield = now;
        await yieldToEventLoop();
      }
    }
    if (seen === 0) break;
    const seconds = (performance.now() - epochStarted) / 1000;
    const metrics: EpochMetrics = {
      epoch,
      epochs: settings.epochs,
      loss: lossSum / seen,
      acc: correct / seen,
      seconds,
      samplesPerSecond: seen / seconds,
      etaSeconds: stopped ? 0 : eta(),
    };
    if (validation.length > 0 && !stopped) {
      const { loss, acc } = evaluate(model, spec, set, validation);
      metrics.val_loss = loss;
      metrics.val_acc = acc;
    }
    if (!stopped) {
      history.push(metrics);
      callbacks.onEpoch?.(metrics);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    status: stopped ? 'stopped' : 'completed',
    epochsCompleted: history.length,
    history,
    trainSamples: trainIndices.length,
    seconds,
    samplesPerSecond: samplesDone / seconds,
  };
}
