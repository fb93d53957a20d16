/**
 * Picks the fastest tfjs backend that loads here: native TensorFlow (tfjs-node), then
 * WebAssembly, then plain JavaScript. Always reports which one runs and why. When a backend
 * starts, its accelerations (if it has any: ACCELERATORS) are installed with the switches of
 * accel/config.ts; they provide their training step to the seam in step.ts.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../shared/errors';
import type { BackendInfo } from '../shared/contract';
import {
  accelConfigFromEnvironment,
  addMissingWasmKernels,
  installWasmAcceleration,
  type AccelConfig,
  type AccelerationStatus,
  type Acceleration,
} from './accel';
import { trainingSteps } from './step';

export type BackendName = BackendInfo['name'];
const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
// Not named `require`: electron-vite's ESM shim declares a module-level `require` in the bundle.
const requireHere = createRequire(import.meta.url);

let starting: Promise<BackendInfo> | undefined;

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
  try {
    await import(NATIVE_PACKAGE);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const missing = /Cannot find (module|package)/.test(detail);
    throw new StudioError(
      'BACKEND_UNAVAILABLE',
      missing
        ? 'Native TensorFlow (@tensorflow/tfjs-node) is not installed; install it on a machine that can download libtensorflow for native speed.'
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
  const reasons: string[] = [];
  for (const name of pinned ? [pinned] : ORDER) {
    try {
      const added = await LOADERS[name]();
      // The descriptions say why a slower mode runs (e.g. "no OpenBLAS: <why>").
      const status = accelerate(name, config);
      const why = name === 'tensorflow' ? undefined : (reasons[0] ?? `Chosen with MNIST_STUDIO_BACKEND=${name}.`);
      return {
        name,
        native: name === 'tensorflow',
        tfjsVersion: tf.version.tfjs,
        reason: reasons.length > 1 ? reasons.join(' ') : why,
        accelerations: [...(status?.descriptions ?? []), ...added],
      };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (pinned) {
        throw new StudioError('BACKEND_UNAVAILABLE', `The forced backend "${name}" cannot load: ${message}`);
      }
      reasons.push(message);
    }
  }
  throw new StudioError('BACKEND_UNAVAILABLE', `No tfjs backend could load: ${reasons.join(' ')}`);
}
