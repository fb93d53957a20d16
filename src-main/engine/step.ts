/**
 * One training step (a batch in, the batch's loss and the model's outputs back, the weights
 * updated), and the seam through which a backend's accelerations supply their own.
 *
 * The stock step is tfjs' own: a batch from the Batcher, `model.apply` and the categorical
 * cross-entropy under `tf.variableGrads`, then `optimizer.applyGradients` — what
 * `optimizer.minimize` does. A backend that has faster ways registers a provider for its name
 * when it starts (`trainingSteps.provide('wasm', provider)`); the provider gets the model,
 * spec and data and returns its step or undefined to decline (then the next provider, and
 * finally the stock step, is asked). Most providers replace only some of the three parts
 * (`StepParts`) and build the step with `composeStep`; one may return any `TrainingStep`.
 * Models, variables, optimizer objects and the save format stay tfjs' in every case.
 */
import * as tf from '@tensorflow/tfjs';
import { inputShapeFor, type ModelSpec } from '../shared/spec';
import { Batcher, type BatchSource } from './dataset';
import type { LabelledImages } from './idx';

interface StepResult {
  /** The batch's mean loss. */
  loss: number;
  /** The model's outputs for the batch (rows x classes probabilities), read after the step. */
  outputs: Float32Array;
}

export interface TrainingStep {
  /** What runs, e.g. "stock tfjs" (for tests and benchmarks). */
  readonly description: string;
  /** Trains on the examples indices[start, end). */
  run(indices: Int32Array, start: number, end: number): StepResult;
}

/** What a step is asked for. */
export interface StepContext {
  model: tf.LayersModel;
  spec: ModelSpec;
  set: LabelledImages;
}

/** The parts of a step an acceleration may replace one by one. */
export interface StepParts {
  batches: BatchSource;
  /** Forward pass and loss, run inside the gradient scope; `outputs` are kept for the caller. */
  forward(xs: tf.Tensor, ys: tf.Tensor): { loss: tf.Scalar; outputs: tf.Tensor };
  /** The optimizer's update from the gradients (variable name -> gradient). */
  update(gradients: tf.NamedTensorMap): void;
}

export function stockStepParts({ model, spec, set }: StepContext): StepParts {
  const optimizer = model.optimizer;
  return {
    batches: new Batcher(set, inputShapeFor(spec)),
    forward: (xs, ys) => {
      const outputs = model.apply(xs, { training: true }) as tf.Tensor;
      return { loss: tf.metrics.categoricalCrossentropy(ys, outputs).mean() as tf.Scalar, outputs };
    },
    update: (gradients) => optimizer.applyGradients(gradients),
  };
}

/** The step made of `parts`: every tensor it makes is disposed before `run` returns. */
export function composeStep(parts: StepParts, description: string): TrainingStep {
  return {
    description,
    run(indices, start, end) {
      let outputs: tf.Tensor | undefined;
      const loss = tf.tidy(() => {
        const { xs, ys } = parts.batches.batch(indices, start, end);
        const { value, grads } = tf.variableGrads(() => {
          const result = parts.forward(xs, ys);
          outputs = tf.keep(result.outputs);
          return result.loss;
        });
        parts.update(grads);
        return value;
      });
      const kept = outputs as tf.Tensor;
      const result = { loss: (loss.dataSync() as Float32Array)[0], outputs: kept.dataSync() as Float32Array };
      tf.dispose([loss, kept]);
      return result;
    },
  };
}

/** A backend's own step for a model, or undefined to leave the model to the next provider. */
export type StepProvider = (context: StepContext) => TrainingStep | undefined;

/** The step providers of each backend, asked in the order they were provided. */
export class TrainingSteps {
  private readonly providers = new Map<string, StepProvider[]>();

  /** Adds `provider` for `backend`; the returned function withdraws it. */
  provide(backend: string, provider: StepProvider): () => void {
    this.providers.set(backend, [...(this.providers.get(backend) ?? []), provider]);
    return () => {
      const remaining = (this.providers.get(backend) ?? []).filter((other) => other !== provider);
      if (remaining.length > 0) this.providers.set(backend, remaining);
      else this.providers.delete(backend);
    };
  }

  /** The step for `context` on `backend` (the active one unless given): a provider's, else the stock step. */
  stepFor(context: StepContext, backend = tf.getBackend()): TrainingStep {
    for (const provider of this.providers.get(backend) ?? []) {
      const step = provider(context);
      if (step) return step;
    }
    return composeStep(stockStepParts(context), 'stock tfjs');
  }
}

/** The process's providers: tfjs' kernels are per process, so are the accelerations behind them. */
export const trainingSteps = new TrainingSteps();
