import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRecordSchema, type RunRecord } from '../shared/contract';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec, smallCnnSpec, type TrainSettings } from '../shared/spec';
import { initBackend } from './backend';
import { loadDataset, type Dataset } from './dataset';
import { Engine } from './engine';
import { buildModel } from './model';
import { BatchCurve } from './run-curve';
import { presetOf, RunRecords, trainRecorded } from './runs';

let home: string;
let mnist: Dataset;
const settings: TrainSettings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 3, trainLimit: 1500, validationSplit: 0.2 };
const spec = kerasExampleSpec(32);
const identity = () => ({ id: mnist.info.id, name: mnist.info.name });
const start = (records: RunRecords) =>
  records.start({ spec, settings, params: 25_450, dataset: identity(), backend: 'wasm', source: 'cli' });

beforeAll(async () => {
  await initBackend();
  mnist = await loadDataset();
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-runs-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('BatchCurve', () => {
  it('keeps a long run to a few hundred evenly spread points, first to last', () => {
    const curve = new BatchCurve(400);
    for (let step = 1; step <= 50_000; step++) curve.add({ samples: step * 32, epoch: 1, loss: 1 / step, acc: 0.5 });
    const points = curve.toArray();
    expect(points.length).toBeGreaterThan(200);
    expect(points.length).toBeLessThanOrEqual(400);
    expect(points[0].samples).toBeLessThan(50_000 * 32 * 0.01);
    expect(points.at(-1)?.samples).toBeGreaterThan(50_000 * 32 * 0.99);
    const gaps = points.slice(1).map((point, i) => point.samples - points[i].samples);
    expect(Math.max(...gaps) / Math.min(...gaps)).toBeLessThan(4);
  });

  it('keeps short runs whole, metrics to five significant digits', () => {
    const curve = new BatchCurve(400);
    curve.add({ samples: 32, epoch: 1, loss: 2.302585093, acc: 0.123456789 });
    expect(curve.toArray()).toEqual([{ samples: 32, epoch: 1, loss: 2.3026, acc: 0.12346 }]);
  });
});

describe('presetOf', () => {
  it('names the preset whose layers and optimizer a spec has, whatever its learning rate', () => {
    const faster = kerasExampleSpec();
    faster.optimizer.learningRate = 0.01;
    expect(presetOf(faster)).toBe('Keras example: Dense 512');
    expect(presetOf(smallCnnSpec())).toBe('Small CNN');
    expect(presetOf(kerasExampleSpec(64))).toBeUndefined();
  });
});

describe('RunRecords', () => {
  it('records a real run as it goes: at its start, at every epoch end, and finished with its test metrics', async () => {
    const written: RunRecord[] = [];
    const records = new RunRecords(path.join(home, 'written'), async (file, text) => {
      written.push(runRecordSchema.parse(JSON.parse(text)));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    });
    const run = await start(records);
    const model = buildModel(spec, 1);
    const result = await trainRecorded(run, model, spec, mnist.train, settings, { batchIntervalMs: 0 });
    const finished = await run.finish(result, { loss: 0.5, acc: 0.875 });
    model.dispose();

    expect(written[0]).toMatchObject({ status: 'running', history: [], batches: [] });
    const epochsOnDisk = written.map((record) => record.history.length);
    expect(epochsOnDisk).toEqual([...epochsOnDisk].sort((a, b) => a - b));
    for (const epochs of [1, 2, 3]) expect(epochsOnDisk).toContain(epochs);
    const onDisk = await records.get(run.id);
    expect(onDisk).toEqual(finished);
    expect(onDisk).toMatchObject({ status: 'finished', trainSamples: 1200, validationSamples: 300 });
    expect(onDisk.samplesSeen).toBe(3 * 1200);
    expect(onDisk.history.map((epoch) => epoch.val_acc)).toEqual([
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(onDisk.test).toEqual({ loss: 0.5, acc: 0.875 });
    // 38 batches an epoch, every one reported: the curve holds them all, samples counted across epochs.
    expect(onDisk.batches).toHaveLength(3 * 38);
    expect(onDisk.batches.at(-1)).toMatchObject({ samples: 3600, epoch: 3 });
    expect(onDisk.name).toBe('Custom model · rmsprop 0.001 · 3 epochs');
  });

  it('lists runs newest first, renames and deletes them, and refuses to delete one that trains', async () => {
    const records = new RunRecords(path.join(home, 'listed'));
    const older = await start(records);
    await older.fail(new Error('boom'));
    const newer = await start(records);
    expect((await records.list()).map((run) => run.id)).toEqual([newer.id, older.id]);
    expect((await records.list())[0]).not.toHaveProperty('batches');
    expect((await records.get(older.id)).status).toBe('failed');
    expect((await records.get(older.id)).error).toBe('Internal error: boom');
    await expect(records.remove(newer.id)).rejects.toThrow('Cannot delete a run while it trains; stop it first.');

    // Renaming a running run goes through its recorder, so later writes keep the new name.
    await records.rename(newer.id, 'lr 0.01');
    const model = buildModel(spec, 1);
    await newer.finish(await trainRecorded(newer, model, spec, mnist.train, { ...settings, epochs: 1 }));
    model.dispose();
    expect((await records.get(newer.id)).name).toBe('lr 0.01');
    await records.rename(older.id, 'the failed one');
    expect((await records.get(older.id)).name).toBe('the failed one');

    expect(await records.remove(older.id)).toBe(true);
    expect((await records.list()).map((run) => run.id)).toEqual([newer.id]);
    await expect(records.get(older.id)).rejects.toThrow(`There is no run "${older.id}".`);
  });

  it('reads a run left "running" by a process that died, or by an earlier engine in this one, as crashed', async () => {
    const directory = path.join(home, 'crashed');
    const abandoned = await start(new RunRecords(directory));
    const fresh = new RunRecords(directory);
    expect((await fresh.get(abandoned.id)).status).toBe('crashed');

    const file = path.join(directory, `${abandoned.id}.json`);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, pid: dead }));
    expect((await fresh.list())[0]).toMatchObject({ id: abandoned.id, status: 'crashed' });
    // A live process (the parent of this test runner) still writing it: running.
    await writeFile(file, JSON.stringify({ ...stored, pid: process.ppid }));
    expect((await fresh.get(abandoned.id)).status).toBe('running');
    await expect(fresh.rename(abandoned.id, 'x')).rejects.toThrow(/still training in another MNIST Studio process/);
  });

  it('skips corrupt files in the list and says why when one is opened', async () => {
    const directory = path.join(home, 'corrupt');
    const records = new RunRecords(directory);
    const good = await start(records);
    await good.fail(new Error('stopped here'));
    await writeFile(path.join(directory, 'run-broken.json'), '{"id": "run-broken", ');
    expect((await records.list()).map((run) => run.id)).toEqual([good.id]);
    await expect(records.get('run-broken')).rejects.toThrow(
      /run-broken\.json is not valid JSON; the run file is corrupt\.$/,
    );
    await expect(records.get('../etc/passwd')).rejects.toThrow('There is no run "../etc/passwd".');
  });

  it('says in one sentence when the run cannot be recorded, and training still ends', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    let writes = 0;
    const records = new RunRecords(path.join(home, 'full'), async () => {
      if (++writes > 1) throw full;
    });
    const run = await start(records);
    const model = buildModel(spec, 1);
    const result = await trainRecorded(run, model, spec, mnist.train, { ...settings, epochs: 1 });
    model.dispose();
    expect(result.status).toBe('completed');
    await expect(run.finish(result)).rejects.toThrow(
      `Cannot record the run in ${path.join(home, 'full')}: the disk is full.`,
    );
  });
});

describe('Engine runs', () => {
  it('records app runs, their test metrics and saved models, and links each to the other; sweep points name their runs', async () => {
    const engine = new Engine(path.join(home, 'engine'));
    const faster = { ...spec, optimizer: { ...spec.optimizer, learningRate: 0.01 } };
    let begunAs: string | undefined;
    engine.onEvent((event) => {
      if (event.kind === 'train.begin') begunAs = event.runId;
    });
    await engine.handle('model.fit', { spec, settings: { ...settings, epochs: 1 } });
    await engine.handle('model.fit', { spec: faster, settings: { ...settings, epochs: 1 } });
    const runs = await engine.handle('runs.list', {});
    expect(runs.map((run) => run.spec.optimizer.learningRate)).toEqual([0.01, 0.001]);
    expect(runs.every((run) => run.status === 'finished' && run.source === 'app')).toBe(true);
    const current = await engine.handle('model.current', {});
    expect(current?.runId).toBe(runs[0].id);
    expect(begunAs).toBe(runs[0].id);

    const evaluation = await engine.handle('model.evaluate', {});
    const saved = await engine.handle('models.save', { name: 'lr 0.01' });
    expect(saved.runId).toBe(runs[0].id);
    const run = await engine.handle('runs.get', { id: runs[0].id });
    expect(run.test?.acc).toBeCloseTo(evaluation.acc, 4);
    expect(run.savedModels).toEqual([saved.id]);
    expect(run.batches.length).toBeGreaterThan(0);
    expect((await engine.handle('models.load', { id: saved.id })).runId).toBe(runs[0].id);

    const sweep = await engine.handle('sweep.start', {
      settings: { units: [8], epochs: 1, batchSize: 32, learningRate: 0.001, seed: 1, trainLimit: 500 },
    });
    const swept = await engine.handle('runs.get', { id: sweep.points[0].runId ?? '' });
    expect(swept).toMatchObject({ source: 'sweep', sweepId: sweep.id, status: 'finished', params: 6370 });
    expect(swept.test?.acc).toBeCloseTo(sweep.points[0].test_acc, 4);

    await engine.handle('runs.rename', { id: runs[1].id, name: 'baseline' });
    expect((await engine.handle('runs.get', { id: runs[1].id })).name).toBe('baseline');
    expect(await engine.handle('runs.delete', { id: runs[1].id })).toEqual({ deleted: true });
    expect((await engine.handle('runs.list', {})).map((r) => r.id)).not.toContain(runs[1].id);
    engine.dispose();
  });
});
