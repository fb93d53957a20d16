/**
 * The security settings of the window as createMainWindow really builds it, against the
 * smallest fake of Electron's BrowserWindow/session/webContents (no Electron binary here).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const state = {
    windowOptions: undefined as Electron.BrowserWindowConstructorOptions | undefined,
    loadedUrl: undefined as string | undefined,
    contentsListeners: new Map<string, Listener>(),
    windowOpenHandler: undefined as ((details: { url: string }) => { action: string }) | undefined,
    permissionRequestHandler: undefined as Listener | undefined,
    permissionCheckHandler: undefined as Listener | undefined,
    devicePermissionHandler: undefined as Listener | undefined,
    openedExternally: [] as string[],
  };
  class BrowserWindow {
    webContents = {
      session: {
        setPermissionRequestHandler: (handler: Listener) => (state.permissionRequestHandler = handler),
        setPermissionCheckHandler: (handler: Listener) => (state.permissionCheckHandler = handler),
        setDevicePermissionHandler: (handler: Listener) => (state.devicePermissionHandler = handler),
      },
      on: (event: string, listener: Listener) => state.contentsListeners.set(event, listener),
      setWindowOpenHandler: (handler: typeof state.windowOpenHandler) => (state.windowOpenHandler = handler),
    };
    constructor(options: Electron.BrowserWindowConstructorOptions) {
      state.windowOptions = options;
    }
    once() {}
    loadURL(url: string) {
      state.loadedUrl = url;
      return Promise.resolve();
    }
  }
  return { state, BrowserWindow };
});

vi.mock('electron', () => ({
  BrowserWindow: fake.BrowserWindow,
  nativeTheme: { shouldUseDarkColors: false },
  shell: { openExternal: (url: string) => fake.state.openedExternally.push(url) },
}));

const { createMainWindow } = await import('./window');

function navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
  const preventDefault = vi.fn();
  fake.state.contentsListeners.get(event)?.({ preventDefault, url }, url);
  return preventDefault.mock.calls.length > 0;
}

describe('createMainWindow', () => {
  beforeEach(() => {
    fake.state.openedExternally = [];
    createMainWindow({
      preloadPath: '/app/out/preload/preload.cjs',
      state: { width: 1000, height: 700, maximized: false },
    });
  });

  it('isolates the renderer: context isolation, sandbox, no Node, web security on', () => {
    const preferences = fake.state.windowOptions?.webPreferences;
    expect(preferences).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('loads the renderer from the app:// origin, not from file://', () => {
    expect(fake.state.loadedUrl).toBe('app://studio/index.html');
  });

  it('denies every permission request and check', () => {
    const callback = vi.fn();
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      fake.state.permissionRequestHandler?.({}, permission, callback, {});
    }
    expect(callback.mock.calls).toEqual(Array(5).fill([false]));
    expect(fake.state.permissionCheckHandler?.({}, 'media', 'app://studio', {})).toBe(false);
    expect(fake.state.devicePermissionHandler?.({ deviceType: 'usb' })).toBe(false);
  });

  it('blocks navigation and redirects away from the renderer', () => {
    expect(navigate('will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-redirect', 'http://127.0.0.1:8080/')).toBe(true);
    expect(navigate('will-navigate', 'app://studio/index.html')).toBe(false);
  });

  it('opens no new windows; https links go to the system browser', () => {
    expect(fake.state.windowOpenHandler?.({ url: 'https://keras.io/' })).toEqual({ action: 'deny' });
    expect(fake.state.windowOpenHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(fake.state.openedExternally).toEqual(['https://keras.io/']);
  });

  it('refuses to attach <webview> tags', () => {
    const preventDefault = vi.fn();
    fake.state.contentsListeners.get('will-attach-webview')?.({ preventDefault });
    expect(preventDefault).toHaveBeenCalled();
  });

  it('centres the window when no position was saved', () => {
    expect(fake.state.windowOptions).toMatchObject({ center: true, width: 1000, height: 700, show: false });
  });
});
