/**
 * The model and training settings a person chooses, as data.
 * Pure (no tfjs, no Node): the renderer uses it for the live summary, the engine to build models.
 */
import { z } from 'zod';

export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const NUM_CLASSES = 10;

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'softmax', 'linear', 'elu', 'selu'] as const;
export const OPTIMIZERS = ['rmsprop', 'adam', 'sgd', 'adagrad'] as const;

/**
 * Every number a person chooses, in one place: the schemas below, the one-sentence messages and
 * the renderer's inputs (min, max, step) all read their range from here.
 */
export interface NumberLimit {
  /** The field's name at the start of its message: "Units must be ...". */
  label: string;
  min: number;
  max: number;
  /** Whole numbers only. */
  whole: boolean;
  /** `min` itself is not allowed (a learning rate of 0 learns nothing). */
  aboveMin?: boolean;
  /** `max` itself is not allowed (a dropout rate of 1 drops everything). */
  belowMax?: boolean;
  /** The input's step for fractional fields. */
  step?: number;
}

export const LIMITS = {
  units: { label: 'Units', min: 1, max: 8192, whole: true },
  dropoutRate: { label: 'Dropout rate', min: 0, max: 1, whole: false, belowMax: true, step: 0.05 },
  filters: { label: 'Filters', min: 1, max: 512, whole: true },
  kernelSize: { label: 'Kernel size', min: 1, max: 11, whole: true },
  convStrides: { label: 'Strides', min: 1, max: 4, whole: true },
  poolSize: { label: 'Pool size', min: 1, max: 8, whole: true },
  poolStrides: { label: 'Strides', min: 1, max: 8, whole: true },
  layers: { label: 'Layers', min: 1, max: 32, whole: true },
  learningRate: { label: 'Learning rate', min: 0, max: 10, whole: false, aboveMin: true, step: 0.0001 },
  epochs: { label: 'Epochs', min: 1, max: 1000, whole: true },
  batchSize: { label: 'Batch size', min: 1, max: 4096, whole: true },
  validationSplit: { label: 'Validation split', min: 0, max: 0.5, whole: false, step: 0.05 },
  seed: { label: 'Seed', min: 0, max: 2 ** 31 - 1, whole: true },
  trainLimit: { label: 'Training images', min: 1, max: 10_000_000, whole: true },
  /** Hidden sizes in one sweep. */
  sweepSizes: { label: 'Hidden sizes', min: 1, max: 16, whole: true },
  /** Epochs per size in a sweep. */
  sweepEpochs: { label: 'Epochs', min: 1, max: 100, whole: true },
  /** Epochs of a fine-tune on MNIST plus my drawings. */
  fineTuneEpochs: { label: 'Fine-tune epochs', min: 1, max: 20, whole: true },
} as const satisfies Record<string, NumberLimit>;

/** The zod schema of a limited number. */
export function limitSchema(limit: NumberLimit): z.ZodNumber {
  let schema = z.number();
  if (limit.whole) schema = schema.int();
  schema = limit.aboveMin ? schema.gt(limit.min) : schema.min(limit.min);
  return limit.belowMax ? schema.lt(limit.max) : schema.max(limit.max);
}

/** 1000 -> "1000", 60000 -> "60,000": digits are grouped from five on. */
function formatLimit(value: number): string {
  return Math.abs(value) >= 10_000 ? value.toLocaleString('en-US') : String(value);
}

/** The one sentence that explains a limit: "Units must be a whole number from 1 to 8192." */
export function limitMessage(limit: NumberLimit, label = limit.label): string {
  const min = formatLimit(limit.min);
  const max = formatLimit(limit.max);
  if (limit.whole) return `${label} must be a whole number from ${min} to ${max}.`;
  if (limit.aboveMin) return `${label} must be greater than ${min} and at most ${max}.`;
  if (limit.belowMax) return `${label} must be at least ${min} and below ${max}.`;
  return `${label} must be between ${min} and ${max}.`;
}

/** min, max and step for an `<input type="number">` (a `belowMax` limit stops one step short). */
export function inputRange(limit: NumberLimit): { min: number; max: number; step?: number } {
  const step = limit.whole ? undefined : limit.step;
  const max = limit.belowMax && step ? Number((limit.max - step).toFixed(10)) : limit.max;
  return step === undefined ? { min: limit.min, max } : { min: limit.min, max, step };
}

const activation = z.enum(ACTIVATIONS);

export const layerSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dense'), units: limitSchema(LIMITS.units), activation }),
  z.object({ type: z.literal('dropout'), rate: limitSchema(LIMITS.dropoutRate) }),
  z.object({ type: z.literal('flatten') }),
  z.object({
    type: z.literal('conv2d'),
    filters: limitSchema(LIMITS.filters),
    kernelSize: limitSchema(LIMITS.kernelSize),
    strides: limitSchema(LIMITS.convStrides).default(1),
    padding: z.enum(['valid', 'same']).default('valid'),
    activation,
  }),
  z.object({
    type: z.literal('maxPooling2d'),
    poolSize: limitSchema(LIMITS.poolSize),
    strides: limitSchema(LIMITS.poolStrides).optional(),
  }),
]);
export type LayerSpec = z.infer<typeof layerSpecSchema>;
export type LayerType = LayerSpec['type'];

const optimizerSpecSchema = z.object({
  name: z.enum(OPTIMIZERS),
  learningRate: limitSchema(LIMITS.learningRate),
});

export const modelSpecSchema = z.object({
  layers: z.array(layerSpecSchema).min(LIMITS.layers.min).max(LIMITS.layers.max),
  optimizer: optimizerSpecSchema,
  loss: z.literal('categoricalCrossentropy').default('categoricalCrossentropy'),
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** Which backend trains: auto (the one `npm run bench` measured faster for the model) or one by name. */
const backendChoiceSchema = z.enum(['auto', 'tensorflow', 'wasm']);
export type BackendChoice = z.infer<typeof backendChoiceSchema>;

export const trainSettingsSchema = z.object({
  epochs: limitSchema(LIMITS.epochs),
  batchSize: limitSchema(LIMITS.batchSize),
  validationSplit: limitSchema(LIMITS.validationSplit),
  shuffle: z.boolean(),
  seed: limitSchema(LIMITS.seed),
  /** Train on the first N training images only (quick looks); undefined = all. */
  trainLimit: limitSchema(LIMITS.trainLimit).optional(),
  /** Absent: auto. */
  backend: backendChoiceSchema.optional(),
  /** Redraw each training image every epoch (shift, rotation, scale, stroke thickness); undefined = off. */
  augment: z.boolean().optional(),
});
export type TrainSettings = z.infer<typeof trainSettingsSchema>;

/** The Keras example: Dense(512, relu) -> Dense(10, softmax), RMSprop, 5 epochs of batch 32. */
export function kerasExampleSpec(hiddenUnits = 512): ModelSpec {
  return {
    layers: [
      { type: 'dense', units: hiddenUnits, activation: 'relu' },
      { type: 'dense', units: NUM_CLASSES, activation: 'softmax' },
    ],
    optimizer: { name: 'rmsprop', learningRate: 0.001 },
    loss: 'categoricalCrossentropy',
  };
}

export const KERAS_EXAMPLE_SETTINGS: TrainSettings = {
  epochs: 5,
  batchSize: 32,
  validationSplit: 0,
  shuffle: true,
  seed: 42,
  augment: false,
};

const conv = (filters: number, kernelSize: number): LayerSpec => ({
  type: 'conv2d',
  filters,
  kernelSize,
  strides: 1,
  padding: 'valid',
  activation: 'relu',
});
const pool = (): LayerSpec => ({ type: 'maxPooling2d', poolSize: 2 });
const flatten = (): LayerSpec => ({ type: 'flatten' });
const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });
const dropout = (rate: number): LayerSpec => ({ type: 'dropout', rate });

/** `layers` then Dense 10 softmax, compiled as the Keras conv examples are: Adam 0.001, cross-entropy. */
function adamClassifier(layers: LayerSpec[]): ModelSpec {
  return {
    layers: [...layers, { type: 'dense', units: NUM_CLASSES, activation: 'softmax' }],
    optimizer: { name: 'adam', learningRate: 0.001 },
    loss: 'categoricalCrossentropy',
  };
}

export function smallCnnSpec(): ModelSpec {
  return adamClassifier([conv(16, 3), pool(), conv(32, 3), pool(), flatten(), dense(64)]);
}

/** Keras' own MNIST convnet example (keras.io/examples/vision/mnist_convnet). */
function kerasConvnetSpec(): ModelSpec {
  return adamClassifier([conv(32, 3), pool(), conv(64, 3), pool(), flatten(), dropout(0.5)]);
}

/** The older Keras example (mnist_cnn.py): two convolutions before pooling, Dense 128, two dropouts. */
function kerasDeepCnnSpec(): ModelSpec {
  return adamClassifier([conv(32, 3), conv(64, 3), pool(), dropout(0.25), flatten(), dense(128), dropout(0.5)]);
}

/** Two 5x5 convolutions, each pooled (LeNet's shape), then Dense 128 with dropout: 0.99 from epoch 2. */
function cnn5x5Spec(): ModelSpec {
  return adamClassifier([conv(32, 5), pool(), conv(64, 5), pool(), flatten(), dense(128), dropout(0.5)]);
}

/**
 * The Model view's presets. `description` says what each reached on the engine (full MNIST,
 * batch 32, seed 42, test accuracy after each epoch; measured with the engine's kernels).
 */
/**
 * `augment`: the fit setting the preset starts with. Off in every preset: the Keras examples stay
 * the examples (reproducible), and measured on the drawn font digits (`npm run pad-eval`) every
 * augmentation tried lowered how many the conv nets read right (README, "The drawing pad").
 */
export const PRESETS = [
  {
    id: 'keras-dense-512',
    name: 'Keras example: Dense 512',
    spec: kerasExampleSpec(),
    augment: false,
    description: '~0.98 test accuracy after its 5 epochs; 0.99 is out of its reach.',
  },
  {
    id: 'small-cnn',
    name: 'Small CNN',
    spec: smallCnnSpec(),
    augment: false,
    description: 'Test accuracy 0.983 after 1 epoch, 0.989 after 3; not 0.99 within 5 epochs.',
  },
  {
    id: 'keras-convnet',
    name: 'Keras convnet example',
    spec: kerasConvnetSpec(),
    augment: false,
    description:
      'Test accuracy 0.983 after 1 epoch, 0.988 after 3 to 5 (Keras 3, same model and batch: 0.990 after 5).',
  },
  {
    id: 'keras-deep-cnn',
    name: 'Deeper CNN (mnist_cnn.py)',
    spec: kerasDeepCnnSpec(),
    augment: false,
    description: 'Test accuracy 0.983 after 1 epoch, 0.990 after 4, 0.989 after 5.',
  },
  {
    id: 'cnn-5x5',
    name: 'CNN 5x5 + Dense 128 (best on the pad)',
    spec: cnn5x5Spec(),
    augment: false,
    description:
      'Test accuracy 0.987 after 1 epoch, 0.991 after 2 and 5: passes 0.99. Reads 94% of the drawn font digits after 1 epoch (npm run pad-eval), the most of any preset.',
  },
] as const;

/** One row of `model.summary()`. */
interface SummaryRow {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
}

export interface ModelSummary {
  inputShape: number[];
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
}

/** A problem with one layer (or the whole spec when layer is undefined), for inline display. */
export interface SpecIssue {
  layer?: number;
  message: string;
}

const KERAS_TYPE_NAMES: Record<LayerType, [name: string, label: string]> = {
  dense: ['dense', 'Dense'],
  dropout: ['dropout', 'Dropout'],
  flatten: ['flatten', 'Flatten'],
  conv2d: ['conv2d', 'Conv2D'],
  maxPooling2d: ['max_pooling2d', 'MaxPooling2D'],
};

/**
 * The model's input: a flat 784 vector when it starts with Dense (exactly as the Keras example
 * reshapes its images), otherwise the 28x28x1 image.
 */
export function inputShapeFor(spec: Pick<ModelSpec, 'layers'>): number[] {
  return spec.layers[0]?.type === 'dense' || spec.layers[0]?.type === 'dropout'
    ? [IMAGE_PIXELS]
    : [IMAGE_SIZE, IMAGE_SIZE, 1];
}

/** Keras-style layer names: dense, dense_1, conv2d, ... */
export function layerNames(layers: LayerSpec[]): string[] {
  const seen = new Map<string, number>();
  return layers.map((layer) => {
    const base = KERAS_TYPE_NAMES[layer.type][0];
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  });
}

function pooledSize(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/**
 * Output shapes and parameter counts as `model.summary()` prints them, plus every problem that
 * would stop the spec from building. Pure: cheap enough to run on every keystroke.
 */
export function summarizeSpec(spec: Pick<ModelSpec, 'layers'>): { summary: ModelSummary; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const names = layerNames(spec.layers);
  const inputShape = inputShapeFor(spec);
  let shape = [...inputShape];
  const rows: SummaryRow[] = [];

  spec.layers.forEach((layer, index) => {
    let params = 0;
    switch (layer.type) {
      case 'dense': {
        const inputs = shape[shape.length - 1];
        params = inputs * layer.units + layer.units;
        shape = [...shape.slice(0, -1), layer.units];
        break;
      }
      case 'dropout':
        break;
      case 'flatten':
        if (shape.length === 1)
          issues.push({ layer: index, message: 'Flatten needs an image input; this input is already flat.' });
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'conv2d':
      case 'maxPooling2d': {
        if (shape.length !== 3) {
          issues.push({
            layer: index,
            message: `${KERAS_TYPE_NAMES[layer.type][1]} needs a 28x28 image input; put it before any Flatten or Dense layer.`,
          });
          break;
        }
        const [height, width, channels] = shape;
        const window = layer.type === 'conv2d' ? layer.kernelSize : layer.poolSize;
        const stride = layer.type === 'conv2d' ? layer.strides : (layer.strides ?? layer.poolSize);
        const padding = layer.type === 'conv2d' ? layer.padding : 'valid';
        const outHeight = pooledSize(height, window, stride, padding);
        const outWidth = pooledSize(width, window, stride, padding);
        if (outHeight < 1 || outWidth < 1) {
          issues.push({
            layer: index,
            message: `A ${window}x${window} window does not fit the ${height}x${width} input of this layer.`,
          });
          shape = [Math.max(outHeight, 0), Math.max(outWidth, 0), channels];
          break;
        }
        if (layer.type === 'conv2d') {
          params = window * window * channels * layer.filters + layer.filters;
          shape = [outHeight, outWidth, layer.filters];
        } else {
          shape = [outHeight, outWidth, channels];
        }
        break;
      }
    }
    rows.push({ name: names[index], type: KERAS_TYPE_NAMES[layer.type][1], outputShape: [null, ...shape], params });
  });

  const last = spec.layers[spec.layers.length - 1];
  if (!last) {
    issues.push({ message: 'The model needs at least one layer.' });
  } else if (last.type !== 'dense' || last.units !== NUM_CLASSES || last.activation !== 'softmax') {
    issues.push({
      layer: spec.layers.length - 1,
      message: `The last layer must be Dense(${NUM_CLASSES}, softmax): one probability per digit.`,
    });
  } else if (shape.length !== 1) {
    issues.push({
      layer: spec.layers.length - 1,
      message: 'Add a Flatten layer before the Dense layers that follow image layers.',
    });
  }

  const totalParams = rows.reduce((sum, row) => sum + row.params, 0);
  return { summary: { inputShape, rows, totalParams, trainableParams: totalParams }, issues };
}

/** A schema's problems with `value` as one sentence per field (from `rules`, else zod's own words). */
function fieldIssues(
  schema: z.ZodType,
  value: unknown,
  rules: Record<string, string>,
  rootField: string,
): Record<string, string> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return {};
  const result: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? rootField);
    result[field] ??= rules[field] ?? `${field}: ${issue.message}`;
  }
  return result;
}

const SETTINGS_RULES: Record<string, string> = {
  epochs: limitMessage(LIMITS.epochs),
  batchSize: limitMessage(LIMITS.batchSize),
  validationSplit: limitMessage(LIMITS.validationSplit),
  seed: limitMessage(LIMITS.seed),
  trainLimit: limitMessage(LIMITS.trainLimit),
  backend: 'Backend must be auto, tensorflow or wasm.',
};

const OPTIMIZER_RULES: Record<string, string> = {
  name: 'Choose an optimizer.',
  learningRate: limitMessage(LIMITS.learningRate),
};

const LAYER_RULES: Record<string, string> = {
  units: limitMessage(LIMITS.units),
  rate: limitMessage(LIMITS.dropoutRate),
  filters: limitMessage(LIMITS.filters),
  kernelSize: limitMessage(LIMITS.kernelSize),
  poolSize: limitMessage(LIMITS.poolSize),
  activation: 'Choose an activation.',
  padding: 'Choose valid or same padding.',
};

/** Strides mean a different range for Conv2D and MaxPooling2D. */
const STRIDES_RULES: Partial<Record<LayerType, string>> = {
  conv2d: limitMessage(LIMITS.convStrides),
  maxPooling2d: limitMessage(LIMITS.poolStrides),
};

/** Problems with a training-settings object, one sentence per field. */
export function settingsIssues(settings: unknown): Record<string, string> {
  return fieldIssues(trainSettingsSchema, settings, SETTINGS_RULES, 'settings');
}

/** Problems with the optimizer (name, learningRate), one sentence per field. */
export function optimizerIssues(optimizer: unknown): Record<string, string> {
  return fieldIssues(optimizerSpecSchema, optimizer, OPTIMIZER_RULES, 'optimizer');
}

/** Problems with one layer's fields, one sentence per field. */
export function layerFieldIssues(layer: unknown): Record<string, string> {
  const type = (layer as { type?: LayerType } | null)?.type;
  const strides = type ? STRIDES_RULES[type] : undefined;
  return fieldIssues(layerSpecSchema, layer, strides ? { ...LAYER_RULES, strides } : LAYER_RULES, 'type');
}

/** Keras' class name of a layer type: Dense, Conv2D, MaxPooling2D... */
export function layerTypeLabel(type: LayerType): string {
  return KERAS_TYPE_NAMES[type][1];
}
