/**
 * Both directions against the real Keras 3 (found like the benchmark finds its peers): models
 * trained here open in `keras.saving.load_model` with the same predictions and the same evaluate;
 * the Keras example and a convnet trained and saved by Keras open here with the same predictions.
 * Without Keras the tests skip and say why; with MNIST_STUDIO_REQUIRE_PEERS=1 (CI) they fail.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluation } from '../../shared/contract';
import {
  KERAS_EXAMPLE_SETTINGS,
  NUM_CLASSES,
  inputShapeFor,
  kerasExampleSpec,
  type ModelSpec,
} from '../../shared/spec';
import { initBackend } from '../backend';
import { Batcher, builtinMnistDirectory, loadDataset, type Dataset } from '../dataset';
import { evaluate } from '../evaluate';
import type { LabelledImages } from '../idx';
import { buildModel } from '../model';
import { findPython, peersRequired } from '../testing/python-peers';
import { train } from '../train';
import { decodeKerasFile, encodeKerasFile, type KerasFormat } from './keras-file';
import { EVERY_LAYER_SPEC } from './testing/specs';

const PEER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'keras_peer.py');
const PREDICTION_TOLERANCE = 1e-5;
const lookup = findPython(['keras', 'tensorflow']);
if ('reason' in lookup) {
  if (peersRequired()) throw new Error(`MNIST_STUDIO_REQUIRE_PEERS=1 but ${lookup.reason}.`);
  console.warn(`Skipping the Keras interop tests: ${lookup.reason}.`);
}

interface PeerResult {
  file: string | null;
  loss?: number;
  acc?: number;
}

function runPeer(args: string[]): Promise<Record<string, PeerResult>> {
  return new Promise((resolve, reject) => {
    const child = spawn(lookup.python!, [PEER_SCRIPT, builtinMnistDirectory(), ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`keras_peer.py exited with ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
    });
  });
}

function probabilities(model: tf.LayersModel, spec: ModelSpec, set: LabelledImages): Float32Array {
  const batcher = new Batcher(set, inputShapeFor(spec));
  const order = Int32Array.from({ length: set.count }, (_, i) => i);
  const result = new Float32Array(set.count * NUM_CLASSES);
  for (let start = 0; start < set.count; start += 1000) {
    const end = Math.min(set.count, start + 1000);
    const output = tf.tidy(() => model.predict(batcher.batch(order, start, end).xs) as tf.Tensor);
    result.set(output.dataSync(), start * NUM_CLASSES);
    output.dispose();
  }
  return result;
}

async function kerasPredictions(work: string, name: string): Promise<Float32Array> {
  const bytes = await readFile(path.join(work, `${name}.predictions.f32`));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

describe.skipIf(!lookup.python)('Keras 3 interop (the real Keras)', () => {
  let mnist: Dataset;
  let work: string;
  let peer: Record<string, PeerResult>;
  const trainedHere: {
    name: string;
    spec: ModelSpec;
    model: tf.LayersModel;
    ours?: Float32Array;
    evaluation?: Evaluation;
  }[] = [];

  beforeAll(async () => {
    await initBackend();
    mnist = await loadDataset();
    work = await mkdtemp(path.join(os.tmpdir(), 'mnist-keras-peer-'));
    const settings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 1, trainLimit: 300 };
    const files: string[] = [];
    for (const [name, spec] of [
      ['example', kerasExampleSpec(64)],
      ['every-layer', EVERY_LAYER_SPEC],
    ] as const) {
      const model = buildModel(spec, 3);
      await train(model, spec, mnist.train, settings, {});
      trainedHere.push({ name, spec, model });
      for (const format of ['keras', 'h5'] as const) {
        const file = path.join(work, `${name}.${format}`);
        await writeFile(file, await encodeKerasFile(model, spec, format));
        files.push(file);
      }
    }
    // One Python process: loads what was exported here, then trains and saves the Keras models.
    peer = await runPeer([
      work,
      ...files.flatMap((file) => ['--load', file]),
      '--train',
      'seed',
      '--train',
      'convnet',
      '--train-limit',
      '1000',
    ]);
  }, 180_000);
  afterAll(async () => {
    for (const entry of trainedHere) entry.model.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const name of ['example', 'every-layer']) {
    for (const format of ['keras', 'h5'] as const) {
      it(`a model trained here (${name}) opens in keras.saving.load_model from .${format}: same predictions, same evaluate`, async () => {
        const entry = trainedHere.find((candidate) => candidate.name === name)!;
        const { spec, model } = entry;
        const ours = (entry.ours ??= probabilities(model, spec, mnist.test));
        const theirs = await kerasPredictions(work, `${name}-${format}`);
        expect(largestDifference(ours, theirs)).toBeLessThanOrEqual(PREDICTION_TOLERANCE);
        const evaluation = (entry.evaluation ??= evaluate(model, spec, mnist.test));
        const result = peer[`${name}-${format}`];
        expect(Math.abs(result.acc! - evaluation.acc)).toBeLessThanOrEqual(0.001);
        expect(Math.abs(result.loss! - evaluation.loss)).toBeLessThanOrEqual(0.001);
      });
    }
  }

  const expectedSpecs: Record<string, ModelSpec['layers']> = {
    seed: kerasExampleSpec().layers,
    convnet: [
      { type: 'conv2d', filters: 8, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
      { type: 'maxPooling2d', poolSize: 2, strides: 1 },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.25 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  };
  const expectedOptimizers: Record<string, ModelSpec['optimizer']> = {
    seed: { name: 'rmsprop', learningRate: 0.001 },
    convnet: { name: 'adam', learningRate: 0.002 },
  };

  for (const name of ['seed', 'convnet']) {
    for (const format of ['keras', 'h5'] as KerasFormat[]) {
      it(`Keras' ${name === 'seed' ? 'own example (Dense 512, RMSprop)' : 'convnet (Reshape, Rescaling, Conv2D...)'} saved as .${format} opens here with the same predictions`, async () => {
        const imported = await decodeKerasFile(peer[`${name}-${format}`].file!, format);
        try {
          expect(imported.spec.layers).toEqual(expectedSpecs[name]);
          expect(imported.spec.optimizer.name).toBe(expectedOptimizers[name].name);
          expect(imported.spec.optimizer.learningRate).toBeCloseTo(expectedOptimizers[name].learningRate, 6);
          expect(imported.kerasVersion).toMatch(/^3\./);
          const ours = probabilities(imported.model, imported.spec, mnist.test);
          expect(largestDifference(ours, await kerasPredictions(work, name))).toBeLessThanOrEqual(PREDICTION_TOLERANCE);
        } finally {
          imported.model.dispose();
        }
      });
    }
  }
});
