/**
 * `npm run bench`: how fast the engine trains the Keras MNIST example, side by side with
 * PyTorch on the same machine, in one run. Measures training samples/s on every backend that
 * loads (the WebAssembly backend with each of its accelerations, the CPU backend on a small
 * sample count, native TensorFlow when installed), dataset load time, single-image predict
 * latency (p50/p99), peak RSS, and the same model/optimizer/batch/data trained by PyTorch
 * (bench_torch.py) with the ratio engine/PyTorch. `--json` prints the figures as the last line
 * and writes them to a file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { accelConfigFromEnvironment, type AccelerationMode } from '../engine/accel';
import { accelerateWasm, initBackend, wasmDirectory } from '../engine/backend';
import { builtinMnistDirectory, loadDataset, type Dataset } from '../engine/dataset';
import { evaluate } from '../engine/evaluate';
import { buildModel } from '../engine/model';
import { predict } from '../engine/predict';
import { train } from '../engine/train';
import { IMAGE_PIXELS, kerasExampleSpec, PRESETS, type ModelSpec, type TrainSettings } from '../shared/spec';
import { benchPeers, type PeerFigures } from './bench-peers';
import { describeMachine, quantile } from './bench-stats';
import { integerOption, runCli } from './common';

interface Options {
  epochs: number;
  samples: number;
  baselineSamples: number;
  cpuSamples: number;
  convSamples: number;
  predictRuns: number;
  rounds: number;
  python?: string;
  torch: boolean;
  peers: boolean;
  cnnSamples: number;
  json: boolean;
  out: string;
}

const options = new Command('bench')
  .description('Measure training speed, predict latency and memory of the engine, side by side with PyTorch.')
  .option('--epochs <n>', 'epochs for the accelerated engine run and for PyTorch', integerOption, 1)
  .option('--samples <n>', 'training images for the accelerated engine run and for PyTorch', integerOption, 60000)
  .option('--baseline-samples <n>', 'training images for the stock WebAssembly kernels (slow)', integerOption, 10000)
  .option('--cpu-samples <n>', 'training images for the CPU backend (very slow)', integerOption, 1000)
  .option(
    '--conv-samples <n>',
    'training images for each conv preset on the engine (0: skip the conv rows)',
    integerOption,
    10000,
  )
  .option('--predict-runs <n>', 'single-image predictions timed for p50/p99', integerOption, 500)
  .option(
    '--rounds <n>',
    'alternate engine and PyTorch runs this many times and keep the best of each',
    integerOption,
    3,
  )
  .option(
    '--python <path>',
    'Python with torch, and with Keras + TensorFlow for the peers (default: /usr/bin/python3 or python3 for torch; MNIST_STUDIO_PYTHON, .venv-peers, python3 for the peers)',
  )
  .option('--no-torch', 'skip the PyTorch comparison')
  .option('--no-peers', 'skip the per-model peers (engine backends, Keras, PyTorch 2.x and Debian)')
  .option('--cnn-samples <n>', 'training images for the Small CNN in the peers section', integerOption, 3200)
  .option('--json', 'print the figures as one JSON object on the last line and write them to --out', false)
  .option('--out <file>', 'where --json writes the figures', path.join('.bench', 'bench.json'))
  .parse()
  .opts<Options>();

interface TrainingFigure {
  name: string;
  backend: string;
  acceleration: AccelerationMode | 'n/a';
  samples: number;
  epochs: number;
  seconds: number;
  samplesPerSecond: number;
  testAccuracy: number;
  /** tf.memory().numTensors after training minus before (0: nothing leaked). */
  tensorsLeft: number;
}

interface TorchFigure {
  torch: string;
  blas: string;
  threads: number;
  samples: number;
  epochs: number;
  seconds: number;
  samplesPerSecond: number;
  testAccuracy: number;
  peakRssMb: number;
  python: string;
}

const log = options.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const SEED = 42;

async function useBackend(name: string): Promise<boolean> {
  if (name === 'wasm' && !tf.findBackend('wasm')) {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmDirectory());
    } catch {
      return false;
    }
  }
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

async function trainOnce(
  dataset: Dataset,
  name: string,
  acceleration: AccelerationMode | 'n/a',
  samples: number,
  epochs: number,
  spec: ModelSpec = kerasExampleSpec(),
): Promise<TrainingFigure> {
  const tensorsBefore = tf.memory().numTensors;
  const model = buildModel(spec, SEED);
  const settings: TrainSettings = {
    epochs,
    batchSize: 32,
    validationSplit: 0,
    shuffle: true,
    seed: SEED,
    trainLimit: samples,
  };
  const result = await train(model, spec, dataset.train, settings);
  const { acc } = evaluate(model, spec, dataset.test);
  model.optimizer.dispose();
  model.dispose();
  const figure: TrainingFigure = {
    name,
    backend: tf.getBackend(),
    acceleration,
    samples: result.trainSamples,
    epochs: result.epochsCompleted,
    seconds: result.seconds,
    samplesPerSecond: result.samplesPerSecond,
    testAccuracy: acc,
    tensorsLeft: tf.memory().numTensors - tensorsBefore,
  };
  log(
    `  ${name.padEnd(34)} ${Math.round(figure.samplesPerSecond).toString().padStart(7)} samples/s` +
      `  (${figure.samples} images x ${figure.epochs} epoch(s) in ${figure.seconds.toFixed(1)} s, test acc ${acc.toFixed(4)})`,
  );
  return figure;
}

/** p50/p99 of single-image predict on a freshly trained model (the Draw view's call). */
async function predictLatency(dataset: Dataset, runs: number): Promise<{ p50Ms: number; p99Ms: number; runs: number }> {
  const spec = kerasExampleSpec();
  const model = buildModel(spec, SEED);
  const image = Array.from(dataset.test.images.subarray(0, IMAGE_PIXELS), (pixel) => pixel / 255);
  for (let i = 0; i < 20; i++) predict(model, spec, [image]);
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    predict(model, spec, [image]);
    durations.push(performance.now() - started);
  }
  model.dispose();
  durations.sort((a, b) => a - b);
  return { p50Ms: quantile(durations, 0.5), p99Ms: quantile(durations, 0.99), runs };
}

function findPython(): { python?: string; reason?: string } {
  const candidates = options.python ? [options.python] : ['/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status === 0) return { python };
  }
  return { reason: `torch is not importable by ${candidates.join(' or ')} (apt-get install python3-torch)` };
}

function runTorch(python: string, samples: number, epochs: number): TorchFigure | { skipped: string } {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench_torch.py');
  const run = spawnSync(
    python,
    [script, builtinMnistDirectory(), '--samples', String(samples), '--epochs', String(epochs), '--seed', String(SEED)],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const lastLine = (run.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(lastLine) as TorchFigure | { error: string };
    if ('error' in parsed) return { skipped: parsed.error };
    return { ...parsed, python };
  } catch {
    const detail = (run.stderr ?? '').trim().split('\n').pop() ?? `exit code ${run.status}`;
    return { skipped: `the PyTorch script failed: ${detail}` };
  }
}

await runCli(async () => {
  const started = performance.now();
  const backend = await initBackend();
  const machine = describeMachine();
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, Node ${machine.node}`);
  log(
    `Engine backend at start: ${backend.name}${backend.accelerations.length ? ` (${backend.accelerations.join('; ')})` : ''}`,
  );

  const dataset = await loadDataset();
  const datasetLoadMs = dataset.info.loadMs;
  log(`Dataset ${dataset.info.name} loaded in ${Math.round(datasetLoadMs)} ms`);

  const training: TrainingFigure[] = [];
  const skipped: Record<string, string> = {};
  log('Training the Keras example (Dense 512 relu -> Dense 10 softmax, RMSprop 0.001, batch 32):');

  // 1. The engine as shipped on this machine and PyTorch, alternating, best of --rounds each:
  //    other processes on a small machine slow single runs down by up to 3x.
  let engine: TrainingFigure | undefined;
  const engineRounds: number[] = [];
  const torchRounds: number[] = [];
  let peakRssTrainingMb = 0;
  let latency: Awaited<ReturnType<typeof predictLatency>> | undefined;
  let torch: TorchFigure | { skipped: string } = { skipped: 'switched off with --no-torch' };
  const { python, reason: noTorchReason } = options.torch ? findPython() : { python: undefined, reason: undefined };
  if (options.torch && !python) torch = { skipped: noTorchReason ?? 'no Python with torch' };
  const wasmLoaded = await useBackend('wasm');
  if (!wasmLoaded) skipped.wasm = 'the WebAssembly backend did not load';
  // The switches as this process was started with; the comparisons below change one each.
  const config = accelConfigFromEnvironment();
  const status = wasmLoaded ? accelerateWasm({ ...config, mode: 'best' }) : undefined;
  if (status && status.mode !== 'openblas' && status.reason) skipped['wasm + OpenBLAS kernels'] = status.reason;
  for (let round = 1; round <= Math.max(1, options.rounds); round++) {
    if (status) {
      const label = status.mode === 'openblas' ? 'wasm + OpenBLAS kernels' : 'wasm + transpose/XNNPACK kernels';
      const figure = await trainOnce(
        dataset,
        `${label} (round ${round})`,
        status.mode,
        options.samples,
        options.epochs,
      );
      engineRounds.push(figure.samplesPerSecond);
      if (!engine || figure.samplesPerSecond > engine.samplesPerSecond) engine = { ...figure, name: label };
      peakRssTrainingMb = Math.max(peakRssTrainingMb, peakRssMb());
    }
    if (python) {
      const run = runTorch(python, options.samples, options.epochs);
      if ('skipped' in run) {
        torch = run;
        log(`  PyTorch: skipped (${run.skipped})`);
      } else {
        torchRounds.push(run.samplesPerSecond);
        if ('skipped' in torch || run.samplesPerSecond > torch.samplesPerSecond) torch = run;
        log(
          `  ${`PyTorch ${run.torch}, ${run.threads} thread(s) (round ${round})`.padEnd(34)} ${Math.round(
            run.samplesPerSecond,
          )
            .toString()
            .padStart(
              7,
            )} samples/s  (${run.samples} images x ${run.epochs} epoch(s) in ${run.seconds.toFixed(1)} s, test acc ${run.testAccuracy.toFixed(4)})`,
        );
      }
    }
  }
  // Conv presets (Small CNN, Keras convnet) on the engine, batch 32, after the Dense rounds.
  // Hook for the peers: Keras/PyTorch conv rows for the same presets, batch and sample count
  // belong in `convRows` beside these (one alternated run, best of --rounds each).
  const convRows: TrainingFigure[] = [];
  const convPresets = PRESETS.filter((preset) => preset.spec.layers.some((layer) => layer.type === 'conv2d'));
  if (status && options.convSamples > 0) {
    log('Training the conv presets (batch 32):');
    for (const preset of convPresets) {
      let best: TrainingFigure | undefined;
      for (let round = 1; round <= Math.max(1, options.rounds); round++) {
        const figure = await trainOnce(
          dataset,
          `${preset.name} (round ${round})`,
          status.mode,
          options.convSamples,
          1,
          preset.spec,
        );
        if (!best || figure.samplesPerSecond > best.samplesPerSecond) best = { ...figure, name: preset.name };
      }
      convRows.push(best!);
    }
    accelerateWasm({ ...config, mode: 'none' });
    for (const preset of convPresets)
      convRows.push(await trainOnce(dataset, `${preset.name}, stock wasm kernels`, 'none', 320, 1, preset.spec));
    accelerateWasm({ ...config, mode: 'best' });
  }
  if ('skipped' in torch) log(`  PyTorch: skipped (${torch.skipped})`);
  else log(`  PyTorch BLAS: ${torch.blas}`);
  if (status) latency = await predictLatency(dataset, options.predictRuns);

  // 2. The other ways the engine can run, for comparison.
  if (engine) {
    training.push(engine);
    if (engine.acceleration === 'openblas') {
      // The same kernels without skipping the inputs' zeros (what a dense dataset would see).
      accelerateWasm({ ...config, mode: 'best', sparse: false });
      training.push(
        await trainOnce(dataset, 'wasm + OpenBLAS, zeros not skipped', 'openblas', options.samples, options.epochs),
      );
      accelerateWasm({ ...config, mode: 'wasm-transpose' });
      training.push(await trainOnce(dataset, 'wasm + transpose/XNNPACK kernels', 'wasm-transpose', options.samples, 1));
    }
    accelerateWasm({ ...config, mode: 'none' });
    training.push(await trainOnce(dataset, 'wasm, stock kernels', 'none', options.baselineSamples, 1));
    accelerateWasm({ ...config, mode: 'best' });
  }
  if (await useBackend('cpu'))
    training.push(await trainOnce(dataset, 'cpu (JavaScript)', 'n/a', options.cpuSamples, 1));
  else skipped.cpu = 'the CPU backend did not load';
  if (backend.available.includes('tensorflow') && (await useBackend('tensorflow'))) {
    training.push(await trainOnce(dataset, 'tensorflow (native)', 'n/a', options.samples, options.epochs));
  } else if (!backend.available.includes('tensorflow')) {
    skipped.tensorflow = backend.reason ?? 'tfjs-node is not installed';
  }
  await useBackend(backend.name);

  // 3. Per model, the engine on each backend beside Keras and PyTorch (bench-peers.ts).
  let peers: PeerFigures | undefined;
  if (options.peers) {
    const samples = { dense: options.samples, cnn: options.cnnSamples };
    peers = await benchPeers(dataset, { rounds: options.rounds, samples, python: options.python, seed: SEED, log });
  }

  const ratio = engine && !('skipped' in torch) ? engine.samplesPerSecond / torch.samplesPerSecond : undefined;
  const figures = {
    machine,
    tfjs: tf.version.tfjs,
    datasetLoadMs,
    engine: engine ? { ...engine, blas: status?.blas, rounds: engineRounds } : undefined,
    torch: 'skipped' in torch ? torch : { ...torch, rounds: torchRounds },
    ratioEngineToTorch: ratio,
    peers,
    training,
    conv: convRows,
    skipped,
    predict: latency,
    peakRssMb: { afterFullTraining: peakRssTrainingMb, wholeBench: peakRssMb() },
    seconds: (performance.now() - started) / 1000,
  };

  log('');
  if (latency)
    log(
      `Single-image predict: p50 ${latency.p50Ms.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms (${latency.runs} runs)`,
    );
  log(
    `Peak RSS: ${Math.round(peakRssTrainingMb)} MB after full training; ${Math.round(figures.peakRssMb.wholeBench)} MB for the whole bench`,
  );
  for (const [what, why] of Object.entries(skipped)) log(`Not measured: ${what}: ${why}`);
  if (ratio !== undefined && engine && !('skipped' in torch)) {
    log(
      `Engine / PyTorch: ${ratio.toFixed(2)} (best of ${engineRounds.length}: ${Math.round(engine.samplesPerSecond)} vs ${Math.round(torch.samplesPerSecond)} samples/s)`,
    );
  }

  if (options.json) {
    const out = path.resolve(options.out);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
    log(`Figures written to ${out}`);
    console.log(JSON.stringify(figures));
  }
});
