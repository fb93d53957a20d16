import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepRecord } from '../shared/contract';
import { initBackend } from './backend';
import { loadDataset, type Dataset } from './dataset';
import { defaultSweepSettings, newSweepRecord, paramsFor, runSweep } from './sweep';
import { SweepRecords } from './sweep-records';

let home: string;
let store: SweepRecords;
let mnist: Dataset;
const settings = defaultSweepSettings({ units: [8, 32], epochs: 1, trainLimit: 3000 });

beforeAll(async () => {
  await initBackend();
  mnist = await loadDataset();
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-sweep-'));
  store = new SweepRecords(path.join(home, 'experiments'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('runSweep', () => {
  it('trains and evaluates one model per size, saving each point as it finishes', async () => {
    const record = newSweepRecord(settings, mnist, 'wasm');
    const onDisk: number[] = [];
    const progressUnits = new Set<number>();
    const finished = await runSweep(record, mnist, {
      persist: async (latest) => {
        await store.save(latest);
        onDisk.push((await store.get(latest.id)).points.length);
      },
      onProgress: (progress) => progressUnits.add(progress.units),
    });
    expect(finished.status).toBe('completed');
    expect(finished.points.map((p) => [p.units, p.params])).toEqual([
      [8, paramsFor(8)],
      [32, paramsFor(32)],
    ]);
    expect(paramsFor(512)).toBe(407_050);
    expect(finished.points[0].test_acc).toBeGreaterThan(0.3);
    expect(finished.points[1].test_acc).toBeGreaterThan(finished.points[0].test_acc);
    expect(onDisk).toEqual([0, 1, 2, 2]);
    expect([...progressUnits]).toEqual([8, 32]);
    expect(await store.get(record.id)).toEqual(finished);
  });

  it('keeps finished points when cancelled, and resumes with only the missing sizes', async () => {
    const stopper = new AbortController();
    const record = newSweepRecord(settings, mnist, 'wasm');
    const stopped = await runSweep(record, mnist, {
      signal: stopper.signal,
      progressIntervalMs: 0,
      persist: (latest) => store.save(latest),
      onProgress: (progress) => progress.units === 32 && progress.batch > 20 && stopper.abort(),
    });
    expect(stopped.status).toBe('stopped');
    expect(stopped.points.map((p) => p.units)).toEqual([8]);

    const reopened = await store.get(record.id);
    expect(reopened.points).toEqual(stopped.points);
    const resumedUnits = new Set<number>();
    const resumed = await runSweep(reopened, mnist, {
      persist: (latest) => store.save(latest),
      onProgress: (progress) => resumedUnits.add(progress.units),
    });
    expect([...resumedUnits]).toEqual([32]);
    expect(resumed.status).toBe('completed');
    expect(resumed.points.map((p) => p.units)).toEqual([8, 32]);
    expect(resumed.points[0]).toEqual(stopped.points[0]);
  });

  it('resumes a sweep that a crash left marked running', async () => {
    const crashed: SweepRecord = { ...newSweepRecord(settings, mnist, 'wasm'), status: 'running' };
    await store.save(crashed);
    expect((await store.list()).find((r) => r.id === crashed.id)?.status).toBe('running');
    const resumed = await runSweep(await store.get(crashed.id), mnist, { persist: (latest) => store.save(latest) });
    expect(resumed.points).toHaveLength(2);
  });

  it('refuses to resume on a different dataset', async () => {
    const record = { ...newSweepRecord(settings, mnist, 'wasm'), dataset: { id: 'Fashion:0', name: 'Fashion' } };
    await expect(runSweep(record, mnist, { persist: async () => undefined })).rejects.toThrow(
      'This sweep was run on Fashion; load that dataset to resume it, or start a new sweep.',
    );
  });
});
