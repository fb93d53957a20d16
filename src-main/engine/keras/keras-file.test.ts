import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../shared/errors';
import { kerasExampleSpec, type ModelSpec } from '../../shared/spec';
import { initBackend } from '../backend';
import { buildModel } from '../model';
import { architectureFromKerasConfig, kerasModelConfig } from './keras-config';
import { decodeKerasFile, encodeKerasFile, type KerasFormat } from './keras-file';
import { EVERY_LAYER_SPEC } from './testing/specs';

let scratch: string;
beforeAll(async () => {
  await initBackend();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'mnist-keras-file-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function roundTrip(spec: ModelSpec, format: KerasFormat) {
  const model = buildModel(spec, 5);
  const file = path.join(scratch, `model-${Math.random().toString(36).slice(2)}.${format}`);
  await writeFile(file, await encodeKerasFile(model, spec, format));
  return { model, imported: await decodeKerasFile(file, format) };
}

function expectRefusal(run: () => unknown, code: StudioError['code'], pattern: RegExp) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe(code);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a refusal');
}

async function expectRejection(promise: Promise<unknown>, code: StudioError['code'], pattern: RegExp) {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StudioError);
  expect((error as StudioError).code).toBe(code);
  expect((error as Error).message).toMatch(pattern);
}

describe('Keras files written and read here', () => {
  for (const format of ['keras', 'h5'] as const) {
    for (const [name, spec] of [
      ['the Keras example', kerasExampleSpec(24)],
      ['every layer type', EVERY_LAYER_SPEC],
    ] as const) {
      it(`${name} comes back from .${format} with the same spec and the same predictions`, async () => {
        const { model, imported } = await roundTrip(spec, format);
        expect(imported.spec).toEqual(spec);
        const shape = spec.layers[0].type === 'dense' ? [3, 784] : [3, 28, 28, 1];
        const probe = tf.randomUniform(shape, 0, 1, 'float32', 7);
        const expected = (model.predict(probe) as tf.Tensor).arraySync();
        expect((imported.model.predict(probe) as tf.Tensor).arraySync()).toEqual(expected);
        tf.dispose(probe);
        model.dispose();
        imported.model.dispose();
      });
    }
  }
});

describe('Keras configs MNIST Studio cannot run are refused in one sentence naming the layer', () => {
  const config = kerasModelConfig(kerasExampleSpec(8)) as { config: { layers: Record<string, unknown>[] } };
  const withLayer = (index: number, layer: Record<string, unknown>) => {
    const copy = structuredClone(config);
    copy.config.layers.splice(index, 0, layer);
    return copy;
  };

  it('an unsupported layer type', () => {
    const model = withLayer(2, { class_name: 'BatchNormalization', config: { name: 'batch_norm_7' } });
    expectRefusal(
      () => architectureFromKerasConfig(model),
      'UNSUPPORTED_MODEL',
      /"batch_norm_7" is a BatchNormalization layer/,
    );
  });

  it('an activation the app lacks', () => {
    const model = structuredClone(config);
    model.config.layers[1].config = { ...(model.config.layers[1].config as object), activation: 'gelu' };
    expectRefusal(
      () => architectureFromKerasConfig(model),
      'UNSUPPORTED_MODEL',
      /Layer "dense" uses the activation gelu/,
    );
  });

  it('a functional model, and an input that is not MNIST-sized', () => {
    expectRefusal(
      () => architectureFromKerasConfig({ ...config, class_name: 'Functional' }),
      'UNSUPPORTED_MODEL',
      /Functional model/,
    );
    const wide = structuredClone(config);
    (wide.config.layers[0].config as { batch_shape: unknown }).batch_shape = [null, 32, 32, 3];
    expectRefusal(() => architectureFromKerasConfig(wide), 'UNSUPPORTED_MODEL', /\(32, 32, 3\)/);
  });

  it('a Rescaling with an offset; a Rescaling before Dense folds into its kernel', () => {
    const offset = withLayer(1, { class_name: 'Rescaling', config: { name: 'rescale', scale: 1 / 127.5, offset: -1 } });
    expectRefusal(
      () => architectureFromKerasConfig(offset),
      'UNSUPPORTED_MODEL',
      /"rescale" \(Rescaling\) has an offset/,
    );
    const plain = withLayer(1, { class_name: 'Rescaling', config: { name: 'rescale', scale: 1 / 255, offset: 0 } });
    const { kernelScale } = architectureFromKerasConfig(plain);
    expect(kernelScale[0]).toBeCloseTo(1, 12);
  });

  it('a file that is not a zip, or not HDF5, names the file', async () => {
    const notZip = path.join(scratch, 'not-a-zip.keras');
    await writeFile(notZip, 'hello');
    await expectRejection(decodeKerasFile(notZip, 'keras'), 'MODEL_FILE', /not-a-zip\.keras is not a zip archive/);
    const notH5 = path.join(scratch, 'not-hdf5.h5');
    await writeFile(notH5, 'hello');
    await expectRejection(decodeKerasFile(notH5, 'h5'), 'MODEL_FILE', /not-hdf5\.h5 is not an HDF5 file/);
    const noWeights = path.join(scratch, 'no-weights.keras');
    await writeFile(noWeights, zipSync({ 'config.json': strToU8(JSON.stringify(config)) }));
    await expectRejection(decodeKerasFile(noWeights, 'keras'), 'MODEL_FILE', /holds no model\.weights\.h5/);
  });
});
