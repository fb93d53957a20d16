/**
 * Long-running use of the real host and engine over the WebSocket: many started and stopped
 * runs and predictions leave the engine's tensor count where it was, and an engine killed in
 * the middle of training is announced, fails the run in flight, and is replaced by one that trains.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERAS_EXAMPLE_SETTINGS, kerasExampleSpec } from '../shared/spec';
import { startHost, type RunningHost } from './server';
import { connectSocket, type SocketClient } from './testing/socket-client';

let home: string;
let host: RunningHost;
let client: SocketClient;
const spec = kerasExampleSpec(32);
const longRun = { ...KERAS_EXAMPLE_SETTINGS, epochs: 50, trainLimit: 4096 };

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-host-runs-'));
  await writeFile(path.join(home, 'index.html'), '<!doctype html><title>MNIST Studio</title>');
  process.env.MNIST_STUDIO_HOME = home;
  host = await startHost({ rendererDir: home });
  client = await connectSocket(host.port, host.token);
});
afterAll(async () => {
  client.close();
  await host.close();
  await rm(home, { recursive: true, force: true });
});

async function tensors(): Promise<number> {
  return (await client.call('engine.info', {})).memory.numTensors;
}

/** Starts a run over the socket and stops it once a batch has been trained. */
async function startAndStop(): Promise<void> {
  const firstBatch = client.waitForEvent((event) => event.kind === 'train.batch');
  const fit = client.call('model.fit', { spec, settings: longRun });
  await firstBatch;
  await client.call('model.stop', {});
  expect((await fit).status).toBe('stopped');
}

describe('the host and engine over many requests', () => {
  it('50 started and stopped runs leave engine.info numTensors unchanged', async () => {
    await startAndStop();
    const before = await tensors();
    for (let run = 0; run < 50; run++) await startAndStop();
    expect(await tensors()).toBe(before);
  });

  it('1,000 predictions leave engine.info numTensors unchanged', async () => {
    const before = await tensors();
    const image = Array.from({ length: 784 }, (_, i) => (i % 5) / 5);
    for (let i = 0; i < 1000; i++) await client.call('model.predict', { images: [image] });
    expect(await tensors()).toBe(before);
  });

  it('a SIGKILL mid-training is announced, fails the run, and a new engine trains', async () => {
    const firstBatch = client.waitForEvent((event) => event.kind === 'train.batch');
    const fit = client.send('model.fit', { spec, settings: longRun });
    await firstBatch;
    const crashed = client.waitForEvent((event) => event.kind === 'engine.status' && event.state === 'crashed');
    const ready = client.waitForEvent((event) => event.kind === 'engine.status' && event.state === 'ready');
    process.kill(host.engine.pid as number, 'SIGKILL');
    expect(await crashed).toMatchObject({ message: expect.stringMatching(/^The engine stopped unexpectedly/) });
    expect(await fit).toMatchObject({ ok: false, error: { code: 'ENGINE_CRASHED' } });
    await ready;
    const result = await client.call('model.fit', { spec, settings: { ...longRun, epochs: 1, trainLimit: 512 } });
    expect(result.status).toBe('completed');
  });
});
