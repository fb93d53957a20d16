/**
 * A ModelSpec as the JSON Keras 3 writes for a Sequential model (config.json in a `.keras` file,
 * the model_config attribute of an `.h5` file), and back. Pure: no tfjs, no files.
 */
import { StudioError } from '../../shared/errors';
import {
  ACTIVATIONS,
  IMAGE_PIXELS,
  IMAGE_SIZE,
  inputShapeFor,
  layerNames,
  summarizeSpec,
  type LayerSpec,
  type ModelSpec,
} from '../../shared/spec';
import { validateSpec } from '../model';

type Json = Record<string, unknown>;

const FLOAT32_POLICY = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};
const serialized = (module: string, className: string, config: Json) => ({
  module,
  class_name: className,
  config,
  registered_name: null,
});

function kerasLayer(layer: LayerSpec, name: string): Json {
  const common = { name, trainable: true, dtype: FLOAT32_POLICY };
  const initializers = {
    kernel_initializer: serialized('keras.initializers', 'GlorotUniform', { seed: null }),
    bias_initializer: serialized('keras.initializers', 'Zeros', {}),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
  switch (layer.type) {
    case 'dense':
      return serialized('keras.layers', 'Dense', {
        ...common,
        units: layer.units,
        activation: layer.activation,
        use_bias: true,
        ...initializers,
      });
    case 'dropout':
      return serialized('keras.layers', 'Dropout', { ...common, rate: layer.rate, seed: null, noise_shape: null });
    case 'flatten':
      return serialized('keras.layers', 'Flatten', { ...common, data_format: 'channels_last' });
    case 'conv2d':
      return serialized('keras.layers', 'Conv2D', {
        ...common,
        filters: layer.filters,
        kernel_size: [layer.kernelSize, layer.kernelSize],
        strides: [layer.strides, layer.strides],
        padding: layer.padding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        groups: 1,
        activation: layer.activation,
        use_bias: true,
        ...initializers,
      });
    case 'maxPooling2d': {
      const strides = layer.strides ?? layer.poolSize;
      return serialized('keras.layers', 'MaxPooling2D', {
        ...common,
        pool_size: [layer.poolSize, layer.poolSize],
        strides: [strides, strides],
        padding: 'valid',
        data_format: 'channels_last',
      });
    }
  }
}

/** The Sequential model's serialized form, as `model.get_config()` wrapped by Keras' saver. */
export function kerasModelConfig(spec: ModelSpec): Json {
  const inputShape = inputShapeFor(spec);
  const names = layerNames(spec.layers);
  const input = serialized('keras.layers', 'InputLayer', {
    batch_shape: [null, ...inputShape],
    dtype: 'float32',
    sparse: false,
    ragged: false,
    name: 'input_layer',
    optional: false,
  });
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      trainable: true,
      dtype: FLOAT32_POLICY,
      layers: [input, ...spec.layers.map((layer, index) => kerasLayer(layer, names[index]))],
      build_input_shape: [null, ...inputShape],
    },
    registered_name: null,
    build_config: { input_shape: [null, ...inputShape] },
  };
}

const OPTIMIZER_CLASSES = { rmsprop: 'RMSprop', adam: 'Adam', sgd: 'SGD', adagrad: 'Adagrad' } as const;

/** tfjs' optimizers with their defaults spelled out, so Keras continues with the same rule. */
function kerasOptimizerConfig(spec: ModelSpec): Json {
  const { name, learningRate } = spec.optimizer;
  const settings: Record<ModelSpec['optimizer']['name'], Json> = {
    rmsprop: { rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
    adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
    sgd: { momentum: 0, nesterov: false },
    adagrad: { initial_accumulator_value: 0.1, epsilon: 1e-7 },
  };
  return serialized('keras.optimizers', OPTIMIZER_CLASSES[name], {
    name,
    learning_rate: learningRate,
    ...settings[name],
  });
}

/** A freshly built Keras optimizer's variables per model weight, by their starting value. */
export const FRESH_OPTIMIZER_SLOTS: Record<ModelSpec['optimizer']['name'], number[]> = {
  rmsprop: [0], // velocity
  adam: [0, 0], // momentum, velocity
  sgd: [], // none without momentum
  adagrad: [0.1], // accumulator, from initial_accumulator_value
};

/** `compile_config` of a `.keras` file: loss, optimizer and metrics as `model.compile` received them. */
export function kerasCompileConfig(spec: ModelSpec): Json {
  return {
    optimizer: kerasOptimizerConfig(spec),
    loss: 'categorical_crossentropy',
    loss_weights: null,
    metrics: ['accuracy'],
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** `training_config` of a legacy `.h5` file. */
export function legacyTrainingConfig(spec: ModelSpec): Json {
  const { optimizer, ...rest } = kerasCompileConfig(spec);
  const { class_name, config } = optimizer as Json;
  return { ...rest, optimizer_config: { class_name, config } };
}

// ---------- Keras -> ModelSpec ----------

/** What an imported model needs besides its spec: where each spec layer's weights come from. */
export interface KerasArchitecture {
  spec: ModelSpec;
  /**
   * Per spec layer with weights (Dense, Conv2D): the Keras layer's name (a legacy `.h5` file keys
   * weights by it) and its path in a `.keras` file's weights (keyed by class: dense, dense_1, ...).
   */
  weightsFrom: ({ layerName: string; savedPath: string } | undefined)[];
  /**
   * Per spec layer: a factor folded into its kernel, from Rescaling layers before it (a Rescaling at
   * the input takes 0..255 pixels; the app feeds 0..1, as the Keras example does after `/ 255`).
   */
  kernelScale: number[];
}

const unsupported = (message: string) => new StudioError('UNSUPPORTED_MODEL', message);

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** One number from a Keras int-or-tuple field that MNIST Studio can only hold square. */
function square(value: unknown, what: string, layerName: string): number {
  const values = Array.isArray(value) ? value.map(Number) : [Number(value)];
  if (values.some((v) => !Number.isInteger(v)) || new Set(values).size !== 1)
    throw unsupported(
      `Layer "${layerName}" has a ${what} of ${JSON.stringify(value)}; MNIST Studio supports square ones only.`,
    );
  return values[0];
}

function activationOf(config: Json, layerName: string): (typeof ACTIVATIONS)[number] {
  const activation = config.activation ?? 'linear';
  if (typeof activation !== 'string' || !(ACTIVATIONS as readonly string[]).includes(activation)) {
    const shown = typeof activation === 'string' ? activation : JSON.stringify(activation);
    throw unsupported(
      `Layer "${layerName}" uses the activation ${shown}, which MNIST Studio does not support (it has ${ACTIVATIONS.join(', ')}).`,
    );
  }
  return activation as (typeof ACTIVATIONS)[number];
}

function requireDefault(config: Json, key: string, allowed: unknown[], layerName: string, className: string): void {
  const value = config[key];
  if (value === undefined || value === null) return;
  if (!allowed.some((ok) => JSON.stringify(ok) === JSON.stringify(value)))
    throw unsupported(
      `Layer "${layerName}" (${className}) sets ${key} to ${JSON.stringify(value)}, which MNIST Studio does not support.`,
    );
}

function shapeOf(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const dims = value[0] === null ? value.slice(1) : value;
  return dims.every((d) => Number.isInteger(d) && Number(d) > 0) ? dims.map(Number) : undefined;
}

/** Keras' name for a layer's weights inside a `.keras` file: its class in snake case, numbered. */
function uniqueSavedName(className: string, used: Map<string, number>): string {
  const snake = className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  const count = used.get(snake);
  used.set(snake, count === undefined ? 0 : count + 1);
  return count === undefined ? snake : `${snake}_${count + 1}`;
}

/** The output shape (without the batch) of the layers read so far, as `model.summary()` gives it. */
function outputShape(layers: LayerSpec[]): number[] {
  const rows = summarizeSpec({ layers }).summary.rows;
  return (rows.at(-1)?.outputShape.slice(1) ?? []).map(Number);
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const IMAGE_SHAPE = [IMAGE_SIZE, IMAGE_SIZE, 1];

function kerasInputShape(modelConfig: Json, first: Json | undefined): number[] {
  const config = asObject(first?.config) ?? {};
  const shape =
    first?.class_name === 'InputLayer'
      ? shapeOf(config.batch_shape ?? config.batch_input_shape)
      : shapeOf(config.batch_shape ?? config.batch_input_shape ?? modelConfig.build_input_shape);
  if (!shape)
    throw unsupported('The Keras model declares no input shape; MNIST Studio needs 28x28 images or 784 pixels.');
  if (shape.reduce((a, b) => a * b, 1) !== IMAGE_PIXELS)
    throw unsupported(
      `The Keras model takes inputs of shape (${shape.join(', ')}); MNIST Studio feeds 28x28 images (784 pixels).`,
    );
  return shape;
}

function optimizerFrom(compileConfig: Json | undefined): ModelSpec['optimizer'] {
  const optimizer = asObject(compileConfig?.optimizer ?? compileConfig?.optimizer_config);
  const config = asObject(optimizer?.config);
  const byClass = Object.entries(OPTIMIZER_CLASSES).find(([, className]) => className === optimizer?.class_name);
  const learningRate = Number(config?.learning_rate);
  if (!byClass || !(learningRate > 0 && learningRate <= 10)) return { name: 'rmsprop', learningRate: 0.001 };
  return { name: byClass[0] as ModelSpec['optimizer']['name'], learningRate };
}

/**
 * Reads a Keras Sequential model's config (and compile config, when there is one) into a ModelSpec,
 * refusing, in one sentence naming the layer, anything MNIST Studio cannot run the same way.
 */
export function architectureFromKerasConfig(modelJson: unknown, compileConfig?: unknown): KerasArchitecture {
  const model = asObject(modelJson);
  if (model?.class_name !== 'Sequential') {
    const kind = typeof model?.class_name === 'string' ? `a ${model.class_name} model` : 'not a Keras model';
    throw unsupported(`The file holds ${kind}; MNIST Studio imports Keras Sequential models only.`);
  }
  const modelConfig = asObject(model.config) ?? {};
  const kerasLayers = (Array.isArray(modelConfig.layers) ? modelConfig.layers : []).map(asObject);
  if (kerasLayers.some((layer) => !layer || typeof layer.class_name !== 'string'))
    throw new StudioError(
      'MODEL_FILE',
      'The Keras model config lists a layer without a class name; the file is corrupt.',
    );

  let shape = kerasInputShape(modelConfig, kerasLayers[0]);
  const layers: LayerSpec[] = [];
  const weightsFrom: KerasArchitecture['weightsFrom'] = [];
  const kernelScale: number[] = [];
  const savedPaths = new Map<string, number>();
  let pendingScale = 1;
  let savedPath = '';
  const push = (layer: LayerSpec, layerName?: string) => {
    const weights = layerName === undefined ? undefined : { layerName, savedPath };
    layers.push(layer);
    weightsFrom.push(weights);
    kernelScale.push(weights ? pendingScale : 1);
    if (weights) pendingScale = 1;
  };

  for (const layer of kerasLayers as Json[]) {
    const className = String(layer.class_name);
    const config = asObject(layer.config) ?? {};
    const name = String(config.name ?? className);
    const started = layers.length > 0;
    if (className !== 'InputLayer') savedPath = uniqueSavedName(className, savedPaths);
    requireDefault(config, 'data_format', ['channels_last'], name, className);
    switch (className) {
      case 'InputLayer':
        if (started) throw unsupported(`Layer "${name}" is a second InputLayer; MNIST Studio imports one input.`);
        break;
      case 'Reshape': {
        const target = shapeOf(config.target_shape);
        const size = target?.reduce((a, b) => a * b, 1);
        if (!target || size !== shape.reduce((a, b) => a * b, 1))
          throw unsupported(`Layer "${name}" (Reshape) has a target shape MNIST Studio cannot follow.`);
        if (started && target.length === 1) {
          if (shape.length > 1) push({ type: 'flatten' });
        } else if (started) {
          throw unsupported(
            `Layer "${name}" (Reshape) reshapes inside the network; MNIST Studio supports reshaping the input only.`,
          );
        }
        shape = target;
        break;
      }
      case 'Rescaling': {
        const scale = Number(config.scale);
        if (Number(config.offset ?? 0) !== 0 || !(scale > 0))
          throw unsupported(
            `Layer "${name}" (Rescaling) has an offset or a scale that is not positive; MNIST Studio supports a plain positive scale.`,
          );
        pendingScale *= started ? scale : scale * 255;
        break;
      }
      case 'Dense':
        requireDefault(config, 'use_bias', [true], name, className);
        if (shape.length !== 1)
          throw unsupported(
            `Layer "${name}" (Dense) takes a ${shape.join('x')} input; MNIST Studio's Dense layers take flat inputs (add a Flatten before it).`,
          );
        push({ type: 'dense', units: Number(config.units), activation: activationOf(config, name) }, name);
        shape = [Number(config.units)];
        break;
      case 'Dropout':
        push({ type: 'dropout', rate: Number(config.rate) });
        break;
      case 'Flatten':
        if (shape.length > 1) push({ type: 'flatten' });
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'Conv2D': {
        requireDefault(config, 'use_bias', [true], name, className);
        requireDefault(config, 'dilation_rate', [1, [1, 1]], name, className);
        requireDefault(config, 'groups', [1], name, className);
        if (!started && !sameShape(shape, IMAGE_SHAPE))
          throw unsupported(
            `Layer "${name}" (Conv2D) takes a (${shape.join(', ')}) input; MNIST Studio feeds 28x28x1 images.`,
          );
        const padding = config.padding === 'same' ? 'same' : 'valid';
        if (config.padding !== undefined && config.padding !== padding)
          throw unsupported(
            `Layer "${name}" (Conv2D) uses ${String(config.padding)} padding; MNIST Studio has valid and same.`,
          );
        push(
          {
            type: 'conv2d',
            filters: Number(config.filters),
            kernelSize: square(config.kernel_size, 'kernel size', name),
            strides: square(config.strides ?? 1, 'stride', name),
            padding,
            activation: activationOf(config, name),
          },
          name,
        );
        shape = outputShape(layers);
        break;
      }
      case 'MaxPooling2D': {
        requireDefault(config, 'padding', ['valid'], name, className);
        if (!started && !sameShape(shape, IMAGE_SHAPE))
          throw unsupported(
            `Layer "${name}" (MaxPooling2D) takes a (${shape.join(', ')}) input; MNIST Studio feeds 28x28x1 images.`,
          );
        const poolSize = square(config.pool_size ?? 2, 'pool size', name);
        const strides =
          config.strides === undefined || config.strides === null ? poolSize : square(config.strides, 'stride', name);
        push({ type: 'maxPooling2d', poolSize, strides: strides === poolSize ? undefined : strides });
        shape = outputShape(layers);
        break;
      }
      default:
        throw unsupported(`Layer "${name}" is a ${className} layer, which MNIST Studio does not support.`);
    }
  }
  if (pendingScale !== 1)
    throw unsupported('The Keras model ends with a Rescaling layer, which MNIST Studio cannot fold into a weight.');

  let spec: ModelSpec;
  try {
    spec = validateSpec({ layers, optimizer: optimizerFrom(asObject(compileConfig)), loss: 'categoricalCrossentropy' });
  } catch (error) {
    throw unsupported(`The Keras model cannot run in MNIST Studio: ${(error as Error).message}`);
  }
  return { spec, weightsFrom, kernelScale };
}
