import { afterEach, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../../src-main/shared/contract';
import { createFeatures, type Features } from './features';
import { startRouter } from './router';
import { BACKEND, MNIST, currentModel, sweepRecord } from './testing/fixtures';
import { ScriptedEngine, settle } from './testing/scripted-engine';

const batch = {
  epoch: 1,
  epochs: 1,
  batch: 10,
  batches: 1688,
  loss: 0.41,
  acc: 0.88,
  samplesPerSecond: 50000,
  etaSeconds: 2,
};
const epoch = { epoch: 1, epochs: 1, loss: 0.25, acc: 0.93, seconds: 1.2, samplesPerSecond: 50000, etaSeconds: 0 };
const result: TrainResult = {
  status: 'completed',
  epochsCompleted: 1,
  history: [epoch],
  trainSamples: 54000,
  seconds: 1.2,
  samplesPerSecond: 50000,
};

function engineHolding(model = currentModel(), sweeps = [sweepRecord('sweep-a', 'completed')]) {
  return new ScriptedEngine({
    'engine.info': () => BACKEND,
    'model.current': () => model,
    'models.list': () => [],
    'dataset.current': () => MNIST,
    'sweep.list': () => sweeps,
    'runs.list': () => [],
    'drawings.list': () => [],
  });
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

async function started(engine: ScriptedEngine): Promise<Features> {
  const features = createFeatures(engine, undefined);
  stop = startRouter(engine, features);
  engine.connect('open');
  await settle();
  return features;
}

describe('the event router', () => {
  it('on connecting, every feature reads what the engine already holds', async () => {
    const engine = engineHolding();
    const { connection, library, dataset, sweeps } = await started(engine);
    expect(connection.engine.state).toBe('ready');
    expect(connection.backend?.name).toBe('wasm');
    expect(library.loaded).toBe(true);
    expect(library.current?.params).toBe(407050);
    expect(dataset.info?.name).toBe('MNIST');
    expect(sweeps.history.map((record) => record.id)).toEqual(['sweep-a']);
  });

  it('feeds a training run to training, and its end to the library and evaluation', async () => {
    const engine = engineHolding(currentModel(64));
    const { training, library, evaluation } = await started(engine);
    evaluation.result = { loss: 0.1, acc: 0.97, count: 10000, confusion: [], perClass: [], mistakes: [] };
    engine.answers['model.current'] = () => currentModel(512);

    engine.emit({
      kind: 'train.begin',
      epochs: 1,
      batches: 1688,
      trainSamples: 54000,
      validationSamples: 6000,
      params: 407050,
    });
    expect(training.running).toBe(true);
    engine.emit({ kind: 'train.batch', metrics: batch });
    engine.emit({ kind: 'train.epoch', metrics: epoch });
    expect(training.lastBatch?.acc).toBe(0.88);
    expect(training.points).toHaveLength(1);
    expect(training.epochs).toEqual([epoch]);
    expect(library.current?.params, 'the old model until the run ends').toBe(50890);

    engine.emit({ kind: 'train.end', result });
    await settle();
    expect(training.running).toBe(false);
    expect(training.result?.status).toBe('completed');
    expect(evaluation.result, "the old model's evaluation is gone").toBeNull();
    expect(library.current?.params, 'the library re-read the trained model').toBe(407050);
  });

  it('a failed run is one sentence in the notices and the run', async () => {
    const engine = engineHolding();
    const { training, notices } = await started(engine);
    const message = 'Training diverged at epoch 1, batch 3: the loss is NaN; lower the learning rate and train again.';
    engine.emit({ kind: 'train.end', result: null, error: { code: 'TRAIN_DIVERGED', message } });
    expect(notices.error).toBe(message);
    expect(training.failure).toBe(message);
  });

  it('a crashed engine empties what lived in it; the new one is read again', async () => {
    const engine = engineHolding();
    const { connection, library, training, evaluation } = await started(engine);
    engine.emit({
      kind: 'train.begin',
      epochs: 1,
      batches: 10,
      trainSamples: 320,
      validationSamples: 0,
      params: 407050,
    });
    evaluation.result = { loss: 0.1, acc: 0.97, count: 10000, confusion: [], perClass: [], mistakes: [] };

    engine.emit({ kind: 'engine.status', state: 'crashed', message: 'The engine stopped (signal SIGKILL).' });
    expect(connection.engine).toEqual({ state: 'crashed', message: 'The engine stopped (signal SIGKILL).' });
    expect(library.current).toBeNull();
    expect(evaluation.result).toBeNull();
    expect(training.running).toBe(false);

    const infoCalls = engine.count('engine.info');
    engine.emit({ kind: 'engine.status', state: 'starting' });
    expect(connection.engine.state, 'still announced as crashed while the new one starts').toBe('crashed');
    engine.answers['model.current'] = () => null;
    engine.emit({ kind: 'engine.status', state: 'ready' });
    await settle();
    expect(connection.engine.state).toBe('ready');
    expect(engine.count('engine.info')).toBe(infoCalls + 1);
    expect(library.current).toBeNull();
  });

  it('after a reload during a sweep, the features know a sweep runs before any view asks', async () => {
    // The sweep began before this window (re)loaded: the engine lists it as running.
    const engine = engineHolding(null as never, [sweepRecord('sweep-b', 'running')]);
    engine.answers['model.current'] = () => null;
    const { sweeps } = await started(engine);
    expect(sweeps.stateOf(sweeps.history[0]), 'nothing says it runs yet').toBe('interrupted');

    engine.emit({
      kind: 'sweep.progress',
      id: 'sweep-b',
      units: 1024,
      run: 2,
      runs: 2,
      epoch: 3,
      epochs: 10,
      batch: 40,
      batches: 188,
      fraction: 0.6,
      etaSeconds: 20,
    });
    await settle();
    // What the Train view reads to disable Start training and point to Experiments.
    expect(sweeps.running).toBe(true);
    expect(sweeps.busy).toBe(true);
    expect(sweeps.live?.id).toBe('sweep-b');
    expect(sweeps.stateOf(sweeps.live!)).toBe('running');
    expect(sweeps.progress?.run).toBe(2);
  });

  it('sweep failures reach the notices through their API', async () => {
    const engine = engineHolding();
    const { sweeps, notices } = await started(engine);
    const message = 'Could not save the sweep in /home/me/.config/mnist-studio/sweeps: the disk is full.';
    engine.emit({ kind: 'sweep.end', record: sweepRecord('sweep-c', 'stopped'), error: { code: 'INTERNAL', message } });
    expect(notices.error).toBe(message);
    expect(sweeps.running).toBe(false);
    expect(sweeps.live?.id).toBe('sweep-c');
  });

  it('a refused call shows its sentence without the transport noise', async () => {
    const engine = engineHolding();
    const { library, notices } = await started(engine);
    engine.answers['models.load'] = () => {
      throw new Error("Error invoking remote method 'studio:call': Error: No saved model has the id nope.");
    };
    expect(await library.load('nope')).toBe(false);
    expect(notices.error).toBe('No saved model has the id nope.');
  });

  it('a lost connection is announced, and reconnecting reads the engine again', async () => {
    const engine = engineHolding();
    const { connection } = await started(engine);
    engine.connect('closed');
    expect(connection.engine.state).toBe('disconnected');
    const before = engine.count('model.current');
    engine.connect('open');
    await settle();
    expect(connection.engine.state).toBe('ready');
    expect(engine.count('model.current')).toBe(before + 1);
  });

  it('stops listening when stopped', async () => {
    const engine = engineHolding();
    const { training } = await started(engine);
    stop?.();
    stop = undefined;
    engine.emit({
      kind: 'train.begin',
      epochs: 1,
      batches: 10,
      trainSamples: 320,
      validationSamples: 0,
      params: 407050,
    });
    expect(training.running).toBe(false);
  });
});
