/**
 * The one contract between renderer, preload, main, browser host and engine.
 * Every message that crosses a process boundary is parsed with these schemas.
 * Pure: imported at run time by every process, so it must stay free of Node, tfjs and DOM.
 */
import { z } from 'zod';
import { ERROR_CODES, StudioError } from './errors';
import { LIMITS, limitSchema, modelSpecSchema, trainSettingsSchema } from './spec';

// ---------- values ----------

/** Reads records written before a field took Keras' name (sweeps saved by 0.1 said testAccuracy). */
function renameLegacyKeys(renames: Record<string, string>) {
  return (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const record: Record<string, unknown> = { ...value };
    for (const [legacy, current] of Object.entries(renames)) {
      if (legacy in record && !(current in record)) record[current] = record[legacy];
      delete record[legacy];
    }
    return record;
  };
}

const backendNameSchema = z.enum(['tensorflow', 'wasm', 'cpu']);

const backendInfoSchema = z.object({
  /** tfjs' global backend: in auto mode, the one the Keras example trains on. */
  name: backendNameSchema,
  native: z.boolean(),
  tfjsVersion: z.string(),
  /** Why the native backend is not the one running; absent when it is. */
  reason: z.string().optional(),
  /** Kernels the engine swapped in for speed (e.g. "BatchMatMul via OpenBLAS"), if any. */
  accelerations: z.array(z.string()).default([]),
  /** Every backend this engine loaded; each training runs on one of them (see TrainBackend). */
  available: z.array(backendNameSchema).default([]),
});
export type BackendInfo = z.infer<typeof backendInfoSchema>;

/** The backend one training run uses, and why, in a sentence. */
const trainBackendSchema = z.object({ name: backendNameSchema, reason: z.string() });
export type TrainBackend = z.infer<typeof trainBackendSchema>;

/** What the engine holds: tfjs' live tensors (tf.memory()) and the process' resident set size. */
const engineMemorySchema = z.object({
  numTensors: z.number().int().min(0),
  numBytes: z.number().int().min(0),
  rssBytes: z.number().int().min(0),
});
export type EngineMemory = z.infer<typeof engineMemorySchema>;

/** engine.info: the backend running, and the engine's memory at the moment of asking. */
const engineInfoSchema = backendInfoSchema.extend({ memory: engineMemorySchema });
export type EngineInfo = z.infer<typeof engineInfoSchema>;

const datasetSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }),
  z.object({ kind: z.literal('folder'), path: z.string().min(1) }),
]);
export type DatasetSource = z.infer<typeof datasetSourceSchema>;

const splitInfoSchema = z.object({
  count: z.number().int(),
  classCounts: z.array(z.number().int()),
});

const datasetInfoSchema = z.object({
  /** Stable identity: name plus a hash of the files' contents. */
  id: z.string(),
  name: z.string(),
  source: datasetSourceSchema,
  train: splitInfoSchema,
  test: splitInfoSchema,
  loadMs: z.number(),
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;

const splitSchema = z.enum(['train', 'test']);
export type Split = z.infer<typeof splitSchema>;

const samplesPageSchema = z.object({
  split: splitSchema,
  /** How many images match the filter. */
  total: z.number().int(),
  indices: z.array(z.number().int()),
  labels: z.array(z.number().int()),
  /** indices.length * 784 uint8 pixels, base64, row-major. */
  pixels: z.string(),
});
export type SamplesPage = z.infer<typeof samplesPageSchema>;

const batchMetricsSchema = z.object({
  epoch: z.number().int(),
  epochs: z.number().int(),
  batch: z.number().int(),
  batches: z.number().int(),
  /** Running means over the epoch so far. */
  loss: z.number(),
  acc: z.number(),
  samplesPerSecond: z.number(),
  etaSeconds: z.number(),
});
export type BatchMetrics = z.infer<typeof batchMetricsSchema>;

const epochMetricsSchema = z.object({
  epoch: z.number().int(),
  epochs: z.number().int(),
  loss: z.number(),
  acc: z.number(),
  val_loss: z.number().optional(),
  val_acc: z.number().optional(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
  etaSeconds: z.number(),
});
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

const trainResultSchema = z.object({
  status: z.enum(['completed', 'stopped']),
  epochsCompleted: z.number().int(),
  history: z.array(epochMetricsSchema),
  trainSamples: z.number().int(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
  backend: trainBackendSchema.optional(),
});
export type TrainResult = z.infer<typeof trainResultSchema>;

const evaluationSchema = z.object({
  loss: z.number(),
  acc: z.number(),
  count: z.number().int(),
  /** confusion[actual][predicted] */
  confusion: z.array(z.array(z.number().int())),
  perClass: z.array(z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() })),
  mistakes: z.array(
    z.object({ index: z.number().int(), label: z.number().int(), predicted: z.number().int(), confidence: z.number() }),
  ),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

export const savedModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  spec: modelSpecSchema,
  settings: trainSettingsSchema,
  params: z.number().int(),
  dataset: z.object({ id: z.string(), name: z.string() }),
  backend: z.string(),
  history: z.array(epochMetricsSchema),
  test: z.object({ loss: z.number(), acc: z.number() }).optional(),
  /** The training run that made it (absent for models saved before runs were kept, or imported). */
  runId: z.string().optional(),
});
export type SavedModel = z.infer<typeof savedModelSchema>;

const currentModelSchema = z.object({
  spec: modelSpecSchema,
  settings: trainSettingsSchema,
  params: z.number().int(),
  dataset: z.object({ id: z.string(), name: z.string() }),
  history: z.array(epochMetricsSchema),
  savedAs: z.string().optional(),
  runId: z.string().optional(),
});
export type CurrentModel = z.infer<typeof currentModelSchema>;

/** One finished run of a hidden-units sweep (the Keras example's closing question). */
const sweepPointSchema = z.preprocess(
  renameLegacyKeys({ testAccuracy: 'test_acc', testLoss: 'test_loss' }),
  z.object({
    units: z.number().int(),
    params: z.number().int(),
    test_acc: z.number(),
    test_loss: z.number(),
    seconds: z.number(),
    /** The training run behind this point (absent in sweeps saved before runs were kept). */
    runId: z.string().optional(),
  }),
);
export type SweepPoint = z.infer<typeof sweepPointSchema>;

export const sweepSettingsSchema = z.object({
  units: z.array(limitSchema(LIMITS.units)).min(LIMITS.sweepSizes.min).max(LIMITS.sweepSizes.max),
  epochs: limitSchema(LIMITS.sweepEpochs),
  batchSize: limitSchema(LIMITS.batchSize),
  learningRate: limitSchema(LIMITS.learningRate),
  seed: limitSchema(LIMITS.seed),
  trainLimit: limitSchema(LIMITS.trainLimit).optional(),
});
export type SweepSettings = z.infer<typeof sweepSettingsSchema>;

export const sweepRecordSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  settings: sweepSettingsSchema,
  dataset: z.object({ id: z.string(), name: z.string() }),
  backend: z.string(),
  points: z.array(sweepPointSchema),
  /** 'running' on disk after a crash or close means interrupted: it can be resumed. */
  status: z.enum(['running', 'completed', 'stopped']),
});
export type SweepRecord = z.infer<typeof sweepRecordSchema>;

/** How a saved model leaves the app: a TF.js Layers folder, Keras 3's `.keras` file, or legacy `.h5`. */
const exportFormatSchema = z.enum(['tfjs', 'keras', 'h5']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

/**
 * A training run as the Runs view and `npm run runs` see it. On disk 'running' is written while
 * it trains; read back by an engine that is not the one training it, it means 'crashed'.
 * 'failed' is a run that ended with an error (e.g. diverged), with the sentence in `error`.
 */
export const RUN_STATUSES = ['running', 'finished', 'stopped', 'failed', 'crashed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One point of a run's batch curve: running means over the epoch so far, as the Train view shows. */
const runBatchPointSchema = z.object({
  /** Training samples seen since the run began. */
  samples: z.number().int(),
  epoch: z.number().int(),
  loss: z.number(),
  acc: z.number(),
});
export type RunBatchPoint = z.infer<typeof runBatchPointSchema>;

const runSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  /** Last write; for a crashed run, about when it stopped. */
  updatedAt: z.string(),
  status: z.enum(RUN_STATUSES),
  /** Where it was started: the app, `npm run train`, or a sweep (with the sweep's id). */
  source: z.enum(['app', 'cli', 'sweep']),
  sweepId: z.string().optional(),
  /** The preset whose layers and optimizer the spec has, if any (learning rate and settings may differ). */
  preset: z.string().optional(),
  spec: modelSpecSchema,
  settings: trainSettingsSchema,
  params: z.number().int(),
  dataset: z.object({ id: z.string(), name: z.string() }),
  backend: z.string(),
  trainSamples: z.number().int(),
  validationSamples: z.number().int(),
  /** Training samples seen so far (all epochs). */
  samplesSeen: z.number().int(),
  /** Seconds of training so far. */
  seconds: z.number(),
  /** Keras' History: one entry per finished epoch. */
  history: z.array(epochMetricsSchema),
  test: z.object({ loss: z.number(), acc: z.number() }).optional(),
  error: z.string().optional(),
  /** Saved models made from this run. */
  savedModels: z.array(z.string()).default([]),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runRecordSchema = runSummarySchema.extend({
  /** The batch curve, thinned to a few hundred points however long the run. */
  batches: z.array(runBatchPointSchema),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

// ---------- requests ----------

const empty = z.object({}).strict();

/** method -> [params, result]. Each entry is a request the renderer (or CLI) may send. */
export const methods = {
  'engine.info': [empty, engineInfoSchema],
  'dataset.load': [z.object({ source: datasetSourceSchema }), datasetInfoSchema],
  'dataset.current': [empty, datasetInfoSchema.nullable()],
  'dataset.samples': [
    z.object({
      split: splitSchema,
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000),
      label: z.number().int().min(0).max(9).optional(),
    }),
    samplesPageSchema,
  ],
  'dataset.images': [
    z.object({ split: splitSchema, indices: z.array(z.number().int().min(0)).max(1000) }),
    samplesPageSchema,
  ],
  'model.fit': [z.object({ spec: modelSpecSchema, settings: trainSettingsSchema }), trainResultSchema],
  'model.stop': [empty, z.object({ stopping: z.boolean() })],
  'model.current': [empty, currentModelSchema.nullable()],
  'model.evaluate': [empty, evaluationSchema],
  'model.predict': [
    z.object({
      images: z
        .array(z.array(z.number().min(0).max(1)).length(784))
        .min(1)
        .max(256),
    }),
    z.object({ probabilities: z.array(z.array(z.number())) }),
  ],
  'models.list': [empty, z.array(savedModelSchema)],
  'models.save': [z.object({ name: z.string().trim().min(1).max(80) }), savedModelSchema],
  'models.load': [z.object({ id: z.string().min(1) }), currentModelSchema],
  'models.delete': [z.object({ id: z.string().min(1) }), z.object({ deleted: z.boolean() })],
  'models.export': [
    z.object({ id: z.string().min(1), dir: z.string().min(1), format: exportFormatSchema.default('tfjs') }),
    z.object({ path: z.string() }),
  ],
  /** path: a TF.js model folder, or a Keras `.keras` / `.h5` file. */
  'models.import': [z.object({ path: z.string().min(1) }), savedModelSchema],
  'sweep.start': [
    z.union([z.object({ settings: sweepSettingsSchema }), z.object({ resumeId: z.string().min(1) })]),
    sweepRecordSchema,
  ],
  'sweep.stop': [empty, z.object({ stopping: z.boolean() })],
  'sweep.list': [empty, z.array(sweepRecordSchema)],
  'sweep.delete': [z.object({ id: z.string().min(1) }), z.object({ deleted: z.boolean() })],
  'runs.list': [empty, z.array(runSummarySchema)],
  'runs.get': [z.object({ id: z.string().min(1) }), runRecordSchema],
  'runs.rename': [z.object({ id: z.string().min(1), name: z.string().trim().min(1).max(80) }), runSummarySchema],
  'runs.delete': [z.object({ id: z.string().min(1) }), z.object({ deleted: z.boolean() })],
} as const;

export type Method = keyof typeof methods;
export type Params<M extends Method> = z.input<(typeof methods)[M][0]>;
export type Result<M extends Method> = z.output<(typeof methods)[M][1]>;

export const requestSchema = z.object({
  id: z.number().int(),
  method: z.enum(Object.keys(methods) as [Method, ...Method[]]),
  params: z.unknown(),
});

/** The id to answer a malformed request with: its own if that is a valid id, else -1. */
export function requestId(raw: unknown): number {
  const id = (raw as { id?: unknown } | null | undefined)?.id;
  return Number.isSafeInteger(id) ? (id as number) : -1;
}

const errorPayloadSchema = z.object({ code: z.enum(ERROR_CODES), message: z.string() });

export const responseSchema = z.discriminatedUnion('ok', [
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: errorPayloadSchema }),
]);
export type Response = z.infer<typeof responseSchema>;

// ---------- events (engine -> UI, unsolicited) ----------

export const engineEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('train.begin'),
    epochs: z.number().int(),
    batches: z.number().int(),
    trainSamples: z.number().int(),
    validationSamples: z.number().int(),
    params: z.number().int(),
    backend: trainBackendSchema.optional(),
    /** The run record this training writes (absent if it is not recorded). */
    runId: z.string().optional(),
  }),
  z.object({ kind: z.literal('train.batch'), metrics: batchMetricsSchema }),
  z.object({ kind: z.literal('train.epoch'), metrics: epochMetricsSchema }),
  z.object({
    kind: z.literal('train.end'),
    result: trainResultSchema.nullable(),
    error: errorPayloadSchema.optional(),
  }),
  z.object({ kind: z.literal('dataset.progress'), stage: z.string(), fraction: z.number() }),
  z.object({
    kind: z.literal('sweep.progress'),
    id: z.string(),
    units: z.number().int(),
    run: z.number().int(),
    runs: z.number().int(),
    epoch: z.number().int(),
    epochs: z.number().int(),
    batch: z.number().int(),
    batches: z.number().int(),
    /** Share of the whole sweep done, 0..1, weighted by each run's expected cost. */
    fraction: z.number(),
    etaSeconds: z.number(),
  }),
  z.object({ kind: z.literal('sweep.point'), id: z.string(), point: sweepPointSchema }),
  z.object({ kind: z.literal('sweep.end'), record: sweepRecordSchema, error: errorPayloadSchema.optional() }),
  z.object({
    kind: z.literal('engine.status'),
    state: z.enum(['starting', 'ready', 'crashed']),
    message: z.string().optional(),
  }),
]);
export type EngineEvent = z.infer<typeof engineEventSchema>;

/** What flows from an engine process to its host: a response or an event. */
export const engineOutputSchema = z.union([
  z.object({ type: z.literal('response'), response: responseSchema }),
  z.object({ type: z.literal('event'), event: engineEventSchema }),
]);
export type EngineOutput = z.infer<typeof engineOutputSchema>;

/** Validates a request's params; throws an INVALID_MESSAGE StudioError on failure. */
export function parseParams<M extends Method>(method: M, params: unknown): z.output<(typeof methods)[M][0]> {
  const parsed = methods[method][0].safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new StudioError('INVALID_MESSAGE', `Invalid ${method} request${where}: ${issue.message}.`);
  }
  return parsed.data as z.output<(typeof methods)[M][0]>;
}

/** The API every host exposes to the renderer: window.api in Electron, a WebSocket client in a browser. */
export interface StudioApi {
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Native folder picker where the host has one (Electron); undefined in a browser. */
  pickFolder?: () => Promise<string | null>;
}
