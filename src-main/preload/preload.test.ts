/** The preload exposes exactly the StudioApi, over the expected channels, and never ipcRenderer itself. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { StudioApi } from '../shared/contract';
import { IPC } from '../shared/ipc-channels';

const fake = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  listeners: new Map<string, Set<(...args: unknown[]) => void>>(),
  invoke: undefined as unknown as ReturnType<typeof import('vitest').vi.fn>,
}));

vi.mock('electron', async () => {
  const { vi } = await import('vitest');
  fake.invoke = vi.fn();
  return {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
    ipcRenderer: {
      invoke: fake.invoke,
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        if (!fake.listeners.has(channel)) fake.listeners.set(channel, new Set());
        fake.listeners.get(channel)?.add(listener);
      },
      removeListener: (channel: string, listener: (...args: unknown[]) => void) =>
        fake.listeners.get(channel)?.delete(listener),
    },
  };
});

let api: StudioApi;
beforeAll(async () => {
  await import('./preload');
  api = fake.exposed.get('api') as StudioApi;
});

describe('preload', () => {
  it('exposes only window.api with call, onEvent and pickFolder', () => {
    expect([...fake.exposed.keys()]).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['call', 'onEvent', 'pickFolder']);
  });

  it('sends calls over the call channel and returns the result', async () => {
    fake.invoke.mockResolvedValueOnce({ id: 1, ok: true, result: { name: 'wasm' } });
    await expect(api.call('engine.info', {})).resolves.toEqual({ name: 'wasm' });
    expect(fake.invoke).toHaveBeenLastCalledWith(IPC.call, {
      id: expect.any(Number),
      method: 'engine.info',
      params: {},
    });
  });

  it('rejects with the engine error sentence', async () => {
    fake.invoke.mockResolvedValueOnce({
      id: 2,
      ok: false,
      error: { code: 'NO_MODEL', message: 'Train a model first.' },
    });
    await expect(api.call('model.evaluate', {})).rejects.toThrow('Train a model first.');
  });

  it('delivers engine events without the IPC event object, until unsubscribed', () => {
    const received: unknown[] = [];
    const unsubscribe = api.onEvent((event) => received.push(event));
    const event = { kind: 'engine.status', state: 'ready' };
    for (const listener of fake.listeners.get(IPC.event) ?? []) listener({ sender: 'ipcRenderer' }, event);
    unsubscribe();
    for (const listener of fake.listeners.get(IPC.event) ?? []) listener({ sender: 'ipcRenderer' }, event);
    expect(received).toEqual([event]);
  });

  it('asks main for a folder', async () => {
    fake.invoke.mockResolvedValueOnce('/data/kmnist');
    await expect(api.pickFolder?.()).resolves.toBe('/data/kmnist');
    expect(fake.invoke).toHaveBeenLastCalledWith(IPC.pickFolder);
  });
});
