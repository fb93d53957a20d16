/**
 * Keras' two HDF5 layouts, through h5wasm (HDF5 compiled to WebAssembly; it reads and writes real
 * files from Node):
 * - model.weights.h5 inside a `.keras` file: layers/<layer>/vars/0, 1, ... and optimizer/vars/...;
 * - a legacy `.h5` file: the model config as an attribute and model_weights/<layer>/<weight_names>.
 * Weights are float32, in Keras' order (kernel, bias) and layout (channels last), which tfjs shares.
 */
import { open } from 'node:fs/promises';
import h5wasm, { type Dataset, type Group } from 'h5wasm/node';
import { StudioError } from '../../shared/errors';

export interface WeightValue {
  shape: number[];
  data: Float32Array;
}

/** One layer of a Sequential model, in order; layers without weights have none. */
export interface LayerWeights {
  name: string;
  weights: WeightValue[];
}

export interface LegacyAttributes {
  kerasVersion: string;
  modelConfig: string;
  trainingConfig: string;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const WEIGHT_NAMES: Record<number, string[]> = { 2: ['kernel', 'bias'], 1: ['kernel'] };

function writeFloat32(group: Group, name: string, value: WeightValue): void {
  group.create_dataset({ name, data: value.data, shape: value.shape, dtype: '<f' });
}

/**
 * Writes the model.weights.h5 that a `.keras` file holds, with a fresh optimizer's state (step 0, the
 * learning rate, then per weight the slots `slotStarts` gives, e.g. RMSprop's one velocity of zeros),
 * exactly what Keras builds for the compiled model, so it loads without a mismatch.
 */
export async function writeKerasWeightsFile(
  file: string,
  layers: LayerWeights[],
  optimizer: { name: string; learningRate: number; slotStarts: number[] },
): Promise<void> {
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'w');
  try {
    const layersGroup = h5.create_group('layers');
    for (const layer of layers) {
      const vars = layersGroup.create_group(layer.name).create_group('vars');
      vars.create_attribute('name', layer.name);
      layer.weights.forEach((value, index) => writeFloat32(vars, String(index), value));
    }
    const optimizerVars = h5.create_group('optimizer').create_group('vars');
    optimizerVars.create_attribute('name', optimizer.name);
    optimizerVars.create_dataset({ name: '0', data: new BigInt64Array([0n]), shape: [], dtype: '<q' });
    writeFloat32(optimizerVars, '1', { shape: [], data: new Float32Array([optimizer.learningRate]) });
    let index = 2;
    for (const value of layers.flatMap((layer) => layer.weights)) {
      for (const start of optimizer.slotStarts) {
        writeFloat32(optimizerVars, String(index++), {
          shape: value.shape,
          data: new Float32Array(value.data.length).fill(start),
        });
      }
    }
    h5.create_group('vars').create_attribute('name', 'sequential');
  } finally {
    h5.close();
  }
}

/** Writes a legacy `.h5` model file as Keras 3's `model.save('m.h5')` does (without optimizer state). */
export async function writeLegacyH5File(
  file: string,
  layers: LayerWeights[],
  attributes: LegacyAttributes,
): Promise<void> {
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'w');
  try {
    h5.create_attribute('backend', 'tensorflow');
    h5.create_attribute('keras_version', attributes.kerasVersion);
    h5.create_attribute('model_config', attributes.modelConfig);
    h5.create_attribute('training_config', attributes.trainingConfig);
    const weightsGroup = h5.create_group('model_weights');
    weightsGroup.create_attribute('backend', 'tensorflow');
    weightsGroup.create_attribute('keras_version', attributes.kerasVersion);
    weightsGroup.create_attribute(
      'layer_names',
      layers.map((layer) => layer.name),
    );
    for (const layer of layers) {
      const layerGroup = weightsGroup.create_group(layer.name);
      if (layer.weights.length === 0) continue;
      const names = WEIGHT_NAMES[layer.weights.length];
      if (!names) throw new StudioError('INTERNAL', `Layer ${layer.name} has ${layer.weights.length} weights.`);
      layerGroup.create_attribute(
        'weight_names',
        names.map((weight) => `sequential/${layer.name}/${weight}`),
      );
      const holder = layerGroup.create_group('sequential').create_group(layer.name);
      layer.weights.forEach((value, index) => writeFloat32(holder, names[index], value));
    }
  } finally {
    h5.close();
  }
}

/** Opens an HDF5 file for reading, refusing anything else in one sentence. */
async function openHdf5(file: string, what: string): Promise<InstanceType<typeof h5wasm.File>> {
  const head = Buffer.alloc(HDF5_SIGNATURE.length);
  let handle;
  try {
    handle = await open(file, 'r');
    await handle.read(head, 0, head.length, 0);
  } catch {
    throw new StudioError('MODEL_FILE', `${file} cannot be read.`);
  } finally {
    await handle?.close();
  }
  if (!head.equals(HDF5_SIGNATURE))
    throw new StudioError('MODEL_FILE', `${what} is not an HDF5 file; the file is corrupt or not a Keras model.`);
  await h5wasm.ready;
  try {
    return new h5wasm.File(file, 'r');
  } catch {
    throw new StudioError('MODEL_FILE', `${what} cannot be opened as HDF5; the file is corrupt.`);
  }
}

function child(group: Group, name: string): Group | Dataset | undefined {
  if (!group.keys().includes(name)) return undefined;
  return (group.get(name) as Group | Dataset | null) ?? undefined;
}

function readFloat32(dataset: Group | Dataset | undefined, what: string): WeightValue {
  if (!dataset || !('shape' in dataset))
    throw new StudioError('MODEL_FILE', `${what} is missing from the weights; the file is incomplete.`);
  const value = dataset.value;
  if (!(value instanceof Float32Array || value instanceof Float64Array))
    throw new StudioError('MODEL_FILE', `${what} is not a floating-point array; the file is not a Keras model.`);
  return { shape: [...(dataset.shape ?? [])], data: value instanceof Float32Array ? value : Float32Array.from(value) };
}

/** The layers' weights in a `.keras` file's model.weights.h5, by layer name. */
export async function readKerasWeightsFile(file: string, what: string): Promise<Map<string, WeightValue[]>> {
  const h5 = await openHdf5(file, what);
  try {
    const layersGroup = child(h5, 'layers');
    const result = new Map<string, WeightValue[]>();
    if (!layersGroup || !('keys' in layersGroup)) return result;
    for (const name of layersGroup.keys()) {
      const vars = child(layersGroup as Group, name);
      const group = vars && 'keys' in vars ? child(vars, 'vars') : undefined;
      if (!group || !('keys' in group)) continue;
      const indices = group
        .keys()
        .filter((key) => /^\d+$/.test(key))
        .sort((a, b) => Number(a) - Number(b));
      result.set(
        name,
        indices.map((index) => readFloat32(child(group, index), `${name}/vars/${index}`)),
      );
    }
    return result;
  } finally {
    h5.close();
  }
}

function stringAttribute(holder: Group, name: string): string | undefined {
  if (!Object.keys(holder.attrs).includes(name)) return undefined;
  const value = holder.get_attribute(name, false);
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}

function stringsAttribute(holder: Group, name: string): string[] {
  if (!Object.keys(holder.attrs).includes(name)) return [];
  const value = holder.get_attribute(name, true);
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A legacy `.h5` model: its config attributes and its layers' weights by layer name. */
export async function readLegacyH5File(file: string): Promise<{
  kerasVersion?: string;
  modelConfig?: string;
  trainingConfig?: string;
  weights: Map<string, WeightValue[]>;
}> {
  const h5 = await openHdf5(file, file);
  try {
    const modelConfig = stringAttribute(h5, 'model_config');
    const weightsGroup = child(h5, 'model_weights') ?? h5;
    if (!('keys' in weightsGroup)) throw new StudioError('MODEL_FILE', `${file} holds no model weights.`);
    const weights = new Map<string, WeightValue[]>();
    for (const layer of stringsAttribute(weightsGroup, 'layer_names')) {
      const layerGroup = child(weightsGroup, layer);
      if (!layerGroup || !('keys' in layerGroup)) continue;
      const names = stringsAttribute(layerGroup, 'weight_names');
      weights.set(
        layer,
        names.map((name) => readFloat32(pathIn(layerGroup, name), `${layer}/${name}`)),
      );
    }
    return {
      kerasVersion: stringAttribute(h5, 'keras_version'),
      modelConfig,
      trainingConfig: stringAttribute(h5, 'training_config'),
      weights,
    };
  } finally {
    h5.close();
  }
}

function pathIn(group: Group, relative: string): Group | Dataset | undefined {
  let current: Group | Dataset | undefined = group;
  for (const part of relative.split('/')) {
    if (!current || !('keys' in current)) return undefined;
    current = child(current, part);
  }
  return current;
}
