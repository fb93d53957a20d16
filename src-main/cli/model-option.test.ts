/** `--preset` and `--spec`: every preset by id, spec files validated, every problem one sentence. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kerasExampleSpec, PRESETS, smallCnnSpec } from '../shared/spec';
import { specFromOptions } from './model-option';

const folder = mkdtempSync(path.join(tmpdir(), 'model-option-'));
const file = (name: string, text: string) => {
  const target = path.join(folder, name);
  writeFileSync(target, text);
  return target;
};

/** One sentence: one line, ending in a period, no stack. */
async function sentence(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message).toMatch(/\.$/);
  return message;
}

describe('specFromOptions', () => {
  it('builds every preset by its Model-view id, and the Keras example by default', async () => {
    for (const preset of PRESETS) expect(await specFromOptions({ preset: preset.id, units: 512 })).toEqual(preset.spec);
    expect(await specFromOptions({ units: 64 })).toEqual(kerasExampleSpec(64));
  });

  it('reads a ModelSpec JSON file', async () => {
    const spec = smallCnnSpec();
    expect(await specFromOptions({ spec: file('cnn.json', JSON.stringify(spec)), units: 512 })).toEqual(spec);
  });

  it('says in one sentence what is wrong with a preset id or a spec file', async () => {
    expect(await sentence(specFromOptions({ preset: 'nope', units: 512 }))).toContain('small-cnn');
    expect(await sentence(specFromOptions({ spec: path.join(folder, 'missing.json'), units: 512 }))).toContain(
      'does not exist',
    );
    expect(await sentence(specFromOptions({ spec: folder, units: 512 }))).toContain('is a folder');
    expect(await sentence(specFromOptions({ spec: file('bad.json', '{"layers": ['), units: 512 }))).toContain(
      'not valid JSON',
    );
    const noSoftmax = { ...kerasExampleSpec(), layers: [{ type: 'dense', units: 10, activation: 'relu' }] };
    expect(
      await sentence(specFromOptions({ spec: file('relu.json', JSON.stringify(noSoftmax)), units: 512 })),
    ).toContain('Dense(10, softmax)');
    const badField = { ...kerasExampleSpec(), layers: [{ type: 'dense', units: -3, activation: 'softmax' }] };
    expect(
      await sentence(specFromOptions({ spec: file('units.json', JSON.stringify(badField)), units: 512 })),
    ).toContain('not a valid model');
    expect(await sentence(specFromOptions({ spec: 'x.json', preset: 'small-cnn', units: 512 }))).toContain('not both');
  });
});
