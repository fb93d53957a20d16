/**
 * SIGKILL of a real engine process at random moments of a save (fast-check picks the moment,
 * uniformly, as 0-130% of a measured save): whatever the moment, the next engine lists only complete models,
 * loads every one it lists, and leaves nothing half-written on disk.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { EngineClient } from './engine-client';
import { forkNodeEngine } from './node-engine';

let home: string;
let engine: EngineClient | undefined;
// Big enough (3.3 M params, 13 MB of weights) that a save takes a while to write and flush.
const spec = kerasExampleSpec(4096);
const settings = { ...KERAS_EXAMPLE_SETTINGS, epochs: 1, trainLimit: 64 };

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-engine-kill-'));
  process.env.MNIST_STUDIO_HOME = home;
});
afterAll(async () => {
  engine?.stop();
  await rm(home, { recursive: true, force: true });
});

/** A fresh engine (and supervisor, so earlier kills do not count against its restarts), ready. */
async function freshEngine(): Promise<EngineClient> {
  engine?.stop();
  const client = new EngineClient(forkNodeEngine);
  const ready = new Promise<void>((resolve) =>
    client.onEvent((event) => event.kind === 'engine.status' && event.state === 'ready' && resolve()),
  );
  client.start();
  await ready;
  engine = client;
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an engine killed while saving', () => {
  it('never leaves a partial model listed, loadable or on disk', async () => {
    let client = await freshEngine();
    await client.call('model.fit', { spec, settings });
    const started = performance.now();
    await client.call('models.save', { name: 'measured' });
    const saveMs = performance.now() - started;
    let attempts = 1;

    await fc.assert(
      fc.asyncProperty(fc.noBias(fc.integer({ min: 0, max: 130 })), async (percent) => {
        await client.call('model.fit', { spec, settings });
        const saving = client.relay({ id: 1, method: 'models.save', params: { name: 'killed' } });
        attempts++;
        await sleep((percent / 100) * saveMs);
        process.kill(client.pid as number, 'SIGKILL');
        await saving;

        client = await freshEngine();
        const listed = await client.call('models.list', {});
        expect(listed.length).toBeGreaterThanOrEqual(1);
        expect(listed.length).toBeLessThanOrEqual(attempts);
        for (const model of listed) {
          const loaded = await client.call('models.load', { id: model.id });
          expect(loaded.params).toBe(model.params);
        }
        expect((await readdir(path.join(home, 'models'))).sort()).toEqual(listed.map((model) => model.id).sort());
      }),
      { numRuns: 6 },
    );
  });
});
