/**
 * The training-step seam: a backend's providers are asked for its models only, may decline,
 * can be withdrawn, and the stock step is tfjs' optimizer.minimize.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kerasExampleSpec, NUM_CLASSES } from '../shared/spec';
import { initBackend } from './backend';
import { Batcher } from './dataset';
import type { LabelledImages } from './idx';
import { buildModel } from './model';
import { composeStep, stockStepParts, TrainingSteps, type StepContext } from './step';
import { mulberry32 } from './train';

const random = mulberry32(31);
const count = 64;
const set: LabelledImages = {
  count,
  rows: 28,
  cols: 28,
  images: Uint8Array.from({ length: count * 784 }, () => (random() < 0.2 ? Math.floor(random() * 256) : 0)),
  labels: Uint8Array.from({ length: count }, (_, i) => i % NUM_CLASSES),
};
const indices = Int32Array.from({ length: count }, (_, i) => i);

beforeAll(async () => {
  await initBackend('cpu');
});

function context(seed: number): StepContext {
  const spec = kerasExampleSpec(8);
  return { model: buildModel(spec, seed), spec, set };
}

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('TrainingSteps', () => {
  it('gives the stock step when the backend has no provider or every provider declines', () => {
    const steps = new TrainingSteps();
    const ctx = context(1);
    expect(steps.stepFor(ctx, 'cpu').description).toBe('stock tfjs');
    const asked: string[] = [];
    steps.provide('cpu', () => {
      asked.push('first');
      return undefined;
    });
    expect(steps.stepFor(ctx, 'cpu').description).toBe('stock tfjs');
    expect(asked).toEqual(['first']);
    ctx.model.dispose();
  });

  it("asks a backend's providers in order, for that backend only, until withdrawn", () => {
    const steps = new TrainingSteps();
    const ctx = context(2);
    const own = composeStep(stockStepParts(ctx), 'own step');
    const withdraw = steps.provide('cpu', () => own);
    steps.provide('cpu', () => composeStep(stockStepParts(ctx), 'second'));
    expect(steps.stepFor(ctx, 'cpu')).toBe(own);
    expect(steps.stepFor(ctx, 'wasm').description).toBe('stock tfjs');
    withdraw();
    expect(steps.stepFor(ctx, 'cpu').description).toBe('second');
    ctx.model.dispose();
  });

  it("the stock step is optimizer.minimize's update, reads its loss and outputs, and leaves no tensors", () => {
    const viaStep = context(3);
    const viaMinimize = context(3);
    const step = composeStep(stockStepParts(viaStep), 'stock tfjs');
    const batcher = new Batcher(set, [784]);
    const before = tf.memory().numTensors;
    const results = [0, 32].map((start) => step.run(indices, start, start + 32));
    // What stays: RMSprop's two state variables per weight.
    expect(tf.memory().numTensors).toBe(before + 2 * viaStep.model.trainableWeights.length);
    const losses = [0, 32].map((start) =>
      tf.tidy(() => {
        const { xs, ys } = batcher.batch(indices, start, start + 32);
        const loss = viaMinimize.model.optimizer.minimize(() => {
          const outputs = viaMinimize.model.apply(xs, { training: true }) as tf.Tensor;
          return tf.metrics.categoricalCrossentropy(ys, outputs).mean() as tf.Scalar;
        }, true) as tf.Scalar;
        return loss.dataSync()[0];
      }),
    );
    expect(results.map((result) => result.loss)).toEqual(losses);
    expect(results[0].outputs).toHaveLength(32 * NUM_CLASSES);
    expect(weightsOf(viaStep.model)).toEqual(weightsOf(viaMinimize.model));
    viaStep.model.dispose();
    viaMinimize.model.dispose();
  });
});
