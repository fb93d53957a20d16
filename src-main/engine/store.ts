/**
 * Saved models: one folder each, holding a stock TF.js Layers model (model.json + weights.bin,
 * readable by `tf.loadLayersModel`) and studio.json (spec, settings, metrics, dataset identity).
 * Writes go to a hidden folder that is renamed into place, so a half-written model is never
 * listed or loaded. Plain fs I/O, so it works on every backend.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { savedModelSchema, type SavedModel } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { type LayerSpec, type ModelSpec } from '../shared/spec';
import { decodeKerasFile, encodeKerasFile, kerasFormatOf, type KerasFormat } from './keras/keras-file';
import { compileModel, validateSpec } from './model';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const STUDIO_JSON = 'studio.json';
const PARTIAL_PREFIX = '.partial-';
const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1 };

export type ModelMetadata = Omit<SavedModel, 'id' | 'createdAt'>;

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'model'
  );
}

export async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes one file atomically: a hidden sibling is written and synced, then renamed over `file`. */
export async function writeFileAtomically(file: string, data: Uint8Array): Promise<void> {
  const partial = path.join(
    path.dirname(file),
    `${PARTIAL_PREFIX}${path.basename(file)}-${randomBytes(3).toString('hex')}`,
  );
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeDurably(partial, data);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw new StudioError('MODEL_FILE', `Cannot write ${file}: ${fileProblem(error)}.`);
  }
}

/** Saves a model as a Keras `.keras` or `.h5` file (atomically). */
export async function writeKerasFile(file: string, model: tf.LayersModel, spec: ModelSpec, format: KerasFormat) {
  await writeFileAtomically(file, await encodeKerasFile(model, spec, format));
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

/**
 * Writes model.json, weights.bin and studio.json into `folder` atomically: everything goes to a
 * hidden sibling first, then one rename puts it in place (replacing an older folder, if any).
 */
export async function writeModelFolder(folder: string, model: tf.LayersModel, saved: SavedModel): Promise<void> {
  try {
    await replaceFolderAtomically(folder, model, saved);
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw new StudioError('MODEL_FILE', `Cannot write the model to ${folder}: ${fileProblem(error)}.`);
  }
}

/** What went wrong with a file operation, in words (the errno code alone means little to people). */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const problems: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the location is read-only',
    ENOSPC: 'the disk is full',
    ENOENT: 'the folder cannot be created there',
    ENOTDIR: 'part of the path is a file, not a folder',
    EEXIST: 'a file stands where a folder is needed',
  };
  return (code && problems[code]) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
}

async function replaceFolderAtomically(folder: string, model: tf.LayersModel, saved: SavedModel): Promise<void> {
  const parent = path.dirname(folder);
  await mkdir(parent, { recursive: true });
  const { json, weights } = await modelArtifacts(model);
  const partial = path.join(parent, `${PARTIAL_PREFIX}${path.basename(folder)}-${randomBytes(3).toString('hex')}`);
  const replaced = `${partial}-old`;
  await mkdir(partial);
  const hadOlder = existsSync(folder);
  try {
    await writeDurably(path.join(partial, WEIGHTS_BIN), weights);
    await writeDurably(path.join(partial, MODEL_JSON), JSON.stringify(json));
    await writeDurably(path.join(partial, STUDIO_JSON), JSON.stringify(saved, null, 2));
    if (hadOlder) await rename(folder, replaced);
    try {
      await rename(partial, folder);
    } catch (error) {
      if (hadOlder) await rename(replaced, folder);
      throw error;
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  if (hadOlder) await rm(replaced, { recursive: true, force: true });
}

export class ModelStore {
  constructor(readonly directory: string) {}

  /** Removes folders left by a save that was interrupted (crash, power loss). */
  async sweepPartials(): Promise<void> {
    if (!existsSync(this.directory)) return;
    for (const entry of await readdir(this.directory)) {
      if (entry.startsWith(PARTIAL_PREFIX))
        await rm(path.join(this.directory, entry), { recursive: true, force: true });
    }
  }

  async save(model: tf.LayersModel, metadata: ModelMetadata): Promise<SavedModel> {
    const id = `${slug(metadata.name)}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const saved: SavedModel = savedModelSchema.parse({ ...metadata, id, createdAt: new Date().toISOString() });
    await writeModelFolder(path.join(this.directory, id), model, saved);
    return saved;
  }

  async list(): Promise<SavedModel[]> {
    if (!existsSync(this.directory)) return [];
    const models: SavedModel[] = [];
    for (const entry of await readdir(this.directory)) {
      if (entry.startsWith('.')) continue;
      try {
        models.push(await readMetadata(path.join(this.directory, entry)));
      } catch {
        // A folder that is not a complete model (a user's stray folder) is not listed.
      }
    }
    return models.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  private folderOf(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new StudioError('NOT_FOUND', `There is no saved model "${id}".`);
    const folder = path.join(this.directory, id);
    if (!existsSync(path.join(folder, STUDIO_JSON)))
      throw new StudioError('NOT_FOUND', `There is no saved model "${id}".`);
    return folder;
  }

  async load(id: string): Promise<{ model: tf.LayersModel; metadata: SavedModel }> {
    const folder = this.folderOf(id);
    const metadata = await readMetadata(folder);
    const model = await loadLayersFolder(folder, metadata.spec);
    return { model, metadata };
  }

  async remove(id: string): Promise<boolean> {
    const folder = this.folderOf(id);
    // Rename first so a crash mid-delete never leaves a half model that still lists.
    const doomed = path.join(this.directory, `${PARTIAL_PREFIX}deleted-${id}`);
    await rename(folder, doomed);
    await rm(doomed, { recursive: true, force: true });
    return true;
  }

  /** Exports as a TF.js folder (with studio.json) or a Keras file, named after the model, into `targetDir`. */
  async export(id: string, targetDir: string, format: 'tfjs' | KerasFormat = 'tfjs'): Promise<string> {
    if (format !== 'tfjs') return this.exportKeras(id, targetDir, format);
    const folder = this.folderOf(id);
    let destination = path.join(targetDir, id);
    for (let n = 2; existsSync(destination); n++) destination = path.join(targetDir, `${id}-${n}`);
    const partial = path.join(targetDir, `${PARTIAL_PREFIX}${id}-${randomBytes(3).toString('hex')}`);
    try {
      await mkdir(partial, { recursive: true });
      for (const file of [MODEL_JSON, WEIGHTS_BIN, STUDIO_JSON]) {
        await copyFile(path.join(folder, file), path.join(partial, file));
      }
      await rename(partial, destination);
    } catch (error) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      throw new StudioError('MODEL_FILE', `Cannot export the model to ${targetDir}: ${fileProblem(error)}.`);
    }
    return destination;
  }

  private async exportKeras(id: string, targetDir: string, format: KerasFormat): Promise<string> {
    const { model, metadata } = await this.load(id);
    try {
      let destination = path.join(targetDir, `${id}.${format}`);
      for (let n = 2; existsSync(destination); n++) destination = path.join(targetDir, `${id}-${n}.${format}`);
      await writeKerasFile(destination, model, metadata.spec, format);
      return destination;
    } finally {
      model.dispose();
    }
  }

  /** A Keras `.keras`/`.h5` file saved by `model.save`, read into the store. */
  private async importKeras(file: string, format: KerasFormat): Promise<SavedModel> {
    const { spec, model, kerasVersion } = await decodeKerasFile(file, format);
    try {
      return await this.save(model, {
        name: path.basename(file),
        spec,
        settings: { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, seed: 42 },
        params: model.countParams(),
        dataset: { id: 'unknown', name: 'unknown' },
        backend: kerasVersion ? `Keras ${kerasVersion}` : 'Keras',
        history: [],
      });
    } finally {
      model.dispose();
    }
  }

  /**
   * Saves a copy in the store of a TF.js folder (model.json + weights, studio.json optional) or of a
   * Keras `.keras`/`.h5` file.
   */
  async import(source: string): Promise<SavedModel> {
    const resolved = path.resolve(source);
    const isFile = existsSync(resolved) && statSync(resolved).isFile();
    const kerasFormat = kerasFormatOf(resolved);
    if (isFile && kerasFormat) return this.importKeras(resolved, kerasFormat);
    if (isFile)
      throw new StudioError(
        'MODEL_FILE',
        `${resolved} is not a .keras or .h5 file; choose one of those, or a TF.js model folder.`,
      );
    if (kerasFormat && !existsSync(resolved)) throw new StudioError('MODEL_FILE', `${resolved} does not exist.`);
    const folder = resolved;
    const studioFile = path.join(folder, STUDIO_JSON);
    const modelFile = path.join(folder, MODEL_JSON);
    if (!existsSync(modelFile))
      throw new StudioError(
        'MODEL_FILE',
        `${folder} holds no ${MODEL_JSON}; choose a folder exported by MNIST Studio or TF.js.`,
      );
    const metadata: ModelMetadata = existsSync(studioFile)
      ? await readMetadata(folder)
      : {
          name: path.basename(folder),
          spec: specFromTopology(await readJson(modelFile), modelFile),
          settings: { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, seed: 42 },
          params: 0,
          dataset: { id: 'unknown', name: 'unknown' },
          backend: 'unknown',
          history: [],
        };
    const model = await loadLayersFolder(folder, metadata.spec);
    try {
      return await this.save(model, { ...metadata, params: model.countParams(), name: metadata.name });
    } finally {
      model.dispose();
    }
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new StudioError('MODEL_FILE', `${file} cannot be read.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new StudioError('MODEL_FILE', `${file} is not valid JSON; the file is corrupt.`);
  }
}

async function readMetadata(folder: string): Promise<SavedModel> {
  const file = path.join(folder, STUDIO_JSON);
  const parsed = savedModelSchema.safeParse(await readJson(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError(
      'MODEL_FILE',
      `${file} is not a valid MNIST Studio model description (${issue.path.join('.') || 'top level'}: ${issue.message}).`,
    );
  }
  return parsed.data;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function asModelJson(value: unknown, file: string): ModelJson {
  const candidate = value as Partial<ModelJson> | null;
  if (!candidate || typeof candidate.modelTopology !== 'object' || !Array.isArray(candidate.weightsManifest)) {
    throw new StudioError(
      'MODEL_FILE',
      `${file} is not a TF.js Layers model (modelTopology or weightsManifest is missing).`,
    );
  }
  return candidate as ModelJson;
}

/** Reads a TF.js Layers folder with plain fs, checking the weights' size before tfjs sees them. */
async function loadLayersFolder(folder: string, spec: ModelSpec): Promise<tf.LayersModel> {
  const modelFile = path.join(folder, MODEL_JSON);
  const json = asModelJson(await readJson(modelFile), modelFile);
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const chunks: Uint8Array[] = [];
  for (const relative of json.weightsManifest.flatMap((group) => group.paths)) {
    const file = path.resolve(folder, relative);
    if (path.dirname(file) !== folder)
      throw new StudioError('MODEL_FILE', `${modelFile} points at a weights file outside its folder.`);
    if (!existsSync(file))
      throw new StudioError('MODEL_FILE', `${file} is missing; the model's weights are not there.`);
    chunks.push(await readFile(file));
  }
  const expected = weightSpecs.reduce(
    (sum, weight) => sum + weight.shape.reduce((a, b) => a * b, 1) * (BYTES_PER_VALUE[weight.dtype] ?? Number.NaN),
    0,
  );
  const actual = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (actual !== expected) {
    throw new StudioError(
      'MODEL_FILE',
      `The weights in ${folder} hold ${actual} bytes where ${MODEL_JSON} describes ${expected}; the files are corrupt or do not belong together.`,
    );
  }
  const weightData = new Uint8Array(actual);
  let offset = 0;
  for (const chunk of chunks) {
    weightData.set(chunk, offset);
    offset += chunk.length;
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer }),
    );
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new StudioError('MODEL_FILE', `${modelFile} cannot be turned into a model: ${detail}`);
  }
  compileModel(model, spec);
  return model;
}

interface KerasLayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

/** Reads a ModelSpec back from a Layers topology, for models trained outside the app. */
export function specFromTopology(value: unknown, file: string): ModelSpec {
  const topology = asModelJson(value, file).modelTopology as {
    config?: { layers?: KerasLayerJson[] } | KerasLayerJson[];
  };
  const config = topology.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers)) throw new StudioError('MODEL_FILE', `${file} describes no layers.`);
  const specLayers: LayerSpec[] = [];
  for (const layer of layers) {
    const c = layer.config;
    const first = (v: unknown) => (Array.isArray(v) ? Number(v[0]) : Number(v));
    switch (layer.class_name) {
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
        throw new StudioError(
          'MODEL_FILE',
          `${file} uses a ${layer.class_name} layer, which MNIST Studio does not support.`,
        );
    }
  }
  return validateSpec({
    layers: specLayers,
    optimizer: { name: 'rmsprop', learningRate: 0.001 },
    loss: 'categoricalCrossentropy',
  });
}
