/**
 * Electron main as wired in src-main/app/main.ts, against a fake of the electron module whose
 * utilityProcess.fork starts the real engine as a Node child process (no Electron binary here).
 * Covers the IPC relay, the sender check, event streaming, and crash -> restart (how fast is measured, not asserted: no timed assertions in tests).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EngineEvent, Response } from '../shared/contract';
import { IPC } from '../shared/ipc-channels';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => ({
  appListeners: new Map<string, Listener>(),
  ipcHandlers: new Map<string, Listener>(),
  sent: [] as { channel: string; payload: unknown }[],
  engines: [] as { modulePath: string; child: ChildProcess }[],
  protocolHandlers: new Map<string, Listener>(),
  windows: [] as unknown[],
  menu: undefined as unknown,
}));

vi.mock('electron', () => {
  const webContents = {
    session: {
      setPermissionRequestHandler() {},
      setPermissionCheckHandler() {},
      setDevicePermissionHandler() {},
    },
    on() {},
    setWindowOpenHandler() {},
    isDestroyed: () => false,
    getURL: () => 'app://studio/index.html',
    send: (channel: string, payload: unknown) => fake.sent.push({ channel, payload }),
  };
  class BrowserWindow {
    webContents = webContents;
    static getAllWindows = () => fake.windows;
    static getFocusedWindow = () => fake.windows[0] ?? null;
    static fromWebContents = () => fake.windows[0] ?? null;
    constructor() {
      fake.windows.push(this);
    }
    on() {}
    once() {}
    loadURL = () => Promise.resolve();
    getNormalBounds = () => ({ x: 0, y: 0, width: 1280, height: 820 });
    isMaximized = () => false;
  }
  const utilityProcess = {
    fork(modulePath: string) {
      // The bundle's engine.js is the source's process.ts: run that under tsx, as a Node child.
      const child = fork(path.resolve(import.meta.dirname, '../engine/process.ts'), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      fake.engines.push({ modulePath, child });
      return {
        get pid() {
          return child.pid;
        },
        postMessage: (message: unknown) => child.connected && child.send(message as object),
        on(event: 'message' | 'exit', listener: Listener) {
          if (event === 'message') child.on('message', listener);
          else child.on('exit', (code) => listener(code ?? -1));
        },
        kill: () => child.kill(),
      };
    },
  };
  return {
    app: {
      enableSandbox() {},
      requestSingleInstanceLock: () => true,
      setAboutPanelOptions() {},
      on: (event: string, listener: Listener) => fake.appListeners.set(event, listener),
      whenReady: () => Promise.resolve(),
      getPath: () => mkdtempSync(path.join(os.tmpdir(), 'mnist-userdata-')),
      getVersion: () => '0.0.0-test',
      isPackaged: false,
      quit() {},
    },
    BrowserWindow,
    ipcMain: { handle: (channel: string, handler: Listener) => fake.ipcHandlers.set(channel, handler) },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: unknown) => (fake.menu = menu),
    },
    protocol: { registerSchemesAsPrivileged() {} },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: { protocol: { handle: (scheme: string, h: Listener) => fake.protocolHandlers.set(scheme, h) } },
    },
    nativeTheme: { shouldUseDarkColors: false },
    shell: { openExternal() {} },
    dialog: {},
    utilityProcess,
  };
});

const trustedFrame = { url: 'app://studio/index.html', parent: null };
let requestId = 0;

function call(method: string, params: unknown = {}, senderFrame: unknown = trustedFrame): Promise<Response> {
  const handler = fake.ipcHandlers.get(IPC.call);
  if (!handler) throw new Error('main registered no call handler');
  return Promise.resolve().then(
    () => handler({ senderFrame, sender: {} }, { id: ++requestId, method, params }) as Response,
  );
}

function engineEvents(): EngineEvent[] {
  return fake.sent.filter((entry) => entry.channel === IPC.event).map((entry) => entry.payload as EngineEvent);
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

beforeAll(async () => {
  process.env.MNIST_STUDIO_HOME = mkdtempSync(path.join(os.tmpdir(), 'mnist-home-'));
  await import('./main');
  await waitFor(() => fake.windows.length === 1, 5_000);
});

afterAll(() => {
  fake.appListeners.get('will-quit')?.();
  for (const { child } of fake.engines) child.kill();
});

describe('Electron main wiring', () => {
  it('starts one window, the app:// renderer protocol, the menu and one engine from out/main/engine.js', () => {
    expect(fake.windows).toHaveLength(1);
    expect([...fake.protocolHandlers.keys()]).toEqual(['app']);
    expect(fake.menu).toBeTruthy();
    expect(fake.engines).toHaveLength(1);
    expect(path.basename(fake.engines[0].modulePath)).toBe('engine.js');
  });

  it('guards every webContents the app creates, not only the main window', () => {
    const listeners = new Map<string, Listener>();
    const contents = {
      on: (event: string, listener: Listener) => listeners.set(event, listener),
      setWindowOpenHandler: (handler: Listener) => listeners.set('window-open', handler),
      session: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, setDevicePermissionHandler() {} },
    };
    fake.appListeners.get('web-contents-created')?.({}, contents);
    const preventDefault = vi.fn();
    listeners.get('will-navigate')?.({ preventDefault }, 'https://evil.example/');
    expect(preventDefault).toHaveBeenCalled();
    expect(listeners.get('window-open')?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('relays a renderer request to the engine and back', async () => {
    const response = await call('engine.info');
    expect(response).toMatchObject({ ok: true, result: { name: expect.stringMatching(/^(tensorflow|wasm|cpu)$/) } });
  });

  it('answers a malformed request with a validation error, not a crash', async () => {
    const response = await call('no.such.method', { anything: true });
    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    await expect(call('engine.info', {}, { url: 'https://evil.example/', parent: null })).rejects.toThrow(/Refused/);
  });

  it('streams engine events to the window', async () => {
    await waitFor(
      () => engineEvents().some((event) => event.kind === 'engine.status' && event.state === 'ready'),
      10_000,
    );
  });

  it('tells the UI when the engine dies, and starts a new one that answers', async () => {
    const before = engineEvents().length;
    fake.engines[0].child.kill('SIGKILL');
    await waitFor(
      () =>
        engineEvents()
          .slice(before)
          .some((event) => event.kind === 'engine.status' && event.state === 'crashed'),
      10_000,
    );
    await waitFor(() => fake.engines.length === 2, 5_000);
    await waitFor(
      () =>
        engineEvents()
          .slice(before)
          .some((event) => event.kind === 'engine.status' && event.state === 'ready'),
      30_000,
    );
    expect(await call('engine.info')).toMatchObject({ ok: true });
  });
});
