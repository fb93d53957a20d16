/**
 * Loads the tfjs backends that load here: native TensorFlow (tfjs-node) and WebAssembly, plain
 * JavaScript only when neither does. Each training runs on the one measured faster for its
 * model (backend-choice.ts) unless a person picks one. Always reports which one runs and why. When a backend
 * starts, its accelerations (if it has any: ACCELERATORS) are installed with the switches of
 * accel/config.ts; they provide their training step to the seam in step.ts.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../shared/errors';
import type { BackendInfo, TrainBackend } from '../shared/contract';
import { kerasExampleSpec, smallCnnSpec, type BackendChoice, type ModelSpec } from '../shared/spec';
import {
  accelConfigFromEnvironment,
  addMissingWasmKernels,
  installWasmAcceleration,
  type AccelConfig,
  type AccelerationMode,
  type AccelerationStatus,
  type Acceleration,
} from './accel';
import { chooseTrainingBackend } from './backend-choice';
import { trainingSteps } from './step';

export type BackendName = BackendInfo['name'];
const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
// Not named `require`: electron-vite's ESM shim declares a module-level `require` in the bundle.
const requireHere = createRequire(import.meta.url);

let starting: Promise<BackendInfo> | undefined;
let pinnedHere: BackendName | undefined;
/** Backends started in this process (auto mode starts native TensorFlow and WebAssembly both). */
const loadedHere = new Set<BackendName>();

/** A backend's installed speed-ups: what they are (for BackendInfo) and how to take them out. */
type BackendAcceleration = Acceleration;

/** The backends that have accelerations, and how each installs them. */
const ACCELERATORS: Partial<Record<BackendName, (config: AccelConfig) => BackendAcceleration>> = {
  wasm: (config) => installWasmAcceleration(config, trainingSteps),
};

/** What is installed now, per backend (one at a time: tfjs' kernels are per process). */
const installed = new Map<BackendName, BackendAcceleration>();

function accelerate(name: BackendName, config: AccelConfig): AccelerationStatus | undefined {
  installed.get(name)?.remove();
  installed.delete(name);
  const install = ACCELERATORS[name];
  if (!install) return undefined;
  const acceleration = install(config);
  installed.set(name, acceleration);
  return acceleration.status;
}

/**
 * Replaces the WebAssembly backend's accelerations with those `config` asks for (the
 * benchmark and the tests compare settings in one process this way).
 */
export function accelerateWasm(config: AccelConfig): AccelerationStatus {
  return accelerate('wasm', config) as AccelerationStatus;
}

/** The .wasm files live next to the package's main file; inside an Electron asar they are unpacked. */
export function wasmDirectory(): string {
  const main = requireHere.resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1') + path.sep;
}

/** A variable specifier: tfjs-node is optional, so neither tsc nor the bundler may require it. */
const NATIVE_PACKAGE = '@tensorflow/tfjs-node';

async function loadNative(): Promise<string[]> {
  // TensorFlow's own start-up chatter (CPU features it was not built for) on stderr; warnings stay.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  try {
    await import(NATIVE_PACKAGE);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const missing = /Cannot find (module|package) '@tensorflow\/tfjs-node'/.test(detail);
    throw new StudioError(
      'BACKEND_UNAVAILABLE',
      missing
        ? 'Native TensorFlow (@tensorflow/tfjs-node) is not installed; `npm install` gets it where libtensorflow can be downloaded, `npm run setup:native` builds it where not.'
        : `Native TensorFlow (@tensorflow/tfjs-node) failed to load: ${detail}.`,
    );
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new StudioError('BACKEND_UNAVAILABLE', 'Native TensorFlow loaded but its backend failed to initialise.');
  }
  return [];
}

async function loadWasm(): Promise<string[]> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmDirectory());
  if (!(await tf.setBackend('wasm'))) {
    throw new StudioError(
      'BACKEND_UNAVAILABLE',
      `The WebAssembly backend failed to initialise from ${wasmDirectory()}.`,
    );
  }
  return addMissingWasmKernels();
}

async function loadCpu(): Promise<string[]> {
  if (!(await tf.setBackend('cpu'))) {
    throw new StudioError('BACKEND_UNAVAILABLE', 'The JavaScript CPU backend failed to initialise.');
  }
  // Its first use in Node prints a banner recommending tfjs-node; the backend info already says why.
  (tf.backend() as tf.KernelBackend & { firstUse?: boolean }).firstUse = false;
  return [];
}

/** Each backend's start: resolves with the kernels it had to add (descriptions), or throws why it cannot run. */
const LOADERS: Record<BackendName, () => Promise<string[]>> = { tensorflow: loadNative, wasm: loadWasm, cpu: loadCpu };

function parseForced(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((ORDER as string[]).includes(value)) return value as BackendName;
  throw new StudioError(
    'BACKEND_UNAVAILABLE',
    `MNIST_STUDIO_BACKEND="${value}" is not a backend; use tensorflow, wasm or cpu.`,
  );
}

/**
 * Initialises tfjs once per process. `MNIST_STUDIO_BACKEND` (or `forced`) pins one backend and
 * fails loudly when that one cannot load; otherwise the first that loads wins.
 */
export function initBackend(
  forced = process.env.MNIST_STUDIO_BACKEND,
  config: AccelConfig = accelConfigFromEnvironment(),
): Promise<BackendInfo> {
  // One start-up per process: concurrent callers share it instead of racing two backends.
  starting ??= startBackend(forced, config).catch((error: unknown) => {
    starting = undefined;
    throw error;
  });
  return starting;
}

async function startBackend(forced: string | undefined, config: AccelConfig): Promise<BackendInfo> {
  const pinned = parseForced(forced);
  pinnedHere = pinned;
  const reasons: string[] = [];
  const loaded: BackendName[] = [];
  const added: string[] = [];
  for (const name of pinned ? [pinned] : ORDER) {
    // Auto starts native TensorFlow and WebAssembly both (each training picks one); CPU only
    // when neither starts.
    if (name === 'cpu' && loaded.length > 0) break;
    try {
      added.push(...(await LOADERS[name]()));
      // The descriptions say why a slower mode runs (e.g. "no OpenBLAS: <why>").
      added.unshift(...(accelerate(name, config)?.descriptions ?? []));
      loadedHere.add(name);
      loaded.push(name);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (pinned) {
        throw new StudioError('BACKEND_UNAVAILABLE', `The forced backend "${name}" cannot load: ${message}`);
      }
      reasons.push(message);
    }
  }
  if (loaded.length === 0) {
    throw new StudioError('BACKEND_UNAVAILABLE', `No tfjs backend could load: ${reasons.join(' ')}`);
  }
  // tfjs' global backend between runs: the one the Keras example trains on.
  const standard = choose(kerasExampleSpec(), 'auto', loaded);
  await tf.setBackend(standard.name);
  let reason: string | undefined;
  if (pinned) reason = pinned === 'tensorflow' ? undefined : `Chosen with MNIST_STUDIO_BACKEND=${pinned}.`;
  else if (loaded.length > 1) {
    const conv = choose(smallCnnSpec(), 'auto', loaded);
    reason = `Native TensorFlow and WebAssembly both loaded; each training runs on the one measured faster for its model: dense models on ${standard.name}, conv nets on ${conv.name}.`;
  } else if (reasons.length > 0) reason = reasons.join(' ');
  return {
    name: standard.name,
    native: standard.name === 'tensorflow',
    tfjsVersion: tf.version.tfjs,
    reason,
    accelerations: added,
    available: loaded,
  };
}

/** How the WebAssembly backend runs now: with the OpenBLAS kernels, without, or stock. */
export function wasmAccelerationMode(): AccelerationMode {
  return installed.get('wasm')?.status.mode ?? 'none';
}

function choose(spec: ModelSpec, requested: BackendChoice, available: BackendName[]): TrainBackend {
  const wasmAcceleration = wasmAccelerationMode();
  const choice = chooseTrainingBackend({ spec, requested, available, wasmAcceleration, pinned: pinnedHere });
  if ('error' in choice) throw new StudioError('BACKEND_UNAVAILABLE', choice.error);
  return choice;
}

/**
 * The backend one training run of `spec` uses (see backend-choice.ts) and why; the model then
 * lives there, so its predictions and evaluations run there too (withBackend).
 */
export async function trainingBackend(spec: ModelSpec, requested: BackendChoice = 'auto'): Promise<TrainBackend> {
  const info = await initBackend();
  return choose(spec, requested, info.available);
}

/**
 * Makes `name` tfjs' global backend, starting it (with its accelerations) if this process has
 * not yet. Tensors made on another backend move when they are read. Throws
 * BACKEND_UNAVAILABLE, in words, when it cannot load.
 */
export async function activateBackend(
  name: BackendName,
  config: AccelConfig = accelConfigFromEnvironment(),
): Promise<void> {
  if (loadedHere.has(name)) {
    if (tf.getBackend() === name || (await tf.setBackend(name))) return;
  }
  await LOADERS[name]();
  accelerate(name, config);
  loadedHere.add(name);
}

/**
 * Runs `work` with `name` as tfjs' global backend and puts the previous one back, synchronously:
 * nothing else (a training run between its batches) can see the switch. The backend must have
 * started (initBackend); switching to a started backend does not wait.
 */
export function withBackend<T>(name: BackendName, work: () => T): T {
  const previous = tf.getBackend();
  if (previous === name) return work();
  if (!loadedHere.has(name))
    throw new StudioError('BACKEND_UNAVAILABLE', `The ${name} backend did not load in this engine.`);
  void tf.setBackend(name);
  try {
    return work();
  } finally {
    void tf.setBackend(previous);
  }
}
