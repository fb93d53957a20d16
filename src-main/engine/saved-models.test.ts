import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { initBackend } from './backend';
import { buildModel } from './model';
import { writeModelFolder } from './model-files';
import { SavedModels, type ModelMetadata } from './saved-models';

const spec = kerasExampleSpec(32);

interface ModelJsonFile {
  modelTopology: { config: { layers: { config: Record<string, unknown> }[] } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}
const metadata: ModelMetadata = {
  name: 'Keras example, 32 units',
  spec,
  settings: KERAS_EXAMPLE_SETTINGS,
  params: 25_450,
  dataset: { id: 'MNIST:test', name: 'MNIST' },
  backend: 'wasm',
  history: [],
};
let probe: tf.Tensor;

let home: string;
let store: SavedModels;
beforeAll(async () => {
  await initBackend();
  probe = tf.randomUniform([5, 784], 0, 1, 'float32', 3);
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-store-'));
  store = new SavedModels(path.join(home, 'models'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

/** A fresh, existing folder to export into (exports never create folders). */
async function freshFolder(name: string): Promise<string> {
  return mkdtemp(path.join(home, `${name}-`));
}

function predictions(model: tf.LayersModel): number[][] {
  return (model.predict(probe) as tf.Tensor).arraySync() as number[][];
}

describe('SavedModels', () => {
  it('saves and loads a model that predicts identically', async () => {
    const model = buildModel(spec, 11);
    const saved = await store.save(model, metadata);
    expect(saved.id).toMatch(/^keras-example-32-units-/);
    const { model: loaded, metadata: read } = await store.load(saved.id);
    expect(predictions(loaded)).toEqual(predictions(model));
    expect(read).toEqual(saved);
    expect((await store.list()).map((m) => m.id)).toContain(saved.id);
  });

  it('writes a folder that stock tf.loadLayersModel reads over HTTP', async () => {
    const model = buildModel(spec, 12);
    const saved = await store.save(model, metadata);
    const folder = path.join(store.directory, saved.id);
    const server = http.createServer(async (request, response) => {
      response.end(await readFile(path.join(folder, path.basename(request.url ?? ''))));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      expect(predictions(loaded)).toEqual(predictions(model));
    } finally {
      server.close();
    }
  });

  it('never lists a half-written model, and sweeps it away', async () => {
    const partial = path.join(store.directory, '.partial-interrupted');
    await mkdir(partial, { recursive: true });
    await writeFile(path.join(partial, 'model.json'), '{"modelTo');
    const ids = (await store.list()).map((m) => m.id);
    expect(ids.some((id) => id.includes('interrupted'))).toBe(false);
    await store.sweepPartials();
    await expect(readFile(path.join(partial, 'model.json'))).rejects.toThrow();
  });

  it('deletes, and says clearly when a model does not exist', async () => {
    const saved = await store.save(buildModel(spec, 13), metadata);
    expect(await store.remove(saved.id)).toBe(true);
    await expect(store.load(saved.id)).rejects.toThrow(`There is no saved model "${saved.id}".`);
    await expect(store.load('../../etc')).rejects.toThrow('There is no saved model "../../etc".');
  });

  it('exports a folder and imports it back', async () => {
    const model = buildModel(spec, 14);
    const saved = await store.save(model, metadata);
    const exported = await store.export(saved.id, await freshFolder('exports'));
    const imported = await store.import(exported);
    expect(imported.id).not.toBe(saved.id);
    expect(imported.spec).toEqual(saved.spec);
    const { model: loaded } = await store.load(imported.id);
    expect(predictions(loaded)).toEqual(predictions(model));
  });

  it('imports a plain TF.js folder without studio.json, reading the layers from the topology', async () => {
    const saved = await store.save(buildModel(spec, 15), metadata);
    const exported = await store.export(saved.id, await freshFolder('plain'));
    await rm(path.join(exported, 'studio.json'));
    const imported = await store.import(exported);
    expect(imported.spec.layers).toEqual(spec.layers);
    expect(imported.params).toBe(25_450);
  });

  for (const format of ['keras', 'h5'] as const) {
    it(`exports a .${format} file atomically and imports it back as a Keras model`, async () => {
      const model = buildModel(spec, 18);
      const saved = await store.save(model, metadata);
      const target = await freshFolder(`keras-exports-${format}`);
      const first = await store.export(saved.id, target, format);
      const second = await store.export(saved.id, target, format);
      expect(path.basename(first)).toBe(`${saved.id}.${format}`);
      expect(path.basename(second)).toBe(`${saved.id}-2.${format}`);
      expect((await readdir(target)).sort()).toEqual([path.basename(second), path.basename(first)].sort());
      const imported = await store.import(first);
      expect(imported).toMatchObject({ name: path.basename(first), spec, params: 25_450, backend: 'Keras 3.15.1' });
      const { model: loaded } = await store.load(imported.id);
      expect(predictions(loaded)).toEqual(predictions(model));
    });
  }

  it('refuses a file that is neither .keras nor .h5, and a Keras file that does not exist', async () => {
    const text = path.join(home, 'notes.txt');
    await writeFile(text, 'hello');
    await expect(store.import(text)).rejects.toThrow(`${text} is not a .keras or .h5 file`);
    await expect(store.import(path.join(home, 'missing.keras'))).rejects.toThrow(
      `${path.join(home, 'missing.keras')} does not exist.`,
    );
  });

  it('says in words why an export or a save cannot be written', async () => {
    const saved = await store.save(buildModel(spec, 17), metadata);
    const blocker = path.join(home, 'a-file');
    await writeFile(blocker, 'not a folder');
    await expect(store.export(saved.id, path.join(blocker, 'inside'))).rejects.toThrow(
      `Cannot export to ${path.join(blocker, 'inside')}: there is no such folder; choose an existing one.`,
    );
    await expect(store.export(saved.id, blocker, 'keras')).rejects.toThrow(
      `Cannot export to ${blocker}: there is no such folder; choose an existing one.`,
    );
    const { model } = await store.load(saved.id);
    await expect(writeModelFolder(path.join(blocker, 'model'), model, saved)).rejects.toThrow(
      `Cannot write the model to ${path.join(blocker, 'model')}: a file stands where a folder is needed.`,
    );
  });

  it('exports only into an existing folder given in full, and answers at once for /proc', async () => {
    const saved = await store.save(buildModel(spec, 18), metadata);
    await expect(store.export(saved.id, 'relative/folder')).rejects.toThrow(
      'Cannot export to "relative/folder": give the full path of an existing folder.',
    );
    await expect(store.export(saved.id, path.join(home, 'missing', 'deeper'))).rejects.toThrow(
      /there is no such folder; choose an existing one\.$/,
    );
    expect(existsSync(path.join(home, 'missing'))).toBe(false);
    await expect(store.export(saved.id, '/proc')).rejects.toMatchObject({
      code: 'MODEL_FILE',
      message: expect.stringMatching(/^Cannot export the model to \/proc: /),
    });
  });

  describe('refuses broken folders with one clear sentence', () => {
    async function brokenCopy(name: string, breakIt: (folder: string) => Promise<void>): Promise<string> {
      const saved = await store.save(buildModel(spec, 16), metadata);
      const folder = await store.export(saved.id, await freshFolder(name));
      await breakIt(folder);
      return folder;
    }

    it('corrupt model.json', async () => {
      const folder = await brokenCopy('corrupt-json', (f) =>
        writeFile(path.join(f, 'model.json'), '{"modelTopology": '),
      );
      await expect(store.import(folder)).rejects.toThrow(
        `${path.join(folder, 'model.json')} is not valid JSON; the file is corrupt.`,
      );
    });

    it('truncated weights', async () => {
      const folder = await brokenCopy('short-weights', async (f) => {
        const weights = await readFile(path.join(f, 'weights.bin'));
        await writeFile(path.join(f, 'weights.bin'), weights.subarray(0, 1000));
      });
      await expect(store.import(folder)).rejects.toThrow(/hold 1000 bytes where model.json describes 101800/);
    });

    it('missing weights', async () => {
      const folder = await brokenCopy('no-weights', (f) => rm(path.join(f, 'weights.bin')));
      await expect(store.import(folder)).rejects.toThrow(/weights.bin is missing/);
    });

    it('a folder with no model at all', async () => {
      const folder = await mkdtemp(path.join(home, 'empty-'));
      await expect(store.import(folder)).rejects.toThrow(`${folder} holds no model.json`);
    });

    /** Rewrites model.json through `change`, as a hand-edited or mixed-up folder would have it. */
    async function editModelJson(name: string, change: (json: ModelJsonFile) => void): Promise<string> {
      return brokenCopy(name, async (f) => {
        const json = JSON.parse(await readFile(path.join(f, 'model.json'), 'utf8')) as ModelJsonFile;
        change(json);
        await writeFile(path.join(f, 'model.json'), JSON.stringify(json));
      });
    }

    it('a topology that disagrees with studio.json, without building (or leaking) the model it describes', async () => {
      const huge = await editModelJson('huge-topology', (json) => {
        json.modelTopology.config.layers[0].config.units = 100_000;
      });
      const other = await editModelJson('other-topology', (json) => {
        json.modelTopology.config.layers[0].config.units = 64;
      });
      const before = tf.memory().numTensors;
      await expect(store.import(huge)).rejects.toThrow(
        /model\.json describes a model MNIST Studio cannot build: .*layers\.0\.units/,
      );
      await expect(store.import(other)).rejects.toThrow(/and studio\.json in .* describe different models/);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('a weights manifest that lies about the shapes', async () => {
      const folder = await editModelJson('lying-manifest', (json) => {
        json.weightsManifest[0].weights[0].shape = [784, 100_000];
      });
      const before = tf.memory().numTensors;
      await expect(store.import(folder)).rejects.toThrow(/lists 78400362 weights where its layers have 25450 params/);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('two weights under one name', async () => {
      const folder = await editModelJson('same-names', (json) => {
        json.weightsManifest[0].weights[1].name = json.weightsManifest[0].weights[0].name;
      });
      const before = tf.memory().numTensors;
      await expect(store.import(folder)).rejects.toThrow(/lists two weights under one name/);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('an input shape that is not an MNIST image', async () => {
      const folder = await editModelJson('wide-input', (json) => {
        json.modelTopology.config.layers[0].config.batch_input_shape = [null, 100_000];
      });
      await expect(store.import(folder)).rejects.toThrow(/says its input is \[null,100000\] where \[null,784\]/);
    });

    it('weight paths and entries of the wrong kind are MODEL_FILE errors, not internal ones', async () => {
      const numberPath = await editModelJson('number-path', (json) => {
        (json.weightsManifest[0].paths as unknown[]) = [3];
      });
      const noShape = await editModelJson('no-shape', (json) => {
        delete (json.weightsManifest[0].weights[0] as { shape?: number[] }).shape;
      });
      const outside = await editModelJson('outside-path', (json) => {
        json.weightsManifest[0].paths = ['../weights.bin'];
      });
      await expect(store.import(numberPath)).rejects.toMatchObject({
        code: 'MODEL_FILE',
        message: expect.stringMatching(/is not a TF\.js Layers model \(weightsManifest\.0\.paths\.0: /),
      });
      await expect(store.import(noShape)).rejects.toMatchObject({
        code: 'MODEL_FILE',
        message: expect.stringMatching(/weightsManifest\.0\.weights\.0\.shape/),
      });
      await expect(store.import(outside)).rejects.toThrow(/points at a weights file outside its folder/);
    });

    it('a symbolic link out of the folder', async () => {
      const folder = await brokenCopy('linked', async (f) => {
        const elsewhere = path.join(home, 'elsewhere.bin');
        await writeFile(elsewhere, await readFile(path.join(f, 'weights.bin')));
        await rm(path.join(f, 'weights.bin'));
        await symlink(elsewhere, path.join(f, 'weights.bin'));
      });
      await expect(store.import(folder)).rejects.toThrow(
        `${path.join(folder, 'weights.bin')} is a symbolic link; MNIST Studio reads only files inside the model's folder.`,
      );
    });

    it('a studio.json that is not ours', async () => {
      const folder = await brokenCopy('bad-studio', (f) => writeFile(path.join(f, 'studio.json'), '{"name": 3}'));
      await expect(store.import(folder)).rejects.toThrow(/is not a valid MNIST Studio model description/);
    });
  });
});
