import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { kerasExampleSpec, smallCnnSpec, summarizeSpec, type ModelSpec } from '../shared/spec';
import { initBackend } from './backend';
import { buildModel, formatSummary, summarizeModel, validateSpec } from './model';

await initBackend();

describe('the Keras example model', () => {
  it('has 401,920 + 5,130 = 407,050 params, like model.summary()', () => {
    const model = buildModel(kerasExampleSpec());
    const summary = summarizeModel(model);
    expect(summary.rows.map((row) => [row.name, row.type, row.params])).toEqual([
      ['dense', 'Dense', 401_920],
      ['dense_1', 'Dense', 5_130],
    ]);
    expect(summary.totalParams).toBe(407_050);
    expect(formatSummary(summary)).toContain('Total params: 407,050');
    model.dispose();
  });

  it.each([8, 16, 1024])('scales with %i hidden units', (units) => {
    const model = buildModel(kerasExampleSpec(units));
    expect(model.countParams()).toBe(784 * units + units + units * 10 + 10);
    model.dispose();
  });
});

describe('the pure summary the renderer shows', () => {
  const specs: [string, ModelSpec][] = [
    ['keras example', kerasExampleSpec()],
    ['small CNN', smallCnnSpec()],
    [
      'dropout and same padding',
      {
        ...smallCnnSpec(),
        layers: [
          { type: 'conv2d', filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh' },
          { type: 'maxPooling2d', poolSize: 3, strides: 2 },
          { type: 'flatten' },
          { type: 'dropout', rate: 0.25 },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
    ],
  ];

  it.each(specs)('agrees with tfjs for the %s', (_name, spec) => {
    const model = buildModel(spec);
    const fromTf = summarizeModel(model);
    const pure = summarizeSpec(spec).summary;
    expect(pure.rows).toEqual(fromTf.rows);
    expect(pure.inputShape).toEqual(fromTf.inputShape);
    model.dispose();
  });
});

describe('validateSpec', () => {
  it('refuses a last layer that is not Dense(10, softmax)', () => {
    const spec = { ...kerasExampleSpec(), layers: [{ type: 'dense', units: 12, activation: 'relu' }] };
    expect(() => validateSpec(spec)).toThrow(
      'Layer 1: The last layer must be Dense(10, softmax): one probability per digit.',
    );
  });

  it('refuses a convolution after the image was flattened', () => {
    const spec = {
      ...kerasExampleSpec(),
      layers: [
        { type: 'flatten' },
        { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    };
    expect(() => validateSpec(spec)).toThrow(/Layer 2: Conv2D needs a 28x28 image input/);
  });

  it('refuses a kernel larger than its input', () => {
    const spec = {
      ...smallCnnSpec(),
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 11, strides: 4, activation: 'relu' },
        { type: 'conv2d', filters: 4, kernelSize: 11, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    };
    expect(() => validateSpec(spec)).toThrow(/does not fit the 5x5 input/);
  });

  it('refuses unknown layer types and bad numbers with the path', () => {
    expect(() => validateSpec({ ...kerasExampleSpec(), layers: [{ type: 'lstm' }] })).toThrow(
      /invalid at layers\.0\.type/,
    );
    expect(() => validateSpec({ ...kerasExampleSpec(), optimizer: { name: 'rmsprop', learningRate: -1 } })).toThrow(
      /optimizer\.learningRate/,
    );
  });
});

describe('Dropout', () => {
  const spec = validateSpec({
    layers: [
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { name: 'adam', learningRate: 0.001 },
  });
  const masks = (model: tf.LayersModel) =>
    [0, 1, 2].map(() =>
      tf.tidy(() =>
        Array.from((model.layers[0].apply(tf.ones([4, 784]), { training: true }) as tf.Tensor).dataSync()).join(','),
      ),
    );

  it('draws a fresh mask at every training call, the same sequence for the same seed', () => {
    const first = buildModel(spec, 9);
    const again = buildModel(spec, 9);
    const sequence = masks(first);
    expect(new Set(sequence).size).toBe(3);
    expect(masks(again)).toEqual(sequence);
    expect((first.layers[0].getConfig() as { seed?: number }).seed).toBe(9);
    first.dispose();
    again.dispose();
  });
});

describe('disposing a model', () => {
  it.each(['rmsprop', 'adam', 'sgd', 'adagrad'] as const)(
    "frees its %s optimizer's state too, so repeated runs leave no tensors behind",
    async (name) => {
      const spec: ModelSpec = { ...kerasExampleSpec(16), optimizer: { name, learningRate: 0.01 } };
      const x = tf.randomUniform([8, 784]);
      const y = tf.oneHot(tf.range(0, 8, 1, 'int32'), 10);
      const before = tf.memory().numTensors;
      for (let run = 0; run < 3; run++) {
        const model = buildModel(spec, run);
        await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, y]);
    },
  );
});
