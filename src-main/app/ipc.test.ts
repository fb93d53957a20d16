import { describe, expect, it, vi } from 'vitest';
import type { Response } from '../shared/contract';
import { IPC } from '../shared/ipc-channels';
import { registerIpc, sendEngineEvent, UntrustedSenderError } from './ipc';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

function setUp() {
  const handlers = new Map<string, Handler>();
  const ipcMain = { handle: (channel: string, handler: Handler) => void handlers.set(channel, handler) };
  const ok: Response = { id: 1, ok: true, result: {} };
  const relay = vi.fn(async () => ok);
  const pickFolder = vi.fn(async () => '/data/fashion');
  registerIpc(ipcMain as never, { relay, pickFolder });
  const invoke = (channel: string, senderFrame: unknown, ...args: unknown[]) =>
    Promise.resolve().then(() => handlers.get(channel)?.({ senderFrame, sender: {} }, ...args));
  return { handlers, relay, pickFolder, invoke };
}

const ourTopFrame = { url: 'app://studio/index.html', parent: null };

describe('IPC sender checks', () => {
  it('registers exactly the call and folder-picker channels', () => {
    expect([...setUp().handlers.keys()].sort()).toEqual([IPC.call, IPC.pickFolder].sort());
  });

  it('relays requests from the top frame of our renderer', async () => {
    const { relay, invoke } = setUp();
    const request = { id: 1, method: 'engine.info', params: {} };
    await expect(invoke(IPC.call, ourTopFrame, request)).resolves.toMatchObject({ ok: true });
    expect(relay).toHaveBeenCalledWith(request);
  });

  it.each([
    ['a foreign page', { url: 'https://evil.example/', parent: null }],
    ['a file:// page', { url: 'file:///tmp/index.html', parent: null }],
    ['a look-alike host', { url: 'app://studio.evil/index.html', parent: null }],
    ['a subframe', { url: 'app://studio/index.html', parent: ourTopFrame }],
    ['a destroyed frame', null],
  ])('refuses calls and folder pickers from %s', async (_name, senderFrame) => {
    const { relay, pickFolder, invoke } = setUp();
    await expect(invoke(IPC.call, senderFrame, { id: 1, method: 'engine.info', params: {} })).rejects.toBeInstanceOf(
      UntrustedSenderError,
    );
    await expect(invoke(IPC.pickFolder, senderFrame)).rejects.toBeInstanceOf(UntrustedSenderError);
    expect(relay).not.toHaveBeenCalled();
    expect(pickFolder).not.toHaveBeenCalled();
  });

  it('answers the folder picker for our renderer', async () => {
    const { invoke } = setUp();
    await expect(invoke(IPC.pickFolder, ourTopFrame)).resolves.toBe('/data/fashion');
  });
});

describe('sendEngineEvent', () => {
  it('streams events only to live windows that show our renderer', () => {
    const target = (url: string, destroyed = false) => ({
      isDestroyed: () => destroyed,
      getURL: () => url,
      send: vi.fn(),
    });
    const ours = target('app://studio/index.html');
    const closed = target('app://studio/index.html', true);
    const foreign = target('https://example.com/');
    const event = { kind: 'engine.status', state: 'crashed', message: 'The engine stopped.' } as const;
    sendEngineEvent([ours, closed, foreign], event);
    expect(ours.send).toHaveBeenCalledWith(IPC.event, event);
    expect(closed.send).not.toHaveBeenCalled();
    expect(foreign.send).not.toHaveBeenCalled();
  });
});
