/**
 * `npm run pad-eval`: trains a preset in-process through the engine's API, then reads the drawn
 * font digits (font-digits.ts) the way the Draw view does and reports how many it reads right,
 * per placement and font, with today's pen (relative to the ink) and the old fixed pad pen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Engine } from '../engine/engine';
import { INK_PEN_WIDTH, type PenWidth } from '../shared/drawing';
import { KERAS_EXAMPLE_SETTINGS, PRESETS } from '../shared/spec';
import { fail, integerOption, runCli } from './common';
import { fontDigits } from './font-digits';
import { formatTally, padAccuracy } from './pad-accuracy';

interface Options {
  preset: string;
  epochs: number;
  trainLimit?: number;
  variants: number;
  seed: number;
  augment?: boolean;
  json: boolean;
}

const options = new Command('pad-eval')
  .description('Train a preset, then measure how well it reads digits drawn from Hershey stroke fonts.')
  .option('--preset <id>', `model preset (${PRESETS.map((p) => p.id).join(', ')})`, 'keras-dense-512')
  .option('--epochs <n>', 'passes over the training data', integerOption, 1)
  .option('--train-limit <n>', 'train on the first N training images only', integerOption)
  .option('--variants <n>', 'drawings of each digit per font and placement', integerOption, 4)
  .option('--seed <n>', 'seed for weights and shuffling', integerOption, KERAS_EXAMPLE_SETTINGS.seed)
  .option('--augment', 'train with augmentation (default: as the preset says)')
  .option('--no-augment', 'train without augmentation')
  .option('--json', 'print one JSON object with the results as the last line', false)
  .parse()
  .opts<Options>();

const PENS: [string, PenWidth][] = [
  [`pen ${INK_PEN_WIDTH * 100}% of the ink (the pad)`, { ofInk: INK_PEN_WIDTH }],
  ['pen 7.5% of the pad (before)', { ofPad: 0.075 }],
];

await runCli(async () => {
  const preset = PRESETS.find((p) => p.id === options.preset);
  if (!preset) fail(`There is no preset "${options.preset}"; choose one of ${PRESETS.map((p) => p.id).join(', ')}.`);
  const home = await mkdtemp(path.join(os.tmpdir(), 'mnist-pad-eval-'));
  const engine = new Engine(home);
  const log = options.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
  try {
    const settings = {
      ...KERAS_EXAMPLE_SETTINGS,
      epochs: options.epochs,
      seed: options.seed,
      trainLimit: options.trainLimit,
      augment: options.augment ?? preset.augment,
    };
    log(`Training ${preset.name} for ${settings.epochs} epoch(s)${settings.augment ? ', augmented' : ''}…`);
    const fit = await engine.handle('model.fit', { spec: preset.spec, settings });
    const test = await engine.handle('model.evaluate', {});
    const backend = await engine.handle('engine.info', {});
    log(`${fit.history.length} epoch(s) on ${backend.name} - test_acc: ${test.acc.toFixed(4)}`);
    const digits = fontDigits(options.variants);
    const results = [];
    for (const [name, pen] of PENS) {
      const result = await padAccuracy(engine, digits, pen);
      results.push({ pen: name, ...result });
      log(`\n${name}: ${formatTally(result)}`);
      for (const [placement, tally] of Object.entries(result.byPlacement)) log(`  ${placement}: ${formatTally(tally)}`);
      for (const [font, tally] of Object.entries(result.byFont)) log(`  font ${font}: ${formatTally(tally)}`);
      log(
        `  misreads: ${result.misreads
          .slice(0, 8)
          .map(([pair, n]) => `${pair} x${n}`)
          .join(', ')}`,
      );
    }
    if (options.json)
      console.log(
        JSON.stringify({
          preset: preset.id,
          backend: backend.name,
          epochs: settings.epochs,
          testAccuracy: test.acc,
          results,
        }),
      );
  } finally {
    engine.dispose();
    await rm(home, { recursive: true, force: true });
  }
});
