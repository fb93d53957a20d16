/**
 * Which loaded backend trains a given model: the one `npm run bench` measured faster for its
 * kind of model (its peers section trains both kinds on every backend, in one alternated run),
 * or the one a person asked for. Pure: the caller says what loaded.
 */
import type { TrainBackend } from '../shared/contract';
import type { BackendChoice, ModelSpec } from '../shared/spec';
import type { AccelerationMode } from './accel';
import type { BackendName } from './backend';

export type ModelKind = 'dense' | 'conv';
/** The ways the engine can train: the WebAssembly backend differs most by whether OpenBLAS runs. */
type Variant = 'wasm-openblas' | 'wasm' | 'tensorflow' | 'cpu';

/**
 * Training samples/s, batch 32, one epoch, on a 2-core AMD EPYC shared with other work (tfjs
 * 4.22, tfjs-node 4.22 on TensorFlow 2.21). Dense: `npm run bench -- --rounds 1 --samples 20000`
 * (peers section). Conv: `npm run train -- --preset small-cnn --epochs 1 --train-limit 10000
 * --backend wasm|tensorflow --json`, alternated twice; without the addon from the conv kernels'
 * no-addon route (1,600 images). Only the order matters here; the README lists the figures.
 */
export const MEASURED_SAMPLES_PER_SECOND: Record<ModelKind, Record<Variant, number>> = {
  // Keras example, Dense 512: the engine's OpenBLAS kernels; tfjs-node pays per-op overhead.
  // Without the addon (transposes + XNNPACK): 1,026 against tfjs-node's 5,232 in the same run.
  dense: { 'wasm-openblas': 45_940, tensorflow: 6_623, wasm: 1_026, cpu: 44 },
  // Small CNN preset: the engine's im2col + OpenBLAS conv kernels (5,632 / 5,202) against
  // TensorFlow's (2,271 / 2,607); without the addon XNNPACK products (~1,200).
  conv: { 'wasm-openblas': 5_417, tensorflow: 2_439, wasm: 1_209, cpu: 10 },
};

const VARIANT_LABEL: Record<Variant, string> = {
  'wasm-openblas': 'WebAssembly with the OpenBLAS kernels',
  wasm: 'WebAssembly without the OpenBLAS kernels',
  tensorflow: 'native TensorFlow',
  cpu: 'the JavaScript CPU backend',
};
const KIND_LABEL: Record<ModelKind, string> = { dense: 'dense models', conv: 'conv nets' };

export function modelKind(spec: ModelSpec): ModelKind {
  return spec.layers.some((layer) => layer.type === 'conv2d' || layer.type === 'maxPooling2d') ? 'conv' : 'dense';
}

function variantOf(name: BackendName, wasmAcceleration: AccelerationMode): Variant {
  if (name === 'wasm') return wasmAcceleration === 'openblas' ? 'wasm-openblas' : 'wasm';
  return name;
}

export interface ChoiceInput {
  spec: ModelSpec;
  requested: BackendChoice;
  /** Backends this engine loaded (more than one only in auto mode). */
  available: BackendName[];
  wasmAcceleration: AccelerationMode;
  /** MNIST_STUDIO_BACKEND, which pins the engine to one backend. */
  pinned?: BackendName;
}

/** The backend for one training run and why, in a sentence; throws a sentence when impossible. */
export function chooseTrainingBackend(input: ChoiceInput): TrainBackend | { error: string } {
  const { spec, requested, available, wasmAcceleration, pinned } = input;
  const kind = modelKind(spec);
  if (pinned) {
    if (requested !== 'auto' && requested !== pinned)
      return {
        error: `MNIST_STUDIO_BACKEND=${pinned} pins the engine to ${pinned}, so it cannot train on ${requested}.`,
      };
    return { name: pinned, reason: `MNIST_STUDIO_BACKEND=${pinned} pins the engine to it.` };
  }
  if (requested !== 'auto') {
    if (!available.includes(requested))
      return {
        error: `The ${requested} backend did not load in this engine; choose Auto or ${available.join(' or ')}.`,
      };
    return { name: requested, reason: 'Chosen in the training settings.' };
  }
  const measured = MEASURED_SAMPLES_PER_SECOND[kind];
  const ranked = [...available].sort(
    (a, b) => measured[variantOf(b, wasmAcceleration)] - measured[variantOf(a, wasmAcceleration)],
  );
  const [best, next] = ranked;
  if (!best) return { error: 'No tfjs backend loaded in this engine.' };
  if (!next) return { name: best, reason: `The only backend that loaded here.` };
  const [fast, slow] = [variantOf(best, wasmAcceleration), variantOf(next, wasmAcceleration)];
  const ratio = measured[fast] / measured[slow];
  return {
    name: best,
    reason: `Auto: ${VARIANT_LABEL[fast]} trains ${KIND_LABEL[kind]} ${ratio.toFixed(1)}x as fast as ${VARIANT_LABEL[slow]} (npm run bench: ${measured[fast].toLocaleString('en-US')} vs ${measured[slow].toLocaleString('en-US')} samples/s).`,
  };
}
