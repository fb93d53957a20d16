/**
 * `npm run runs`: the training runs kept in the data folder (from the app, `npm run train` and
 * sweeps). `list` prints one row per run, newest first; `show ID` prints one run's settings and
 * its epochs as Keras prints them. With --json, one JSON value on stdout.
 */
import path from 'node:path';
import { Command } from 'commander';
import { defaultDataHome } from '../engine/engine';
import { RunRecords } from '../engine/runs';
import type { EpochMetrics, RunRecord, RunSummary } from '../shared/contract';
import { layerNames } from '../shared/spec';
import { runCli } from './common';

const records = () => new RunRecords(path.join(defaultDataHome(), 'runs'));

const fixed = (value: number | undefined, digits = 4) => (value === undefined ? '-' : value.toFixed(digits));

function lastEpoch(run: RunSummary): EpochMetrics | undefined {
  return run.history.at(-1);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ')).join('\n');
}

function listTable(runs: RunSummary[]): string {
  const header = ['id', 'started', 'status', 'name', 'dataset', 'epochs', 'loss', 'acc', 'val_acc', 'test_acc', 'time'];
  const rows = runs.map((run) => {
    const last = lastEpoch(run);
    return [
      run.id,
      run.createdAt.slice(0, 16).replace('T', ' '),
      run.status,
      run.name,
      run.dataset.name,
      `${run.history.length}/${run.settings.epochs}`,
      fixed(last?.loss),
      fixed(last?.acc),
      fixed(last?.val_acc),
      fixed(run.test?.acc),
      `${run.seconds.toFixed(1)}s`,
    ];
  });
  return table([header, ...rows]);
}

function epochLine(metrics: EpochMetrics): string {
  const parts = [`Epoch ${metrics.epoch}/${metrics.epochs}`, `${metrics.seconds.toFixed(1)}s`];
  for (const key of ['loss', 'acc', 'val_loss', 'val_acc'] as const) {
    if (metrics[key] !== undefined) parts.push(`${key}: ${fixed(metrics[key])}`);
  }
  return parts.join(' - ');
}

function describe(run: RunRecord): string {
  const { spec, settings } = run;
  const names = layerNames(spec.layers);
  const lines = [
    `${run.name} (${run.id})`,
    `status: ${run.status}${run.error ? ` - ${run.error}` : ''}`,
    `started: ${run.createdAt}, last written: ${run.updatedAt}, from: ${run.source}${run.sweepId ? ` (sweep ${run.sweepId})` : ''}`,
    `model: ${run.preset ?? 'custom'}: ${names.join(' -> ')}, ${run.params.toLocaleString('en-US')} params`,
    `optimizer: ${spec.optimizer.name}, learning rate ${spec.optimizer.learningRate}`,
    `settings: ${settings.epochs} epochs, batch ${settings.batchSize}, validation split ${settings.validationSplit}, shuffle ${settings.shuffle}, seed ${settings.seed}${settings.trainLimit ? `, first ${settings.trainLimit} images` : ''}`,
    `dataset: ${run.dataset.name} (${run.trainSamples} training, ${run.validationSamples} validation images), backend: ${run.backend}`,
    `trained: ${run.samplesSeen.toLocaleString('en-US')} samples in ${run.seconds.toFixed(1)}s (${run.batches.length} batch-curve points kept)`,
    ...run.history.map(epochLine),
  ];
  if (run.test) lines.push(`test_loss: ${fixed(run.test.loss)} - test_acc: ${fixed(run.test.acc)}`);
  if (run.savedModels.length) lines.push(`saved models: ${run.savedModels.join(', ')}`);
  return lines.join('\n');
}

const program = new Command('runs').description('The training runs kept in the data folder.');

program
  .command('list')
  .description('one row per run, newest first')
  .option('--json', 'print the runs (without batch curves) as one JSON array', false)
  .action((options: { json: boolean }) =>
    runCli(async () => {
      const runs = await records().list();
      if (options.json) console.log(JSON.stringify(runs));
      else if (runs.length === 0) console.log(`No runs yet in ${records().directory}.`);
      else console.log(listTable(runs));
    }),
  );

program
  .command('show')
  .description("one run's settings, epochs and result")
  .argument('<id>', 'the run id, as `list` prints it')
  .option('--json', 'print the whole record (with its batch curve) as one JSON object', false)
  .action((id: string, options: { json: boolean }) =>
    runCli(async () => {
      const run = await records().get(id);
      console.log(options.json ? JSON.stringify(run) : describe(run));
    }),
  );

await program.parseAsync();
