/**
 * The saved models: one folder each (model-files.ts) in one directory, written atomically
 * (atomic-file.ts), so a half-written model is never listed or loaded. Also export to a folder
 * a person names and import from one. Plain fs I/O, so it works on every backend.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { savedModelSchema, type SavedModel } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { fileProblem, removeAtomically, sweepPartials, writeFolderAtomically } from './atomic-file';
import { decodeKerasFile, kerasFormatOf, type KerasFormat } from './keras/keras-file';
import {
  MODEL_FILES,
  MODEL_JSON,
  STUDIO_JSON,
  loadModelFolder,
  readMetadata,
  writeKerasFile,
  writeModelFolder,
} from './model-files';

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

/** An export goes into a folder that exists already, named in full (no guessing what "." means). */
async function requireExistingFolder(dir: string): Promise<void> {
  if (!path.isAbsolute(dir))
    throw new StudioError('MODEL_FILE', `Cannot export to "${dir}": give the full path of an existing folder.`);
  const stats = await stat(dir).catch(() => undefined);
  if (!stats?.isDirectory())
    throw new StudioError('MODEL_FILE', `Cannot export to ${dir}: there is no such folder; choose an existing one.`);
}

export class SavedModels {
  constructor(readonly directory: string) {}

  /** Removes what saves and deletes interrupted by a crash left behind. */
  async sweepPartials(): Promise<void> {
    await sweepPartials(this.directory);
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

  /** studio.json alone (to know a model's spec before loading its weights). */
  async read(id: string): Promise<SavedModel> {
    return readMetadata(this.folderOf(id));
  }

  async load(id: string): Promise<{ model: tf.LayersModel; metadata: SavedModel }> {
    const folder = this.folderOf(id);
    const metadata = await readMetadata(folder);
    const { model } = await loadModelFolder(folder, metadata.spec);
    return { model, metadata };
  }

  async remove(id: string): Promise<boolean> {
    await removeAtomically(this.folderOf(id));
    return true;
  }

  /**
   * Exports as a TF.js folder (with studio.json) or a Keras file, named after the model, into
   * `targetDir` (an existing folder).
   */
  async export(id: string, targetDir: string, format: 'tfjs' | KerasFormat = 'tfjs'): Promise<string> {
    const folder = this.folderOf(id);
    await requireExistingFolder(targetDir);
    if (format !== 'tfjs') return this.exportKeras(id, targetDir, format);
    let destination = path.join(targetDir, id);
    for (let n = 2; existsSync(destination); n++) destination = path.join(targetDir, `${id}-${n}`);
    try {
      const files: Record<string, Buffer> = {};
      for (const file of MODEL_FILES) files[file] = await readFile(path.join(folder, file));
      await writeFolderAtomically(destination, files, { replace: false });
    } catch (error) {
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

  /** A Keras `.keras`/`.h5` file saved by `model.save`, read into the saved models. */
  private async importKeras(file: string, format: KerasFormat): Promise<SavedModel> {
    const { spec, model, kerasVersion } = await decodeKerasFile(file, format);
    try {
      await mkdir(this.directory, { recursive: true });
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
   * Saves a copy here of a TF.js folder (model.json + weights, studio.json optional) or of a
   * Keras `.keras`/`.h5` file.
   */
  async import(source: string): Promise<SavedModel> {
    const resolved = path.resolve(source);
    const stats = await stat(resolved).catch(() => undefined);
    const kerasFormat = kerasFormatOf(resolved);
    if (stats?.isFile() && kerasFormat) return this.importKeras(resolved, kerasFormat);
    if (stats?.isFile())
      throw new StudioError(
        'MODEL_FILE',
        `${resolved} is not a .keras or .h5 file; choose one of those, or a TF.js model folder.`,
      );
    if (kerasFormat && !stats) throw new StudioError('MODEL_FILE', `${resolved} does not exist.`);
    const folder = resolved;
    if (!existsSync(path.join(folder, MODEL_JSON)))
      throw new StudioError(
        'MODEL_FILE',
        `${folder} holds no ${MODEL_JSON}; choose a folder exported by MNIST Studio or TF.js.`,
      );
    const studio = existsSync(path.join(folder, STUDIO_JSON)) ? await readMetadata(folder) : undefined;
    const { model, spec } = await loadModelFolder(folder, studio?.spec);
    try {
      const metadata: ModelMetadata = studio ?? {
        name: path.basename(folder),
        spec,
        settings: { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, seed: 42 },
        params: 0,
        dataset: { id: 'unknown', name: 'unknown' },
        backend: 'unknown',
        history: [],
      };
      await mkdir(this.directory, { recursive: true });
      return await this.save(model, { ...metadata, params: model.countParams() });
    } finally {
      model.dispose();
    }
  }
}
