import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord, RunSummary } from '../../../src-main/shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../../../src-main/shared/spec';
import { createFeatures, type Features } from './features';
import { startRouter } from './router';
import { BACKEND, MNIST, currentModel } from './testing/fixtures';
import { ScriptedEngine, settle } from './testing/scripted-engine';

function record(id: string, learningRate: number, status: RunRecord['status'] = 'finished'): RunRecord {
  const spec = kerasExampleSpec();
  spec.optimizer.learningRate = learningRate;
  return {
    id,
    name: `lr ${learningRate}`,
    createdAt: `2026-12-01T10:00:0${id.length % 10}.000Z`,
    updatedAt: '2026-12-01T10:01:00.000Z',
    status,
    source: 'app',
    preset: 'Keras example: Dense 512',
    spec,
    settings: { ...KERAS_EXAMPLE_SETTINGS, epochs: 1 },
    params: 407_050,
    dataset: { id: MNIST.id, name: MNIST.name },
    backend: 'wasm',
    trainSamples: 60000,
    validationSamples: 0,
    samplesSeen: 60000,
    seconds: 3,
    history: [],
    savedModels: [],
    batches: [{ samples: 32_000, epoch: 1, loss: 0.4, acc: 0.9 }],
  };
}

const summary = ({ batches: _curve, ...rest }: RunRecord): RunSummary => rest;

let stop: (() => void) | undefined;
afterEach(() => stop?.());

async function started(runs: RunRecord[]): Promise<{ engine: ScriptedEngine; features: Features }> {
  const engine = new ScriptedEngine({
    'engine.info': () => BACKEND,
    'model.current': () => currentModel(),
    'models.list': () => [],
    'dataset.current': () => MNIST,
    'sweep.list': () => [],
    'runs.list': () => runs.map(summary),
    'runs.get': ({ id }) => runs.find((run) => run.id === id) as RunRecord,
    'drawings.list': () => [],
  });
  const features = createFeatures(engine, undefined);
  stop = startRouter(engine, features);
  engine.connect('open');
  await settle();
  return { engine, features };
}

describe('the runs feature', () => {
  it('lists the runs on connecting and again when a run ends or a new engine is ready', async () => {
    const runs = [record('run-b', 0.01), record('run-a', 0.001)];
    const { engine, features } = await started(runs);
    expect(features.runs.list.map((run) => run.id)).toEqual(['run-b', 'run-a']);
    const before = engine.count('runs.list');
    runs.unshift(record('run-c', 0.1));
    engine.emit({ kind: 'train.end', result: null });
    await settle();
    expect(features.runs.list.map((run) => run.id)).toEqual(['run-c', 'run-b', 'run-a']);
    engine.emit({ kind: 'engine.status', state: 'crashed', message: 'The engine stopped.' });
    await settle();
    // Nothing is asked of an engine that is down.
    expect(engine.count('runs.list')).toBe(before + 1);
    engine.emit({ kind: 'engine.status', state: 'ready' });
    await settle();
    expect(engine.count('runs.list')).toBe(before + 2);
    expect(features.notices.error).toBeNull();
  });

  it('fetches the records of the runs ticked for the overlay, and filters the list', async () => {
    const { features } = await started([record('run-b', 0.01, 'crashed'), record('run-a', 0.001)]);
    const { runs } = features;
    await runs.toggle('run-a');
    await runs.toggle('run-b');
    expect(runs.selected.map((run) => [run.id, run.batches.length])).toEqual([
      ['run-b', 1],
      ['run-a', 1],
    ]);
    await runs.toggle('run-b');
    expect(runs.selected.map((run) => run.id)).toEqual(['run-a']);
    runs.filters.status = 'crashed';
    expect(runs.shown.map((run) => run.id)).toEqual(['run-b']);
    expect(runs.presets).toEqual(['Keras example: Dense 512']);
  });

  it("takes a run's model and settings into the draft, with its preset", async () => {
    const { features } = await started([record('run-a', 0.005)]);
    features.draft.choosePreset('small-cnn');
    features.runs.useSettings(features.runs.list[0]);
    expect(features.draft.spec.optimizer.learningRate).toBe(0.005);
    expect(features.draft.spec.layers).toHaveLength(2);
    expect(features.draft.settings.epochs).toBe(1);
    expect(features.draft.presetId).toBe('keras-dense-512');
  });
});
