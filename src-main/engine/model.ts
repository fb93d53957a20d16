/**
 * Step 4 of the Keras example: build and compile the network from a validated ModelSpec,
 * and print its summary the way `model.summary()` does.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../shared/errors';
import {
  inputShapeFor,
  layerNames,
  modelSpecSchema,
  summarizeSpec,
  type LayerSpec,
  type ModelSpec,
  type ModelSummary,
} from '../shared/spec';

/** Parses untrusted input into a ModelSpec that is known to build. */
export function validateSpec(input: unknown): ModelSpec {
  const parsed = modelSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError(
      'INVALID_SPEC',
      `The model settings are invalid at ${issue.path.join('.') || 'the top level'}: ${issue.message}.`,
    );
  }
  const { issues } = summarizeSpec(parsed.data);
  if (issues.length > 0) {
    const first = issues[0];
    throw new StudioError(
      'INVALID_SPEC',
      first.layer === undefined ? first.message : `Layer ${first.layer + 1}: ${first.message}`,
    );
  }
  return parsed.data;
}

/**
 * tfjs' Dropout given a seed draws the same mask on every call (a fixed pruning, not dropout);
 * Keras draws a new one per step. This one moves its seed on at each training call, so masks are
 * fresh and a run still repeats exactly; its config keeps the seed it was built with.
 */
function reseedingDropout(
  rate: number,
  seed: number,
  common: { name: string; inputShape?: number[] },
): tf.layers.Layer {
  const layer = tf.layers.dropout({ ...common, rate, seed });
  const internals = layer as unknown as {
    seed: number;
    call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  };
  const call = internals.call.bind(layer);
  let calls = 0;
  internals.call = (inputs, kwargs) => {
    internals.seed = seed + 7919 * ++calls;
    try {
      return call(inputs, kwargs);
    } finally {
      internals.seed = seed;
    }
  };
  return layer;
}

function buildLayer(layer: LayerSpec, name: string, seed: number, inputShape?: number[]): tf.layers.Layer {
  const kernelInitializer = tf.initializers.glorotUniform({ seed });
  const common = inputShape ? { name, inputShape } : { name };
  switch (layer.type) {
    case 'dense':
      return tf.layers.dense({ ...common, units: layer.units, activation: layer.activation, kernelInitializer });
    case 'dropout':
      return reseedingDropout(layer.rate, seed, common);
    case 'flatten':
      return tf.layers.flatten(common);
    case 'conv2d':
      return tf.layers.conv2d({
        ...common,
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        strides: layer.strides,
        padding: layer.padding,
        activation: layer.activation,
        kernelInitializer,
      });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({ ...common, poolSize: layer.poolSize, strides: layer.strides });
  }
}

function createOptimizer(spec: ModelSpec): tf.Optimizer {
  const { name, learningRate } = spec.optimizer;
  switch (name) {
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/** Builds the network with seeded initial weights; the same spec and seed give the same model. */
export function buildModel(spec: ModelSpec, seed = 42): tf.Sequential {
  const model = tf.sequential({ name: 'sequential' });
  const names = layerNames(spec.layers);
  spec.layers.forEach((layer, index) => {
    model.add(buildLayer(layer, names[index], seed + index, index === 0 ? inputShapeFor(spec) : undefined));
  });
  compileModel(model, spec);
  return model;
}

/** tfjs' own flag: a model disposes its optimizer (and the optimizer's state) only when it owns it. */
interface OptimizerOwnership {
  isOptimizerOwned: boolean;
}

/**
 * Compiles with an optimizer built from the spec (a string would lose the learning rate). tfjs
 * treats an Optimizer passed in as the caller's and leaves its state (RMSprop's mean squares,
 * Adam's moments: one or two tensors per weight) behind on model.dispose(); the optimizer is
 * made here for this model alone, so the model is made its owner and dispose() frees it too.
 */
function compileModel(model: tf.LayersModel, spec: ModelSpec): void {
  model.compile({ optimizer: createOptimizer(spec), loss: spec.loss, metrics: ['accuracy'] });
  (model as unknown as OptimizerOwnership).isOptimizerOwned = true;
}

/** The summary read back from the built tf model (the engine's truth; the renderer computes its own). */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const rows = model.layers.map((layer) => {
    const shape = layer.outputShape as (number | null)[];
    return { name: layer.name, type: layer.getClassName(), outputShape: [...shape], params: layer.countParams() };
  });
  const totalParams = rows.reduce((sum, row) => sum + row.params, 0);
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1) as number[];
  return { inputShape, rows, totalParams, trainableParams: totalParams };
}

/** `model.summary()` as text, with Keras' columns. */
export function formatSummary(summary: ModelSummary): string {
  const header = ['Layer (type)', 'Output Shape', 'Param #'];
  const lines = summary.rows.map((row) => [
    `${row.name} (${row.type})`,
    `(${row.outputShape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`,
    row.params.toLocaleString('en-US'),
  ]);
  const widths = header.map((title, col) => Math.max(title.length, ...lines.map((line) => line[col].length)) + 4);
  const format = (cells: string[]) =>
    cells
      .map((cell, col) => cell.padEnd(widths[col]))
      .join('')
      .trimEnd();
  const rule = (char: string) => char.repeat(widths.reduce((a, b) => a + b, 0));
  return [
    'Model: "sequential"',
    rule('_'),
    format(header),
    rule('='),
    ...lines.flatMap((line, i) => [format(line), i < lines.length - 1 ? rule('_') : rule('=')]),
    `Total params: ${summary.totalParams.toLocaleString('en-US')}`,
    `Trainable params: ${summary.trainableParams.toLocaleString('en-US')}`,
    'Non-trainable params: 0',
    rule('_'),
  ].join('\n');
}
