/**
 * Keras' files for a tfjs model: `.keras` (Keras 3's zip of config.json, metadata.json and
 * model.weights.h5, zipped with fflate) and the legacy `.h5`. Encoding returns the file's bytes so
 * the caller writes them with the app's atomic file writer; decoding reads a file by path.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { StudioError } from '../../shared/errors';
import { layerNames, type ModelSpec } from '../../shared/spec';
import { buildModel } from '../model';
import {
  FRESH_OPTIMIZER_SLOTS,
  architectureFromKerasConfig,
  kerasCompileConfig,
  kerasModelConfig,
  legacyTrainingConfig,
} from './keras-config';
import {
  readKerasWeightsFile,
  readLegacyH5File,
  writeKerasWeightsFile,
  writeLegacyH5File,
  type LayerWeights,
  type WeightValue,
} from './keras-weights';

export type KerasFormat = 'keras' | 'h5';

/** The Keras release whose file format these files follow (and which the tests load them with). */
const KERAS_FORMAT_VERSION = '3.15.1';

const CONFIG_JSON = 'config.json';
const METADATA_JSON = 'metadata.json';
const WEIGHTS_H5 = 'model.weights.h5';

/** `.keras` or `.h5` from a file name, else undefined. */
export function kerasFormatOf(file: string): KerasFormat | undefined {
  const extension = path.extname(file).toLowerCase();
  return extension === '.keras' ? 'keras' : extension === '.h5' || extension === '.hdf5' ? 'h5' : undefined;
}

async function withScratchFolder<T>(work: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'mnist-studio-keras-'));
  try {
    return await work(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function layerWeights(model: tf.LayersModel, spec: ModelSpec): LayerWeights[] {
  const names = layerNames(spec.layers);
  return model.layers.map((layer, index) => ({
    name: names[index],
    weights: layer
      .getWeights()
      .map((tensor) => ({ shape: [...tensor.shape], data: tensor.dataSync() as Float32Array })),
  }));
}

/** The bytes of a `.keras` or `.h5` file holding the model, its architecture and its compile settings. */
export async function encodeKerasFile(
  model: tf.LayersModel,
  spec: ModelSpec,
  format: KerasFormat,
): Promise<Uint8Array> {
  if (model.layers.length !== spec.layers.length)
    throw new StudioError('INTERNAL', 'The model and its description have different layers.');
  const layers = layerWeights(model, spec);
  const config = kerasModelConfig(spec);
  return withScratchFolder(async (folder) => {
    const h5File = path.join(folder, 'model.h5');
    if (format === 'h5') {
      const { module: _module, ...legacyConfig } = config;
      await writeLegacyH5File(h5File, layers, {
        kerasVersion: KERAS_FORMAT_VERSION,
        modelConfig: JSON.stringify(legacyConfig),
        trainingConfig: JSON.stringify(legacyTrainingConfig(spec)),
      });
      return new Uint8Array(await readFile(h5File));
    }
    await writeKerasWeightsFile(h5File, layers, {
      ...spec.optimizer,
      slotStarts: FRESH_OPTIMIZER_SLOTS[spec.optimizer.name],
    });
    const metadata = { keras_version: KERAS_FORMAT_VERSION, date_saved: new Date().toISOString() };
    return zipSync({
      [METADATA_JSON]: strToU8(JSON.stringify(metadata)),
      [CONFIG_JSON]: strToU8(JSON.stringify({ ...config, compile_config: kerasCompileConfig(spec) })),
      [WEIGHTS_H5]: [new Uint8Array(await readFile(h5File)), { level: 1 }],
    });
  });
}

function parseJson(text: string | undefined, what: string): unknown {
  if (text === undefined) throw new StudioError('MODEL_FILE', `${what} is missing; the file is not a Keras model.`);
  try {
    return JSON.parse(text);
  } catch {
    throw new StudioError('MODEL_FILE', `${what} is not valid JSON; the file is corrupt.`);
  }
}

export interface ImportedKerasModel {
  spec: ModelSpec;
  model: tf.LayersModel;
  kerasVersion?: string;
}

/** Reads a `.keras` or `.h5` file saved by Keras (or by MNIST Studio) into a compiled tfjs model. */
export async function decodeKerasFile(file: string, format: KerasFormat): Promise<ImportedKerasModel> {
  if (format === 'h5') {
    const legacy = await readLegacyH5File(file);
    if (legacy.modelConfig === undefined)
      throw new StudioError(
        'MODEL_FILE',
        `${file} holds weights only (no model_config); save the whole model with model.save("model.h5").`,
      );
    const modelConfig = parseJson(legacy.modelConfig, `The model_config of ${file}`);
    const trainingConfig = legacy.trainingConfig
      ? parseJson(legacy.trainingConfig, `The training_config of ${file}`)
      : undefined;
    const architecture = architectureFromKerasConfig(modelConfig, trainingConfig);
    const weights = (source: { layerName: string }) => legacy.weights.get(source.layerName);
    return { ...buildWithWeights(architecture, weights, file), kerasVersion: legacy.kerasVersion };
  }

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch {
    throw new StudioError('MODEL_FILE', `${file} cannot be read.`);
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (entry) => [CONFIG_JSON, METADATA_JSON, WEIGHTS_H5].includes(entry.name) });
  } catch {
    throw new StudioError('MODEL_FILE', `${file} is not a zip archive; a .keras file is one, so it is corrupt.`);
  }
  const text = (name: string) => (entries[name] ? strFromU8(entries[name]) : undefined);
  const config = parseJson(text(CONFIG_JSON), `${CONFIG_JSON} in ${file}`) as Record<string, unknown>;
  const metadata = entries[METADATA_JSON] ? parseJson(text(METADATA_JSON), `${METADATA_JSON} in ${file}`) : {};
  const architecture = architectureFromKerasConfig(config, config.compile_config);
  if (!entries[WEIGHTS_H5])
    throw new StudioError('MODEL_FILE', `${file} holds no ${WEIGHTS_H5}; its weights are missing.`);
  const saved = await withScratchFolder(async (folder) => {
    const h5File = path.join(folder, WEIGHTS_H5);
    await writeFile(h5File, entries[WEIGHTS_H5]);
    return readKerasWeightsFile(h5File, `${WEIGHTS_H5} in ${file}`);
  });
  const kerasVersion = (metadata as { keras_version?: unknown }).keras_version;
  return {
    ...buildWithWeights(architecture, (source) => saved.get(source.savedPath), file),
    kerasVersion: typeof kerasVersion === 'string' ? kerasVersion : undefined,
  };
}

/** Builds the spec's model and sets each Dense/Conv2D layer's kernel and bias from the file. */
function buildWithWeights(
  architecture: ReturnType<typeof architectureFromKerasConfig>,
  weightsOf: (source: { layerName: string; savedPath: string }) => WeightValue[] | undefined,
  file: string,
): { spec: ModelSpec; model: tf.LayersModel } {
  const { spec, weightsFrom, kernelScale } = architecture;
  const model = buildModel(spec);
  try {
    model.layers.forEach((layer, index) => {
      const source = weightsFrom[index];
      if (!source) return;
      const values = weightsOf(source);
      const expected = layer.getWeights().map((tensor) => tensor.shape);
      const fits =
        values?.length === expected.length &&
        values.every((value, i) => value.shape.join('x') === expected[i].join('x'));
      if (!values || !fits) {
        const found = values?.map((value) => `(${value.shape.join(', ')})`).join(' and ') || 'none';
        throw new StudioError(
          'MODEL_FILE',
          `${file} holds weights ${found} for layer "${source.layerName}" where its config needs ${expected
            .map((shape) => `(${shape.join(', ')})`)
            .join(' and ')}; the file is corrupt.`,
        );
      }
      const scale = kernelScale[index];
      const tensors = values.map((value, i) =>
        tf.tensor(i === 0 && scale !== 1 ? value.data.map((v) => v * scale) : value.data, value.shape, 'float32'),
      );
      layer.setWeights(tensors);
      tf.dispose(tensors);
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { spec, model };
}
