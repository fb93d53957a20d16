/** `--preset <id>` and `--spec FILE` for the command-line tools: which model to build. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validateSpec } from '../engine/model';
import { StudioError } from '../shared/errors';
import { kerasExampleSpec, PRESETS, type ModelSpec } from '../shared/spec';

export const PRESET_IDS = PRESETS.map((preset) => preset.id);

export interface ModelOptions {
  preset?: string;
  spec?: string;
  /** Hidden units of the Keras example (the default model). */
  units: number;
}

/** A ModelSpec JSON file, validated; every problem is one sentence naming the file. */
export async function readSpecFile(file: string): Promise<ModelSpec> {
  const shown = path.resolve(file);
  let text: string;
  try {
    text = await readFile(shown, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : `of ${code ?? 'an error'}`;
    throw new StudioError('INVALID_SPEC', `Cannot read the model file ${shown} because ${why}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StudioError('INVALID_SPEC', `The model file ${shown} is not valid JSON.`);
  }
  try {
    return validateSpec(json);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
    throw new StudioError('INVALID_SPEC', `The model file ${shown} is not a valid model: ${message}.`);
  }
}

/** The model the options name: --spec, else --preset, else the Keras example with --units. */
export async function specFromOptions(options: ModelOptions): Promise<ModelSpec> {
  if (options.spec && options.preset) throw new StudioError('INVALID_SETTINGS', 'Give --preset or --spec, not both.');
  if (options.spec) return readSpecFile(options.spec);
  if (options.preset) {
    const preset = PRESETS.find((candidate) => candidate.id === options.preset);
    if (!preset)
      throw new StudioError(
        'INVALID_SETTINGS',
        `There is no preset "${options.preset}"; choose one of ${PRESET_IDS.join(', ')}.`,
      );
    return validateSpec(structuredClone(preset.spec));
  }
  return validateSpec(kerasExampleSpec(options.units));
}
