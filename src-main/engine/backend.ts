/**
 * Picks the fastest tfjs backend that loads here: native TensorFlow (tfjs-node), then
 * WebAssembly, then plain JavaScript. Always reports which one runs and why.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../shared/errors';
import type { BackendInfo } from '../shared/contract';
import { accelerateWasmBackend } from './accel';
import { addMissingWasmKernels } from './missing-kernels';

export type BackendName = BackendInfo['name'];
const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
// Not named `require`: electron-vite's ESM shim declares a module-level `require` in the bundle.
const requireHere = createRequire(import.meta.url);

let active: BackendInfo | undefined;
let starting: Promise<BackendInfo> | undefined;
const accelerations: string[] = [];

/** Registers a speed-up the engine installed on the active backend, so the UI can show it. */
export function noteAcceleration(description: string): void {
  accelerations.push(description);
  if (active) active.accelerations = [...accelerations];
}

/** The .wasm files live next to the package's main file; inside an Electron asar they are unpacked. */
export function wasmDirectory(): string {
  const main = requireHere.resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1') + path.sep;
}

/** A variable specifier: tfjs-node is optional, so neither tsc nor the bundler may require it. */
const NATIVE_PACKAGE = '@tensorflow/tfjs-node';

async function loadNative(): Promise<void> {
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
}

async function loadWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmDirectory());
  if (!(await tf.setBackend('wasm'))) {
    throw new StudioError(
      'BACKEND_UNAVAILABLE',
      `The WebAssembly backend failed to initialise from ${wasmDirectory()}.`,
    );
  }
  // Faster matrix products (OpenBLAS addon, else transpose + XNNPACK); see accel/index.ts.
  for (const description of accelerateWasmBackend().descriptions) noteAcceleration(description);
  for (const description of addMissingWasmKernels()) noteAcceleration(description);
}

async function loadCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) {
    throw new StudioError('BACKEND_UNAVAILABLE', 'The JavaScript CPU backend failed to initialise.');
  }
  // Its first use in Node prints a banner recommending tfjs-node; the backend info already says why.
  (tf.backend() as tf.KernelBackend & { firstUse?: boolean }).firstUse = false;
}

const LOADERS: Record<BackendName, () => Promise<void>> = { tensorflow: loadNative, wasm: loadWasm, cpu: loadCpu };

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
export function initBackend(forced = process.env.MNIST_STUDIO_BACKEND): Promise<BackendInfo> {
  // One start-up per process: concurrent callers share it instead of racing two backends.
  starting ??= startBackend(forced).catch((error: unknown) => {
    starting = undefined;
    throw error;
  });
  return starting;
}

async function startBackend(forced: string | undefined): Promise<BackendInfo> {
  const pinned = parseForced(forced);
  const reasons: string[] = [];
  for (const name of pinned ? [pinned] : ORDER) {
    try {
      await LOADERS[name]();
      loadedHere.add(name);
      active = {
        name,
        native: name === 'tensorflow',
        tfjsVersion: tf.version.tfjs,
        reason: name === 'tensorflow' ? undefined : (reasons[0] ?? `Chosen with MNIST_STUDIO_BACKEND=${name}.`),
        accelerations: [...accelerations],
      };
      if (reasons.length > 1) active.reason = reasons.join(' ');
      return active;
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

export function backendInfo(): BackendInfo | undefined {
  return active;
}

const loadedHere = new Set<BackendName>();

/**
 * Makes `name` tfjs' global backend, loading it first if this process has not yet (the
 * accelerations a loader installs are installed once). Tensors made on another backend move
 * when they are read. Throws BACKEND_UNAVAILABLE, in words, when it cannot load.
 */
export async function activateBackend(name: BackendName): Promise<void> {
  if (active?.name === name || loadedHere.has(name)) {
    if (tf.getBackend() === name || (await tf.setBackend(name))) return;
  }
  await LOADERS[name]();
  loadedHere.add(name);
}
