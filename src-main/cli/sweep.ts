/**
 * `npm run sweep`: test accuracy against hidden units, the Keras example's closing question.
 * Prints a row per finished size; with --json the last line is one JSON object with the points.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { initBackend } from '../engine/backend';
import { defaultDataHome } from '../engine/engine';
import { loadDataset } from '../engine/dataset';
import { RunRecords } from '../engine/runs';
import { DEFAULT_SWEEP_UNITS, defaultSweepSettings, newSweepRecord, runSweep } from '../engine/sweep';
import { SweepRecords } from '../engine/sweep-records';
import { sweepSettingsSchema, type SweepPoint } from '../shared/contract';
import { fail, integerOption, runCli } from './common';

interface Options {
  units: number[];
  epochs: number;
  trainLimit?: number;
  seed: number;
  data?: string;
  resume?: string;
  json: boolean;
}

function unitsList(value: string): number[] {
  const units = value.split(',').map((part) => Number(part.trim()));
  if (units.length === 0 || units.some((u) => !Number.isInteger(u) || u < 1)) {
    throw new InvalidArgumentError('expected whole numbers separated by commas, e.g. 8,16,32.');
  }
  return units;
}

const options = new Command('sweep')
  .description('Train the Keras example once per hidden-layer size and plot test accuracy against units.')
  .option('--units <list>', 'hidden-layer sizes, comma-separated', unitsList, DEFAULT_SWEEP_UNITS)
  .option('--epochs <n>', 'epochs per run (5 like the example; 1 for a quick look)', integerOption, 5)
  .option('--train-limit <n>', 'train on the first N training images only', integerOption)
  .option('--seed <n>', 'seed shared by every run', integerOption, 42)
  .option('--data <dir>', 'folder with the four MNIST-format IDX files (default: the embedded MNIST)')
  .option('--resume <id>', 'finish an interrupted sweep saved in the app data folder')
  .option('--json', 'print one JSON object with the points as the last line', false)
  .parse()
  .opts<Options>();

const COLUMNS = ['units', 'params', 'test_acc', 'test_loss', 'seconds'];
const row = (cells: (string | number)[]) => cells.map((cell, i) => String(cell).padStart(i === 0 ? 6 : 10)).join(' ');
const pointRow = (p: SweepPoint) =>
  row([p.units, p.params.toLocaleString('en-US'), p.test_acc.toFixed(4), p.test_loss.toFixed(4), p.seconds.toFixed(1)]);

await runCli(async () => {
  const log = options.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
  const store = new SweepRecords(path.join(defaultDataHome(), 'experiments'));
  const runs = new RunRecords(path.join(defaultDataHome(), 'runs'));
  const backend = await initBackend();
  const dataset = await loadDataset(options.data ? { kind: 'folder', path: options.data } : { kind: 'builtin' });
  let record;
  if (options.resume) {
    record = await store.get(options.resume);
  } else {
    const parsed = sweepSettingsSchema.safeParse(
      defaultSweepSettings({
        units: options.units,
        epochs: options.epochs,
        seed: options.seed,
        trainLimit: options.trainLimit,
      }),
    );
    if (!parsed.success)
      fail(`Invalid sweep settings at ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}.`);
    record = newSweepRecord(parsed.data, dataset, backend.name);
  }
  log(
    `Sweep ${record.id}: units ${record.settings.units.join(', ')}, ${record.settings.epochs} epoch(s) each, on ${dataset.info.name} (${backend.name})`,
  );
  log(row(COLUMNS));
  record.points.forEach((point) => log(pointRow(point)));

  const bar = new cliProgress.SingleBar(
    {
      format: 'sweep [{bar}] {percentage}% - {units} units, epoch {epoch} - ETA: {eta_formatted}',
      stream: process.stderr,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.legacy,
  );
  const { id: sweepId, dataset: sweptOn } = record;
  const stopper = new AbortController();
  process.once('SIGINT', () => stopper.abort());
  const finished = await runSweep(record, dataset, {
    signal: stopper.signal,
    persist: (latest) => store.save(latest),
    startRun: (run) => runs.start({ ...run, dataset: sweptOn, backend: backend.name, sweepId }),
    onProgress: (progress) => {
      if (!bar.isActive) bar.start(100, 0, { units: progress.units, epoch: progress.epoch });
      bar.update(Math.round(progress.fraction * 100), { units: progress.units, epoch: progress.epoch });
    },
    onPoint: (point) => {
      bar.stop();
      log(pointRow(point));
    },
  });
  bar.stop();
  if (finished.status !== 'completed') log(`Stopped; resume with: npm run sweep -- --resume ${finished.id}`);
  if (options.json)
    console.log(
      JSON.stringify({
        id: finished.id,
        status: finished.status,
        backend: backend.name,
        settings: finished.settings,
        points: finished.points,
      }),
    );
});
