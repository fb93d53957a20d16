import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../shared/errors';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec, type TrainSettings } from '../shared/spec';
import { initBackend } from './backend';
import { loadDataset, type Dataset } from './dataset';
import { evaluate } from './evaluate';
import { buildModel } from './model';
import { splitIndices, train } from './train';

let mnist: Dataset;
beforeAll(async () => {
  await initBackend();
  mnist = await loadDataset();
});

const quick: TrainSettings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 1, trainLimit: 6000, validationSplit: 0.1 };
const firstTestImages = Int32Array.from({ length: 2000 }, (_, i) => i);

describe('train', () => {
  it('learns MNIST from a small slice: one epoch on 5,400 images beats 85% on 2,000 test images', async () => {
    const spec = kerasExampleSpec();
    const model = buildModel(spec, 1);
    const batches: number[] = [];
    const result = await train(model, spec, mnist.train, quick, {
      batchIntervalMs: 0,
      onBatch: (m) => batches.push(m.batch),
    });
    expect(result.status).toBe('completed');
    expect(result.trainSamples).toBe(5400);
    expect(batches).toHaveLength(Math.ceil(5400 / 32));
    const [epoch] = result.history;
    expect(epoch.val_acc).toBeGreaterThan(0.8);
    expect(evaluate(model, spec, mnist.test, firstTestImages).acc).toBeGreaterThan(0.85);
    model.dispose();
  });

  it('stops at the next batch when cancelled and leaves a usable model', async () => {
    const spec = kerasExampleSpec(64);
    const model = buildModel(spec, 2);
    const controller = new AbortController();
    const result = await train(
      model,
      spec,
      mnist.train,
      { ...quick, epochs: 3, trainLimit: 20_000 },
      {
        signal: controller.signal,
        batchIntervalMs: 0,
        onBatch: (metrics) => metrics.batch === 100 && controller.abort(),
      },
    );
    expect(result.status).toBe('stopped');
    expect(result.epochsCompleted).toBe(0);
    const { acc } = evaluate(model, spec, mnist.test, firstTestImages);
    expect(acc).toBeGreaterThan(0.6);
    model.dispose();
  });

  it('ends with TRAIN_DIVERGED naming the epoch and batch when the loss is not finite', async () => {
    const spec = kerasExampleSpec(16);
    const model = buildModel(spec, 3);
    // NaN in the output bias: relu would swallow NaN in the hidden layer, softmax cannot.
    const weights = model.getWeights();
    const outputBias = weights[weights.length - 1];
    model.setWeights([...weights.slice(0, -1), tf.fill(outputBias.shape, Number.NaN)]);
    const failure = await train(model, spec, mnist.train, quick).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StudioError);
    expect((failure as StudioError).code).toBe('TRAIN_DIVERGED');
    expect((failure as StudioError).message).toMatch(
      /^Training diverged at epoch 1, batch 1: (the loss became NaN|the model's outputs became NaN); lower the learning rate/,
    );
    model.dispose();
  });

  it('is reproducible: the same seed gives the same history', async () => {
    const spec = kerasExampleSpec(32);
    const run = async () => {
      const model = buildModel(spec, 7);
      const { history } = await train(model, spec, mnist.train, { ...quick, trainLimit: 1000, seed: 7 });
      model.dispose();
      return history.map(({ loss, acc, val_loss }) => [loss, acc, val_loss]);
    };
    expect(await run()).toEqual(await run());
  });
});

describe('evaluate', () => {
  it('leaves no tensors behind', async () => {
    const spec = kerasExampleSpec(16);
    const model = buildModel(spec, 9);
    const before = tf.memory().numTensors;
    const result = evaluate(model, spec, mnist.test);
    expect(result.count).toBe(10_000);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('splitIndices', () => {
  it('holds out the last fraction like Keras validation_split', () => {
    const { train: kept, validation } = splitIndices(100, { ...quick, trainLimit: 50, validationSplit: 0.2 });
    expect(kept.length).toBe(40);
    expect(Array.from(validation)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
  });
});
