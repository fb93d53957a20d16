/**
 * `npm run train`: the Keras MNIST example without a window. Defaults are the example's:
 * Dense(512, relu) -> Dense(10, softmax), RMSprop, 5 epochs, batch 32, full MNIST.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { activateBackend, initBackend, trainingBackend } from '../engine/backend';
import { loadDataset } from '../engine/dataset';
import { evaluate } from '../engine/evaluate';
import { buildModel, formatSummary, summarizeModel } from '../engine/model';
import { defaultDataHome } from '../engine/engine';
import { kerasFormatOf } from '../engine/keras/keras-file';
import { writeKerasFile, writeModelFolder } from '../engine/model-files';
import { RunRecords, trainRecorded } from '../engine/runs';
import type { EpochMetrics } from '../shared/contract';
import { KERAS_EXAMPLE_SETTINGS, settingsIssues, trainSettingsSchema } from '../shared/spec';
import { fail, integerOption, runCli } from './common';
import { PRESET_IDS, specFromOptions } from './model-option';

interface Options {
  epochs: number;
  batchSize: number;
  units: number;
  trainLimit?: number;
  validationSplit: number;
  data?: string;
  out?: string;
  seed: number;
  backend: string;
  augment: boolean;
  json: boolean;
  preset?: string;
  spec?: string;
}

const options = new Command('train')
  .description('Train the Keras MNIST example (Dense 512 -> Dense 10, RMSprop) and evaluate it on the test set.')
  .option('--epochs <n>', 'passes over the training data', integerOption, KERAS_EXAMPLE_SETTINGS.epochs)
  .option('--batch-size <n>', 'examples per gradient step', integerOption, KERAS_EXAMPLE_SETTINGS.batchSize)
  .option('--units <n>', 'hidden units in the Dense layer', integerOption, 512)
  .option('--preset <id>', `train a preset of the Model view instead (${PRESET_IDS.join(', ')})`)
  .option('--spec <file>', 'train the model in a ModelSpec JSON file instead')
  .option('--train-limit <n>', 'train on the first N training images only', integerOption)
  .option('--validation-split <f>', 'fraction of training images held out for val_loss/val_acc', Number, 0)
  .option('--data <dir>', 'folder with the four MNIST-format IDX files (default: the embedded MNIST)')
  .option('--out <path>', 'save the trained model: FILE.keras or FILE.h5 for Keras, else a TF.js folder')
  .option('--seed <n>', 'seed for weights and shuffling', integerOption, KERAS_EXAMPLE_SETTINGS.seed)
  .option(
    '--backend <name>',
    'auto (the backend npm run bench measured faster for this model), tensorflow or wasm',
    'auto',
  )
  .option('--augment', 'redraw each training image every epoch (shift, rotation, scale, stroke width)', false)
  .option('--json', 'print one JSON object with the results as the last line', false)
  .parse()
  .opts<Options>();

function kerasLine(metrics: EpochMetrics, batches: number): string {
  const parts = [
    `${batches}/${batches}`,
    `${Math.round(metrics.seconds)}s`,
    `loss: ${metrics.loss.toFixed(4)}`,
    `acc: ${metrics.acc.toFixed(4)}`,
  ];
  if (metrics.val_loss !== undefined) parts.push(`val_loss: ${metrics.val_loss.toFixed(4)}`);
  if (metrics.val_acc !== undefined) parts.push(`val_acc: ${metrics.val_acc.toFixed(4)}`);
  parts.push(`${Math.round(metrics.samplesPerSecond)} samples/s`);
  return parts.join(' - ');
}

await runCli(async () => {
  const requested = {
    ...KERAS_EXAMPLE_SETTINGS,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    validationSplit: options.validationSplit,
    trainLimit: options.trainLimit,
    backend: options.backend,
    augment: options.augment,
  };
  const problem = Object.values(settingsIssues(requested))[0];
  if (problem) fail(problem);
  const settings = trainSettingsSchema.parse(requested);
  const spec = await specFromOptions(options);
  // Human progress goes to stderr in --json mode so stdout stays machine-readable.
  const log = options.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);

  const engine = await initBackend();
  const backend = await trainingBackend(spec, settings.backend);
  await activateBackend(backend.name);
  const accelerations = backend.name === 'wasm' ? engine.accelerations : [];
  const dataset = await loadDataset(options.data ? { kind: 'folder', path: options.data } : { kind: 'builtin' });
  log(
    `Dataset ${dataset.info.name}: ${dataset.info.train.count} training and ${dataset.info.test.count} test images (loaded in ${Math.round(dataset.info.loadMs)} ms)`,
  );
  const model = buildModel(spec, settings.seed);
  const summary = summarizeModel(model);
  log(formatSummary(summary));

  const bar = new cliProgress.SingleBar(
    {
      format: '{value}/{total} [{bar}] - ETA: {eta_formatted} - loss: {loss} - acc: {acc}',
      barsize: 30,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.legacy,
  );
  let batches = 0;
  let epochShown = 0;
  const identity = { id: dataset.info.id, name: dataset.info.name };
  const runs = new RunRecords(path.join(defaultDataHome(), 'runs'));
  const params = summary.totalParams;
  const run = await runs.start({ spec, settings, params, dataset: identity, backend: backend.name, source: 'cli' });
  const result = await trainRecorded(run, model, spec, dataset.train, settings, {
    onBegin: (info) => (batches = info.batches),
    onBatch: (metrics) => {
      if (metrics.epoch !== epochShown) {
        epochShown = metrics.epoch;
        log(`Epoch ${metrics.epoch}/${metrics.epochs}`);
        bar.start(metrics.batches, 0, { loss: '-', acc: '-' });
      }
      bar.update(metrics.batch, { loss: metrics.loss.toFixed(4), acc: metrics.acc.toFixed(4) });
    },
    onEpoch: (metrics) => {
      bar.stop();
      log(kerasLine(metrics, batches));
    },
  }).catch(async (error: unknown) => {
    await run.fail(error);
    throw error;
  });

  const test = evaluate(model, spec, dataset.test);
  await run.finish(result, test);
  log(`test_loss: ${test.loss.toFixed(4)} - test_acc: ${test.acc.toFixed(4)}`);
  log(`Backend: ${backend.name} (${backend.reason})`);
  if (engine.available.length === 1 && engine.reason && !process.env.MNIST_STUDIO_BACKEND) log(engine.reason);
  if (accelerations.length) log(`Accelerations: ${accelerations.join('; ')}`);
  log(`Recorded as run ${run.id} (npm run runs -- show ${run.id})`);

  const kerasFormat = options.out ? kerasFormatOf(options.out) : undefined;
  if (options.out && kerasFormat) {
    const file = path.resolve(options.out);
    await writeKerasFile(file, model, spec, kerasFormat);
    log(`Saved the model to ${file}`);
  } else if (options.out) {
    const folder = path.resolve(options.out);
    await writeModelFolder(folder, model, {
      id: path.basename(folder),
      name: path.basename(folder),
      createdAt: new Date().toISOString(),
      spec,
      settings,
      params: summary.totalParams,
      dataset: { id: dataset.info.id, name: dataset.info.name },
      backend: backend.name,
      history: result.history,
      test: { loss: test.loss, acc: test.acc },
      runId: run.id,
    });
    log(`Saved the model to ${folder}`);
  }

  if (options.json) {
    console.log(
      JSON.stringify({
        backend: backend.name,
        backendReason: backend.reason,
        native: backend.name === 'tensorflow',
        accelerations,
        params: summary.totalParams,
        epochs: result.epochsCompleted,
        batchSize: settings.batchSize,
        trainSamples: result.trainSamples,
        testAccuracy: test.acc,
        testLoss: test.loss,
        samplesPerSecond: result.samplesPerSecond,
        seconds: result.seconds,
        history: result.history,
      }),
    );
  }
});
