/**
 * The peers section of `npm run bench`: per model (the Keras example, the Small CNN preset), the
 * engine on each backend that loads (WebAssembly + its kernels, native TensorFlow via tfjs-node)
 * and the same model trained by the Keras example's own stack (Keras 3 on TensorFlow,
 * bench_keras.py) and by PyTorch (bench_torch.py: current 2.x and Debian's, where each imports),
 * alternated for --rounds and the best of each kept; then the engine's best / the best peer.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { accelConfigFromEnvironment, addMissingWasmKernels } from '../engine/accel';
import { accelerateWasm, activateBackend, trainingBackend, type BackendName } from '../engine/backend';
import { builtinMnistDirectory, type Dataset } from '../engine/dataset';
import { findPython } from '../engine/testing/python-peers';
import { buildModel } from '../engine/model';
import { evaluate } from '../engine/evaluate';
import { train } from '../engine/train';
import { kerasExampleSpec, smallCnnSpec, type ModelSpec } from '../shared/spec';

export type PeerModel = 'dense' | 'cnn';
export const PEER_MODELS: Record<PeerModel, { label: string; spec: () => ModelSpec }> = {
  dense: { label: 'Keras example (Dense 512)', spec: () => kerasExampleSpec() },
  cnn: { label: 'Small CNN preset', spec: smallCnnSpec },
};

export interface PeerBenchOptions {
  rounds: number;
  samples: Record<PeerModel, number>;
  /** A Python for Keras and PyTorch; default: findPython (MNIST_STUDIO_PYTHON, .venv-peers, python3). */
  python?: string;
  seed: number;
  log: (line: string) => void;
}

export interface PeerRow {
  model: PeerModel;
  who: string;
  kind: 'engine' | 'peer';
  samples: number;
  samplesPerSecond: number;
  testAccuracy: number;
  rounds: number[];
  detail?: string;
}

export interface PeerFigures {
  rows: PeerRow[];
  /** Per model: the engine's best backend, the best peer, and engine / peer (> 1: the engine is faster). */
  ratios: Partial<Record<PeerModel, { engine: string; peer: string; ratio: number }>>;
  /** Per model: the backend the engine's auto mode trains it on, and whether this run agrees. */
  auto: Partial<Record<PeerModel, { backend: string; measuredFastest?: string; agrees?: boolean }>>;
  skipped: Record<string, string>;
}

interface Runner {
  who: string;
  kind: PeerRow['kind'];
  run(model: PeerModel, samples: number, data: Dataset): Promise<Omit<PeerRow, 'model' | 'who' | 'kind' | 'rounds'>>;
}

const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));

async function onBackend(name: BackendName): Promise<void> {
  if (tf.findBackend(name)) {
    if (!(await tf.setBackend(name))) throw new Error(`tfjs could not switch to ${name}`);
  } else {
    await activateBackend(name);
  }
  if (name === 'wasm') {
    accelerateWasm({ ...accelConfigFromEnvironment(), mode: 'best' });
    addMissingWasmKernels();
  }
}

function engineRunner(backend: BackendName, who: string, seed: number): Runner & { backend: BackendName } {
  return {
    backend,
    who,
    kind: 'engine',
    async run(model, samples, data) {
      await onBackend(backend);
      const spec = PEER_MODELS[model].spec();
      const built = buildModel(spec, seed);
      const settings = { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, seed, trainLimit: samples };
      const result = await train(built, spec, data.train, settings);
      const { acc } = evaluate(built, spec, data.test);
      built.optimizer.dispose();
      built.dispose();
      return { samples: result.trainSamples, samplesPerSecond: result.samplesPerSecond, testAccuracy: acc };
    },
  };
}

function pythonRunner(who: string, python: string, script: string, seed: number, extra: string[] = []): Runner {
  return {
    who,
    kind: 'peer',
    async run(model, samples) {
      const args = [path.join(SCRIPTS, script), builtinMnistDirectory(), '--model', model];
      args.push('--samples', String(samples), '--seed', String(seed), ...extra);
      const child = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      const last = (child.stdout ?? '').trim().split('\n').pop() ?? '';
      let parsed: { error?: string; samples: number; samplesPerSecond: number; testAccuracy: number; blas?: string };
      try {
        parsed = JSON.parse(last);
      } catch {
        throw new Error(`${script} failed: ${(child.stderr ?? '').trim().split('\n').pop() ?? `exit ${child.status}`}`);
      }
      if (parsed.error) throw new Error(parsed.error);
      return { ...parsed, detail: parsed.blas ? `BLAS: ${parsed.blas}` : undefined };
    },
  };
}

function versionOf(python: string, module: string): string | undefined {
  const probe = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** Who takes part here: engine backends that load, and every Python peer that imports. */
async function runners(
  options: PeerBenchOptions,
  skipped: Record<string, string>,
): Promise<(Runner & { backend?: BackendName })[]> {
  const found: (Runner & { backend?: BackendName })[] = [];
  for (const [backend, who] of [
    ['wasm', 'engine: wasm + its kernels'],
    ['tensorflow', 'engine: native TensorFlow (tfjs-node)'],
  ] as const) {
    try {
      await onBackend(backend);
      found.push(engineRunner(backend, who, options.seed));
    } catch (error) {
      skipped[who] = error instanceof Error ? error.message : String(error);
    }
  }
  const keras = findPython(['keras', 'tensorflow'], options.python);
  if (keras.python) {
    const label = `Keras ${versionOf(keras.python, 'keras')} / TF ${versionOf(keras.python, 'tensorflow')}`;
    found.push(pythonRunner(label, keras.python, 'bench_keras.py', options.seed));
  } else skipped.Keras = 'reason' in keras ? keras.reason : 'no Python imports Keras';
  // Current PyTorch (the peers venv) and Debian's python3-torch, each where it imports.
  const torchPythons = new Map<string, string>();
  for (const python of [findPython(['torch'], options.python).python, '/usr/bin/python3']) {
    const version = python ? versionOf(python, 'torch') : undefined;
    if (python && version && !torchPythons.has(version)) torchPythons.set(version, python);
  }
  if (torchPythons.size === 0) skipped.PyTorch = 'no Python here imports torch (npm run setup:peers)';
  for (const [version, python] of torchPythons) {
    // One thread, as the engine's OpenBLAS: torch's thread pool spin-waits, and on a shared
    // 2-core machine two threads ran it 30x slower than one.
    found.push(
      pythonRunner(`PyTorch ${version}, 1 thread`, python, 'bench_torch.py', options.seed, ['--threads', '1']),
    );
  }
  return found;
}

export async function benchPeers(data: Dataset, options: PeerBenchOptions): Promise<PeerFigures> {
  const { log } = options;
  const startedOn = tf.getBackend() as BackendName;
  const skipped: Record<string, string> = {};
  const taking = await runners(options, skipped);
  const best = new Map<string, PeerRow>();
  log(`Peers per model (1 epoch, batch 32; best of ${options.rounds} alternated rounds):`);
  for (let round = 1; round <= Math.max(1, options.rounds); round++) {
    for (const model of Object.keys(PEER_MODELS) as PeerModel[]) {
      for (const runner of taking) {
        const key = `${model}|${runner.who}`;
        if (skipped[key]) continue;
        try {
          const figure = await runner.run(model, options.samples[model], data);
          const previous = best.get(key);
          const rounds = [...(previous?.rounds ?? []), figure.samplesPerSecond];
          if (!previous || figure.samplesPerSecond > previous.samplesPerSecond) {
            best.set(key, { model, who: runner.who, kind: runner.kind, ...figure, rounds });
          } else previous.rounds = rounds;
          log(
            `  ${`${PEER_MODELS[model].label}, ${runner.who} (round ${round})`.padEnd(72)} ${Math.round(figure.samplesPerSecond).toString().padStart(7)} samples/s, test acc ${figure.testAccuracy.toFixed(4)} (${figure.samples} images)`,
          );
        } catch (error) {
          skipped[key] = error instanceof Error ? error.message.split('\n')[0] : String(error);
          log(`  ${PEER_MODELS[model].label}, ${runner.who}: not measured (${skipped[key]})`);
        }
      }
    }
  }
  await onBackend(startedOn);

  const rows = [...best.values()];
  const ratios: PeerFigures['ratios'] = {};
  for (const model of Object.keys(PEER_MODELS) as PeerModel[]) {
    const fastest = (kind: PeerRow['kind']) =>
      rows
        .filter((row) => row.model === model && row.kind === kind)
        .sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0];
    const engine = fastest('engine');
    const peer = fastest('peer');
    if (!engine || !peer) continue;
    ratios[model] = { engine: engine.who, peer: peer.who, ratio: engine.samplesPerSecond / peer.samplesPerSecond };
    log(
      `${PEER_MODELS[model].label}: engine / best peer = ${ratios[model].ratio.toFixed(2)} (${engine.who} ${Math.round(engine.samplesPerSecond)} vs ${peer.who} ${Math.round(peer.samplesPerSecond)} samples/s)`,
    );
  }
  // What auto mode would do (backend-choice.ts, from figures like these) against this run.
  const auto: PeerFigures['auto'] = {};
  for (const model of Object.keys(PEER_MODELS) as PeerModel[]) {
    const chosen = await trainingBackend(PEER_MODELS[model].spec());
    const engines = taking.filter((runner) => runner.backend && best.has(`${model}|${runner.who}`));
    const fastest = engines.sort(
      (a, b) =>
        (best.get(`${model}|${b.who}`)?.samplesPerSecond ?? 0) - (best.get(`${model}|${a.who}`)?.samplesPerSecond ?? 0),
    )[0]?.backend;
    auto[model] = {
      backend: chosen.name,
      measuredFastest: fastest,
      agrees: fastest ? fastest === chosen.name : undefined,
    };
    const verdict =
      !fastest || engines.length < 2
        ? ''
        : fastest === chosen.name
          ? ', as measured here'
          : `, but ${fastest} was faster here`;
    log(`${PEER_MODELS[model].label}: auto trains it on ${chosen.name}${verdict}`);
  }
  return { rows, ratios, auto, skipped };
}
