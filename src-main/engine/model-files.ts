/**
 * One model on disk: a folder with a stock TF.js Layers model (model.json + weights.bin,
 * readable by `tf.loadLayersModel`) and studio.json (spec, settings, metrics, dataset identity).
 *
 * Reading trusts nothing in the folder: only regular files inside it (no symbolic links), sizes
 * checked before reading, model.json parsed by a schema, its topology read back into a spec that
 * must pass the spec's limits and agree with studio.json, and the weights' count checked against
 * that spec before tfjs allocates anything. The model is then built from the spec, not from the
 * file's topology, and disposed if its weights do not fit.
 */
import { lstat, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { savedModelSchema, type SavedModel } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { inputShapeFor, summarizeSpec, type LayerSpec, type ModelSpec } from '../shared/spec';
import { fileProblem, writeFileAtomically, writeFolderAtomically } from './atomic-file';
import { encodeKerasFile, type KerasFormat } from './keras/keras-file';
import { buildModel, validateSpec } from './model';

export const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
export const STUDIO_JSON = 'studio.json';
export const MODEL_FILES = [MODEL_JSON, WEIGHTS_BIN, STUDIO_JSON];
/** model.json and studio.json of real models are kilobytes; this bounds what a bad one costs. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

function modelFileError(message: string): StudioError {
  return new StudioError('MODEL_FILE', message);
}

/** A file directly inside `folder` that is a regular file (not a link out of it), read whole. */
async function readInside(folder: string, name: string, maxBytes: number): Promise<Buffer> {
  const file = path.join(folder, name);
  let stats;
  try {
    stats = await lstat(file);
  } catch {
    throw modelFileError(`${file} is missing; the model's files are not all there.`);
  }
  if (stats.isSymbolicLink())
    throw modelFileError(`${file} is a symbolic link; MNIST Studio reads only files inside the model's folder.`);
  if (!stats.isFile()) throw modelFileError(`${file} is not a file.`);
  if (stats.size > maxBytes)
    throw modelFileError(`${file} holds ${stats.size} bytes, more than the ${maxBytes} this model can have.`);
  try {
    return await readFile(file);
  } catch (error) {
    throw modelFileError(`${file} cannot be read: ${fileProblem(error)}.`);
  }
}

async function readJsonInside(folder: string, name: string): Promise<unknown> {
  const text = (await readInside(folder, name, MAX_JSON_BYTES)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw modelFileError(`${path.join(folder, name)} is not valid JSON; the file is corrupt.`);
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || 'top level'}: ${issue.message}`;
}

export async function readMetadata(folder: string): Promise<SavedModel> {
  const parsed = savedModelSchema.safeParse(await readJsonInside(folder, STUDIO_JSON));
  if (!parsed.success) {
    throw modelFileError(
      `${path.join(folder, STUDIO_JSON)} is not a valid MNIST Studio model description (${firstIssue(parsed.error)}).`,
    );
  }
  return parsed.data;
}

const weightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)).max(8),
  dtype: z.literal('float32', { message: 'only float32 weights are supported' }),
});

const kerasLayerSchema = z.object({ class_name: z.string(), config: z.record(z.string(), z.unknown()) });
type KerasLayer = z.infer<typeof kerasLayerSchema>;

const sequentialSchema = z.object({
  class_name: z.literal('Sequential', { message: 'MNIST Studio reads Sequential models only' }),
  config: z.union([z.array(kerasLayerSchema), z.object({ layers: z.array(kerasLayerSchema) })]),
});

const modelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z
    .array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(weightEntrySchema) }))
    .min(1),
});
type ModelJson = z.infer<typeof modelJsonSchema>;

function parseModelJson(value: unknown, file: string): ModelJson {
  const parsed = modelJsonSchema.safeParse(value);
  if (!parsed.success) throw modelFileError(`${file} is not a TF.js Layers model (${firstIssue(parsed.error)}).`);
  return parsed.data;
}

function topologyLayers(modelJson: ModelJson, file: string): KerasLayer[] {
  const topology = (modelJson.modelTopology.model_config ?? modelJson.modelTopology) as unknown;
  const parsed = sequentialSchema.safeParse(topology);
  if (!parsed.success)
    throw modelFileError(`${file} holds a topology MNIST Studio cannot read (${firstIssue(parsed.error)}).`);
  const { config } = parsed.data;
  return Array.isArray(config) ? config : config.layers;
}

function first(value: unknown): number {
  return Array.isArray(value) ? Number(value[0]) : Number(value);
}

/** Reads a ModelSpec back from a Layers topology (for models trained outside the app), within the spec's limits. */
function specFromTopology(value: unknown, file: string): ModelSpec {
  const layers = topologyLayers(parseModelJson(value, file), file);
  const specLayers: LayerSpec[] = [];
  let batchInputShape: unknown;
  for (const { class_name: className, config: c } of layers) {
    batchInputShape ??= c.batch_input_shape ?? c.batch_shape;
    switch (className) {
      case 'InputLayer':
        break;
      case 'Dense':
        specLayers.push({ type: 'dense', units: Number(c.units), activation: c.activation as never });
        break;
      case 'Dropout':
        specLayers.push({ type: 'dropout', rate: Number(c.rate) });
        break;
      case 'Flatten':
        specLayers.push({ type: 'flatten' });
        break;
      case 'Conv2D':
        specLayers.push({
          type: 'conv2d',
          filters: Number(c.filters),
          kernelSize: first(c.kernel_size),
          strides: first(c.strides ?? 1),
          padding: c.padding === 'same' ? 'same' : 'valid',
          activation: c.activation as never,
        });
        break;
      case 'MaxPooling2D':
        specLayers.push({
          type: 'maxPooling2d',
          poolSize: first(c.pool_size),
          strides: c.strides ? first(c.strides) : undefined,
        });
        break;
      default:
        throw modelFileError(`${file} uses a ${className} layer, which MNIST Studio does not support.`);
    }
  }
  let spec: ModelSpec;
  try {
    spec = validateSpec({
      layers: specLayers,
      optimizer: { name: 'rmsprop', learningRate: 0.001 },
      loss: 'categoricalCrossentropy',
    });
  } catch (error) {
    throw modelFileError(`${file} describes a model MNIST Studio cannot build: ${(error as Error).message}`);
  }
  const expectedInput = JSON.stringify([null, ...inputShapeFor(spec)]);
  if (JSON.stringify(batchInputShape) !== expectedInput) {
    throw modelFileError(
      `${file} says its input is ${JSON.stringify(batchInputShape ?? null)} where ${expectedInput} (MNIST images) is needed.`,
    );
  }
  return spec;
}

/** studio.json's spec, if it is one MNIST Studio can build. */
function specOf(folder: string, spec: ModelSpec): ModelSpec {
  try {
    return validateSpec(spec);
  } catch (error) {
    throw modelFileError(
      `${path.join(folder, STUDIO_JSON)} describes a model MNIST Studio cannot build: ${(error as Error).message}`,
    );
  }
}

/** Equal layers, reading an absent pooling stride as the pool size (as Keras and tfjs do). */
function sameLayers(a: LayerSpec[], b: LayerSpec[]): boolean {
  const normal = (layer: LayerSpec) =>
    layer.type === 'maxPooling2d' ? { ...layer, strides: layer.strides ?? layer.poolSize } : layer;
  return JSON.stringify(a.map(normal)) === JSON.stringify(b.map(normal));
}

/** The weights' file names from the manifest: plain names inside the folder, nothing else. */
function weightFileNames(modelJson: ModelJson, file: string): string[] {
  return modelJson.weightsManifest
    .flatMap((group) => group.paths)
    .map((relative) => {
      const name = relative.replace(/^\.\//, '');
      if (!name || name === '.' || name === '..' || /[/\\]/.test(name))
        throw modelFileError(`${file} points at a weights file outside its folder (${relative}).`);
      return name;
    });
}

/**
 * Loads the model in `folder`. With `spec` (from studio.json), the topology must describe that
 * spec; without, the spec is read from the topology. Either way the spec's limits bound the model.
 */
export async function loadModelFolder(
  folder: string,
  spec?: ModelSpec,
): Promise<{ model: tf.LayersModel; spec: ModelSpec }> {
  const modelFile = path.join(folder, MODEL_JSON);
  const modelJson = parseModelJson(await readJsonInside(folder, MODEL_JSON), modelFile);
  const described = specFromTopology(modelJson, modelFile);
  const wanted = spec ? specOf(folder, spec) : described;
  if (!sameLayers(described.layers, wanted.layers)) {
    throw modelFileError(
      `${modelFile} and ${STUDIO_JSON} in ${folder} describe different models; the folder was changed or mixed up.`,
    );
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const values = weightSpecs.reduce((sum, weight) => sum + weight.shape.reduce((a, b) => a * b, 1), 0);
  const params = summarizeSpec(wanted).summary.totalParams;
  if (values !== params) {
    throw modelFileError(
      `${modelFile} lists ${values} weights where its layers have ${params} params; the files are corrupt or do not belong together.`,
    );
  }
  const expectedBytes = params * 4;
  const chunks: Buffer[] = [];
  for (const name of weightFileNames(modelJson, modelFile)) {
    const remaining = expectedBytes - chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    chunks.push(await readInside(folder, name, Math.max(remaining, 0)));
  }
  const weightData = Buffer.concat(chunks);
  if (weightData.length !== expectedBytes) {
    throw modelFileError(
      `The weights in ${folder} hold ${weightData.length} bytes where ${MODEL_JSON} describes ${expectedBytes}; the files are corrupt or do not belong together.`,
    );
  }
  return { model: buildFromFiles(weightSpecs, weightData, modelFile, wanted), spec: wanted };
}

/**
 * Builds the model from the validated spec (tfjs never deserializes the file's topology, which
 * could fail half-built) and sets the file's weights in order, each checked against its layer.
 */
function buildFromFiles(
  weightSpecs: tf.io.WeightsManifestEntry[],
  weightData: Buffer,
  modelFile: string,
  spec: ModelSpec,
): tf.LayersModel {
  const model = buildModel(spec);
  let weights: tf.NamedTensorMap | undefined;
  try {
    const expected = model.weights.map((weight) => weight.shape);
    const mismatch = weightSpecs.findIndex((weight, i) => JSON.stringify(weight.shape) !== JSON.stringify(expected[i]));
    if (weightSpecs.length !== expected.length || mismatch >= 0) {
      const at = mismatch >= 0 ? mismatch : Math.min(weightSpecs.length, expected.length);
      throw modelFileError(
        `${modelFile} lists weight ${at + 1} (${weightSpecs[at]?.name ?? 'none'}) as ${JSON.stringify(weightSpecs[at]?.shape ?? null)} where its layers need ${JSON.stringify(expected[at] ?? null)}.`,
      );
    }
    const names = new Set(weightSpecs.map((weight) => weight.name));
    if (names.size !== weightSpecs.length)
      throw modelFileError(`${modelFile} lists two weights under one name; the file is corrupt.`);
    weights = tf.io.decodeWeights(new Uint8Array(weightData).buffer, weightSpecs);
    const decoded = weights;
    model.setWeights(weightSpecs.map((weight) => decoded[weight.name]));
    return model;
  } catch (error) {
    model.dispose();
    if (error instanceof StudioError) throw error;
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw modelFileError(`${modelFile} cannot be turned into a model: ${detail}`);
  } finally {
    if (weights) tf.dispose(weights);
  }
}

async function modelArtifacts(model: tf.LayersModel): Promise<{ json: object; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured?.weightData || !captured.weightSpecs)
    throw new StudioError('INTERNAL', 'The model produced no weights to save.');
  const weightData = captured.weightData;
  const joined = Array.isArray(weightData) ? tf.io.CompositeArrayBuffer.join(weightData) : weightData;
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: captured.modelTopology,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: captured.weightSpecs }],
  };
  return { json, weights: new Uint8Array(joined) };
}

/** Writes model.json, weights.bin and studio.json as `folder`, atomically (replacing an older one). */
export async function writeModelFolder(folder: string, model: tf.LayersModel, saved: SavedModel): Promise<void> {
  try {
    await mkdir(path.dirname(folder), { recursive: true });
    const { json, weights } = await modelArtifacts(model);
    await writeFolderAtomically(
      folder,
      { [WEIGHTS_BIN]: weights, [MODEL_JSON]: JSON.stringify(json), [STUDIO_JSON]: JSON.stringify(saved, null, 2) },
      { replace: true },
    );
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw modelFileError(`Cannot write the model to ${folder}: ${fileProblem(error)}.`);
  }
}

/** Saves a model as a Keras `.keras` or `.h5` file, atomically. */
export async function writeKerasFile(file: string, model: tf.LayersModel, spec: ModelSpec, format: KerasFormat) {
  const bytes = await encodeKerasFile(model, spec, format);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomically(file, bytes);
  } catch (error) {
    throw modelFileError(`Cannot write ${file}: ${fileProblem(error)}.`);
  }
}
